from __future__ import annotations

from consilium.registry.models import ModelVersion


def model_version_active() -> ModelVersion | None:
    return ModelVersion.objects.filter(is_active=True).first()
