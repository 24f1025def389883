"""Analyses (one model version run on one study) and their predictions.

The database is the source of truth for every job; the broker only carries the analysis id.
"""

from __future__ import annotations

import uuid

from django.db import models

from consilium.core.jobs import FINISHED, TRANSITIONS, JobStatus, job_can_move_to

AnalysisStatus = JobStatus  # the shared job statuses (consilium.core.jobs)


class Analysis(models.Model):
    FINISHED = FINISHED
    TRANSITIONS = TRANSITIONS  # the job state machine; updates go through job_update_status

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="analyses")
    study = models.ForeignKey("imaging.Study", on_delete=models.CASCADE, related_name="analyses")
    model_version = models.ForeignKey(
        "registry.ModelVersion", on_delete=models.PROTECT, related_name="analyses"
    )
    status = models.CharField(
        max_length=16, choices=AnalysisStatus.choices, default=AnalysisStatus.QUEUED, db_index=True
    )
    attempt = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="Celery hostname running it.")
    claimed_by = models.CharField(
        max_length=255,
        blank=True,
        help_text="The task whose batch runs it; other deliveries leave it to that task.",
    )
    modality_gate = models.JSONField(default=dict, blank=True)
    input_summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "analyses"
        constraints = [
            models.UniqueConstraint(
                fields=["study", "model_version"], name="one_analysis_per_study_and_model"
            )
        ]
        indexes = [
            # a study's latest analysis (the worklist asks for it once per study)
            models.Index(fields=["study", "-created_at", "-id"], name="analysis_study_latest"),
        ]

    def __str__(self) -> str:
        return f"analysis {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    def can_move_to(self, status: str) -> bool:
        return job_can_move_to(self.status, status)


class Prediction(models.Model):
    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="predictions")
    finding = models.CharField(max_length=100)
    probability = models.FloatField()
    threshold = models.FloatField()
    positive = models.BooleanField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["analysis", "finding"], name="one_prediction_per_finding"
            )
        ]

    def __str__(self) -> str:
        return f"{self.finding}: {self.probability:.3f}"
