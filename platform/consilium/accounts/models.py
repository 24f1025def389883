"""Sites (tenants), their members and their API clients (hospital systems)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AutoAnalysis(models.TextChoices):
    """When a study that has stopped receiving data is analysed without being asked."""

    OFF = "off", "Only when requested"
    NOTE_REQUIRED = "note_required", "When stable, with images and a note"
    IMAGE_ONLY = "image_only", "When stable, images alone are enough"


class Site(models.Model):
    """A hospital or department: every clinical row belongs to exactly one site."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    auto_analysis = models.CharField(
        max_length=16, choices=AutoAnalysis.choices, default=AutoAnalysis.OFF
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.slug


class Role(models.TextChoices):
    """What a member may do at their site; every role sees only its own site's data."""

    CLINICIAN = "clinician", "Clinician"
    SITE_ADMIN = "site_admin", "Site administrator"
    ML_ENGINEER = "ml_engineer", "ML engineer"
    AUDITOR = "auditor", "Auditor"


class Membership(models.Model):
    """Which site a user works for, and as what."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.CLINICIAN)

    def __str__(self) -> str:
        return f"{self.user} @ {self.site} ({self.role})"


class ApiScope(models.TextChoices):
    """What a token may do. A token carries one or more scopes."""

    UPLOAD = "upload", "Upload images and notes (STOW-RS, FHIR DocumentReference create)"
    READ_RESULTS = (
        "read-results",
        "Read images, notes and results (QIDO-RS, WADO-RS, FHIR reads, /api/v1, reports)",
    )


def default_scopes() -> list[str]:
    return [scope.value for scope in ApiScope]


class ApiClient(models.Model):
    """A hospital system that calls the API with a bearer token. Only the token's hash is stored."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="api_clients")
    name = models.CharField(max_length=200)
    token_prefix = models.CharField(max_length=12, help_text="First characters, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(default=default_scopes, help_text="ApiScope values this token has.")
    rate_limit = models.CharField(
        max_length=32,
        blank=True,
        help_text="Requests per period for this client, e.g. '1200/minute'; "
        "blank: the API_RATE_LIMIT setting.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_client_name_per_site",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.site} ({self.token_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
