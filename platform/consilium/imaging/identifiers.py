"""The re-identification link: encrypted originals behind keyed-HMAC replacements, audited on read."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import IntegrityError, transaction

from consilium.accounts.models import Site
from consilium.audit.models import Action
from consilium.audit.services import Actor, audit_record
from consilium.deid import OriginalIdentifiers
from consilium.imaging.models import IdentifierKind, IdentifierLink


@lru_cache(maxsize=1)
def _fernet() -> Fernet:
    return Fernet(settings.IDENTIFIER_ENCRYPTION_KEY.encode())


def identifier_links_record(
    *, site: Site, original: OriginalIdentifiers, replacements: dict[str, str]
) -> None:
    """Store (once) the encrypted original of each identifier the de-identifier replaced."""
    originals = {
        IdentifierKind.PATIENT_ID: original.patient_id,
        IdentifierKind.STUDY_INSTANCE_UID: original.study_instance_uid,
        IdentifierKind.SERIES_INSTANCE_UID: original.series_instance_uid,
        IdentifierKind.SOP_INSTANCE_UID: original.sop_instance_uid,
    }
    existing = set(
        IdentifierLink.objects.filter(
            site=site, replacement__in=[r for r in replacements.values() if r]
        ).values_list("kind", "replacement")
    )
    for kind, value in originals.items():
        replacement = replacements.get(kind, "")
        if not value or not replacement or (kind.value, replacement) in existing:
            continue
        try:
            with transaction.atomic():
                IdentifierLink.objects.create(
                    site=site,
                    kind=kind,
                    replacement=replacement,
                    original_encrypted=_fernet().encrypt(value.encode()),
                )
        except IntegrityError:
            pass  # recorded concurrently by another upload of the same study


def identifier_reveal(*, site: Site, actor: Actor, kind: str, replacement: str) -> str | None:
    """The hospital's original identifier behind a replacement; every read is audited."""
    link = IdentifierLink.objects.filter(site=site, kind=kind, replacement=replacement).first()
    if link is None:
        return None
    audit_record(
        site=site,
        actor=actor,
        action=Action.IDENTIFIER_REVEALED,
        target=link,
        details={"kind": kind},
    )
    return _fernet().decrypt(bytes(link.original_encrypted)).decode()
