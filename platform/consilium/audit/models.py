"""The audit trail: who did what to which object, when. Append-only; holds ids, never PHI."""

from __future__ import annotations

from django.db import models


class Action(models.TextChoices):
    INSTANCE_STORED = "instance.stored"
    INSTANCE_REJECTED = "instance.rejected"
    INSTANCE_QUARANTINED = "instance.quarantined"
    NOTE_STORED = "note.stored"
    ANALYSIS_REQUESTED = "analysis.requested"
    ANALYSIS_VIEWED = "analysis.viewed"
    STUDY_VIEWED = "study.viewed"
    INSTANCE_VIEWED = "instance.viewed"
    REPORT_VIEWED = "report.viewed"
    REPORT_GENERATED = "report.generated"
    EXPLANATION_REQUESTED = "explanation.requested"
    IDENTIFIER_REVEALED = "identifier.revealed"
    API_CALL = "api.call"  # one per request to /api/v1, /dicomweb, /fhir: method, route, status
    FEEDBACK_GIVEN = "feedback.given"  # a clinician's verdicts on an analysis: finding codes only
    LABELS_EXPORTED = "labels.exported"  # a labelled set written for retraining: study ids
    AUDIT_EXPORTED = "audit.exported"  # the audit trail downloaded as CSV: the filters applied


class ActorKind(models.TextChoices):
    USER = "user"
    API_CLIENT = "api_client"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"  # a request without a valid token


class AuditEvent(models.Model):
    site = models.ForeignKey("accounts.Site", null=True, on_delete=models.PROTECT)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64, choices=Action.choices, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # the trail page: a site's events newest first, by action or not
            models.Index(fields=["site", "-created_at", "-id"], name="audit_site_newest"),
            models.Index(fields=["site", "action", "-created_at"], name="audit_site_action_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"
