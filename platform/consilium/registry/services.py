"""Registering checkpoints and choosing the one new analyses use."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from pathlib import Path

from django.db import transaction

from consilium.registry.models import ModelVersion


class ModelCardError(ValueError):
    """The directory holds no valid checkpoint."""


def _card_payload(card: object) -> dict:
    payload = asdict(card) if is_dataclass(card) else dict(vars(card))
    return {key: value for key, value in payload.items() if _json_safe(value)}


def _json_safe(value: object) -> bool:
    try:
        json.dumps(value)
    except TypeError:
        return False
    return True


@transaction.atomic
def model_version_register(*, checkpoint_dir: Path, activate: bool = True) -> ModelVersion:
    """Register a checkpoint directory (reading its model card, not its weights)."""
    # The card reader needs no torch weights; ml is imported lazily so the web process stays light.
    from ml.checkpoint import CheckpointError, read_model_card

    checkpoint_dir = Path(checkpoint_dir).resolve()
    try:
        card = read_model_card(checkpoint_dir)
    except (CheckpointError, FileNotFoundError) as error:
        raise ModelCardError(str(error)) from error
    version, _ = ModelVersion.objects.update_or_create(
        name=card.name,
        version=card.version,
        defaults={
            "checkpoint_dir": str(checkpoint_dir),
            "findings": list(card.findings),
            "card": _card_payload(card),
        },
    )
    if activate:
        model_version_activate(model_version=version)
    return version


@transaction.atomic
def model_version_activate(*, model_version: ModelVersion) -> None:
    ModelVersion.objects.select_for_update().filter(is_active=True).exclude(
        pk=model_version.pk
    ).update(is_active=False)
    ModelVersion.objects.filter(pk=model_version.pk).update(is_active=True)
    model_version.is_active = True
