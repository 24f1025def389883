"""Explanations of an analysis's findings (Captum) and the reports generated from them.

An explanation is a job like an analysis: the database holds its state and results, the broker only
carries ids. Its artifacts (PNG overlays, the raw heat map) are files under MEDIA_ROOT whose
relative paths the row names; a finished row's paths always point at one complete set.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from consilium.core.jobs import FINISHED, TRANSITIONS, JobStatus, job_can_move_to

ExplanationStatus = JobStatus  # the shared job statuses (consilium.core.jobs)


class Explanation(models.Model):
    FINISHED = FINISHED
    TRANSITIONS = TRANSITIONS  # the job state machine; updates go through job_update_status

    analysis = models.ForeignKey(
        "analyses.Analysis", on_delete=models.CASCADE, related_name="explanations"
    )
    finding = models.CharField(max_length=100)
    on_demand = models.BooleanField(
        default=False,
        help_text="Asked for explicitly, rather than explained as a positive finding.",
    )
    status = models.CharField(
        max_length=16,
        choices=ExplanationStatus.choices,
        default=ExplanationStatus.QUEUED,
        db_index=True,
    )
    attempt = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="Celery hostname running it.")

    probability = models.FloatField(null=True, blank=True)
    logit = models.FloatField(null=True, blank=True)
    # Artifacts, relative to MEDIA_ROOT; blank for a study without an image.
    overlay_path = models.CharField(
        max_length=300, blank=True, help_text="Image with the heat map blended in and a colour bar."
    )
    heatmap_path = models.CharField(
        max_length=300, blank=True, help_text="Transparent RGBA heat map, the image's size."
    )
    image_path = models.CharField(
        max_length=300, blank=True, help_text="The de-identified image the model saw, grey PNG."
    )
    raw_heatmap_path = models.CharField(
        max_length=300, blank=True, help_text="The heat map as float32 .npy in [0, 1]."
    )
    image_width = models.PositiveIntegerField(null=True, blank=True)
    image_height = models.PositiveIntegerField(null=True, blank=True)

    note_text = models.TextField(
        blank=True, help_text="The de-identified note as the model read it (word offsets use it)."
    )
    words = models.JSONField(
        default=list,
        blank=True,
        help_text="[{word, start, end, score}] for every word of the note.",
    )
    image_share = models.FloatField(null=True, blank=True)
    note_share = models.FloatField(null=True, blank=True)
    modality_attributions = models.JSONField(default=dict, blank=True)
    model_gate = models.JSONField(default=dict, blank=True)
    completeness_delta = models.FloatField(null=True, blank=True)
    completeness_relative = models.FloatField(null=True, blank=True)
    faithfulness = models.JSONField(default=list, blank=True)
    faithful = models.BooleanField(
        null=True, blank=True, help_text="Every deletion check passed; unfaithful ones are flagged."
    )
    captum_version = models.CharField(max_length=32, blank=True)
    settings = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["analysis", "finding"], name="one_explanation_per_finding"
            )
        ]

    def __str__(self) -> str:
        return f"explanation of {self.finding} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def has_image(self) -> bool:
        return bool(self.heatmap_path)

    def can_move_to(self, status: str) -> bool:
        return job_can_move_to(self.status, status)

    def artifact_path(self, kind: str) -> str:
        """The stored path of one artifact kind (see ARTIFACT_KINDS), blank when there is none."""
        return getattr(self, ARTIFACT_KINDS[kind][0])


# URL name of an artifact -> (field, content type).
ARTIFACT_KINDS: dict[str, tuple[str, str]] = {
    "overlay.png": ("overlay_path", "image/png"),
    "heatmap.png": ("heatmap_path", "image/png"),
    "image.png": ("image_path", "image/png"),
    "heatmap.npy": ("raw_heatmap_path", "application/octet-stream"),
}


class ReportFormat(models.TextChoices):
    PDF = "pdf"
    HTML = "html"


class ExplanationReport(models.Model):
    """One generated explanation report: its id is printed on it and named in the audit trail."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="reports")
    analysis = models.ForeignKey(
        "analyses.Analysis", on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField(max_length=8, choices=ReportFormat.choices)
    generated_at = models.DateTimeField(default=timezone.now, help_text="As printed on it.")
    generated_by = models.CharField(
        max_length=200, help_text="The user name or API client that asked for it."
    )
    findings = models.JSONField(default=list, help_text="The explained findings it shows.")

    class Meta:
        ordering = ["-generated_at"]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.kind})"
