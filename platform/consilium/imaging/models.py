"""The de-identified store: pseudonymous patients, studies, series, instances and notes.

Every UID here is the remapped one; nothing in these tables identifies a patient.
"""

from __future__ import annotations

import uuid

from django.db import models


class Patient(models.Model):
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="patients")
    pseudonym = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "pseudonym"], name="unique_patient_pseudonym")
        ]

    def __str__(self) -> str:
        return self.pseudonym


class Study(models.Model):
    """A study may exist before its images: a note can arrive first and name it."""

    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="studies")
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="studies"
    )
    study_instance_uid = models.CharField(max_length=64)
    study_date = models.DateField(null=True, blank=True, help_text="Shifted per patient.")
    modalities = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # the last time an instance or a note arrived: "stable" is this plus STUDY_STABLE_SECONDS
    last_activity_at = models.DateTimeField(null=True, blank=True)
    # when the one pending stability check runs (None: none pending)
    stable_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "studies"
        constraints = [
            models.UniqueConstraint(fields=["site", "study_instance_uid"], name="unique_study_uid")
        ]
        indexes = [
            # a site's studies newest first: the worklist's default tie-break and its newest sort
            models.Index(fields=["site", "-created_at", "-id"], name="study_site_newest"),
        ]

    def __str__(self) -> str:
        return self.study_instance_uid


class Series(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="series")
    series_instance_uid = models.CharField(max_length=64)
    modality = models.CharField(max_length=16, blank=True)
    series_number = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["series_number", "id"]
        verbose_name_plural = "series"
        constraints = [
            models.UniqueConstraint(
                fields=["study", "series_instance_uid"], name="unique_series_uid"
            )
        ]

    def __str__(self) -> str:
        return self.series_instance_uid


def instance_path(instance: Instance, filename: str) -> str:
    series = instance.series
    return (
        f"dicom/{series.study.site_id}/{series.study.study_instance_uid}/"
        f"{series.series_instance_uid}/{instance.sop_instance_uid}.dcm"
    )


class Instance(models.Model):
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="instances")
    sop_instance_uid = models.CharField(max_length=64)
    sop_class_uid = models.CharField(max_length=64)
    transfer_syntax_uid = models.CharField(max_length=64, blank=True)
    instance_number = models.IntegerField(null=True, blank=True)
    rows = models.IntegerField(null=True, blank=True)
    columns = models.IntegerField(null=True, blank=True)
    number_of_frames = models.IntegerField(default=1)
    file = models.FileField(upload_to=instance_path, max_length=400)
    size_bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instance_number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["series", "sop_instance_uid"], name="unique_sop_uid")
        ]

    def __str__(self) -> str:
        return self.sop_instance_uid


class ClinicalNote(models.Model):
    """A de-identified note; the original text is never stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="notes")
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField()
    content_sha256 = models.CharField(
        max_length=64, help_text="Hash of the de-identified text, so a re-sent note is not doubled."
    )
    replacement_counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["study", "content_sha256"], name="unique_note_content")
        ]

    def __str__(self) -> str:
        return f"note {self.pk}"


class IdentifierKind(models.TextChoices):
    PATIENT_ID = "patient_id"
    STUDY_INSTANCE_UID = "study_uid"
    SERIES_INSTANCE_UID = "series_uid"
    SOP_INSTANCE_UID = "sop_uid"


class IdentifierLink(models.Model):
    """The way back to a hospital's identifier: looked up by its keyed-HMAC replacement, the
    original kept only Fernet-encrypted. Reading an original writes an AuditEvent."""

    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=IdentifierKind.choices)
    replacement = models.CharField(max_length=64, help_text="The pseudonym or remapped UID.")
    original_encrypted = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "kind", "replacement"], name="unique_identifier_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.replacement}"
