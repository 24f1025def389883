"""The demo site, clinician, API token and model that `make run` seeds (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from consilium.accounts.models import ApiClient, AutoAnalysis, Role
from consilium.accounts.services import (
    api_client_create,
    site_get_or_create,
    token_hash,
    user_create,
)
from consilium.registry.models import ModelVersion
from consilium.registry.services import model_version_register
from consilium.runtime import persistent_secret, var_dir

DEMO_SITE = "demo"
DEMO_CLINICIAN = "clinician"
DEMO_ENGINEER = "engineer"  # sees the labelled set that clinicians' feedback builds
DEMO_AUDITOR = "auditor"  # reads the audit trail; starts nothing
DEMO_CLIENT = "demo-pacs"


@dataclass(frozen=True)
class DemoCredentials:
    site: str
    username: str
    password: str
    api_token: str
    engineer_username: str
    engineer_password: str
    auditor_username: str
    auditor_password: str


def demo_seed() -> DemoCredentials:
    """The demo site with a clinician, an ML engineer, an auditor and an API client; the same
    credentials on every run."""
    site = site_get_or_create(slug=DEMO_SITE, name="Demo Hospital (synthetic data)")
    if site.auto_analysis == AutoAnalysis.OFF:  # a new demo site analyses stable studies itself
        site.auto_analysis = AutoAnalysis.NOTE_REQUIRED
        site.save(update_fields=["auto_analysis"])
    password = persistent_secret("demo_clinician_password", nbytes=9)
    user_create(site=site, username=DEMO_CLINICIAN, password=password)
    engineer_password = persistent_secret("demo_engineer_password", nbytes=9)
    user_create(
        site=site, username=DEMO_ENGINEER, password=engineer_password, role=Role.ML_ENGINEER
    )
    auditor_password = persistent_secret("demo_auditor_password", nbytes=9)
    user_create(site=site, username=DEMO_AUDITOR, password=auditor_password, role=Role.AUDITOR)
    token_file = var_dir() / "secrets" / "demo_api_token"
    token = token_file.read_text().strip() if token_file.exists() else ""
    live = ApiClient.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True).exists()
    if not token or not live:
        token = api_client_create(site=site, name=DEMO_CLIENT).token
        token_file.write_text(token)
        token_file.chmod(0o600)
    return DemoCredentials(
        site=DEMO_SITE,
        username=DEMO_CLINICIAN,
        password=password,
        api_token=token,
        engineer_username=DEMO_ENGINEER,
        engineer_password=engineer_password,
        auditor_username=DEMO_AUDITOR,
        auditor_password=auditor_password,
    )


def demo_model_ensure(*, progress: bool = True) -> ModelVersion:
    """Train (first run) or load the demonstration model and make it active if none is."""
    from ml.demo import ensure_demo_checkpoint

    checkpoint = ensure_demo_checkpoint(Path(settings.MODELS_DIR) / "demo", progress=progress)
    has_active = ModelVersion.objects.filter(is_active=True).exists()
    return model_version_register(checkpoint_dir=checkpoint, activate=not has_active)
