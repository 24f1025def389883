"""The model registry: each checkpoint directory a model version; one is active for new analyses."""

from __future__ import annotations

from django.db import models


class ModelVersion(models.Model):
    name = models.CharField(max_length=100)
    version = models.CharField(max_length=64)
    checkpoint_dir = models.CharField(max_length=500)
    findings = models.JSONField(default=list)
    card = models.JSONField(default=dict, help_text="The checkpoint's model card, as registered.")
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="unique_model_version"),
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_model"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"
