"""Writing the audit trail. Callers pass ids and codes only: no names, UIDs as sent, or note text."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from consilium.accounts.models import ApiClient, Site
from consilium.audit.models import ActorKind, AuditEvent

Actor = AbstractBaseUser | ApiClient | None


def _actor_fields(actor: Actor) -> dict[str, str]:
    if isinstance(actor, ApiClient):
        return {
            "actor_kind": ActorKind.API_CLIENT,
            "actor_id": str(actor.pk),
            "actor_label": actor.name,
        }
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {
            "actor_kind": ActorKind.USER,
            "actor_id": str(actor.pk),
            "actor_label": actor.get_username(),
        }
    return {"actor_kind": ActorKind.SYSTEM, "actor_id": "", "actor_label": "system"}


def audit_record(
    *,
    site: Site | None,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        site=site,
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        details=details or {},
        **_actor_fields(actor),
    )
