"""Clinician feedback on an analysis, and the finding labels it yields for retraining.

Rows are only ever added: a new verdict on a finding is a new row, and the newest row of a
(study, finding) is its current label. The history says who changed their mind, and when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Verdict(models.TextChoices):
    AGREE = "agree", "Agree with the model"
    DISAGREE = "disagree", "Disagree with the model"
    MISSED = "missed", "Missed by the model"


class Feedback(models.Model):
    """One submission of the feedback form: who answered which analysis, and their comment."""

    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    study = models.ForeignKey("imaging.Study", on_delete=models.CASCADE, related_name="feedback")
    # RESTRICT: an analysis that was answered stays while its study does (labels cite it).
    analysis = models.ForeignKey(
        "analyses.Analysis", on_delete=models.RESTRICT, related_name="feedback"
    )
    model_version = models.ForeignKey(
        "registry.ModelVersion", on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "feedback"

    def __str__(self) -> str:
        return f"feedback {self.pk} on study {self.study_id}"


class FindingLabel(models.Model):
    """One finding's label from one submission. The newest row per (study, finding) is current.

    `site` and `study` repeat the submission's so that the current-label queries are one indexed
    lookup, scoped to the site, without a join.
    """

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="labels")
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    study = models.ForeignKey(
        "imaging.Study", on_delete=models.CASCADE, related_name="finding_labels"
    )
    finding = models.CharField(max_length=100)
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    present = models.BooleanField(help_text="The label: the finding is present in the study.")
    model_flagged = models.BooleanField(
        null=True, help_text="Whether the model flagged the finding; empty outside its list."
    )
    listed = models.BooleanField(
        default=True,
        help_text="The finding is one of the model's; a free-text one is exported only on request.",
    )

    class Meta:
        ordering = ["finding", "-id"]
        indexes = [models.Index(fields=["study", "finding"])]
        constraints = [
            models.UniqueConstraint(fields=["feedback", "finding"], name="one_label_per_finding")
        ]

    def __str__(self) -> str:
        return f"{self.finding}: {'present' if self.present else 'absent'} ({self.verdict})"
