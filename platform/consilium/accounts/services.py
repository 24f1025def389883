"""Sites, clinicians and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import ApiClient, Membership, Role, Site

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def site_get_or_create(*, slug: str, name: str | None = None) -> Site:
    site, _ = Site.objects.get_or_create(slug=slug, defaults={"name": name or slug})
    return site


@dataclass(frozen=True)
class IssuedToken:
    client: ApiClient
    token: str  # shown once, never stored


@transaction.atomic
def api_client_create(*, site: Site, name: str) -> IssuedToken:
    """Issue a new token for a client name, revoking any live token under the same name."""
    ApiClient.objects.filter(site=site, name=name, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token = "csl_" + secrets.token_urlsafe(TOKEN_BYTES)
    client = ApiClient.objects.create(
        site=site, name=name, token_prefix=token[:10], token_hash=token_hash(token)
    )
    return IssuedToken(client=client, token=token)


def api_client_revoke(*, client: ApiClient) -> None:
    ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def api_client_authenticate(*, token: str) -> ApiClient | None:
    """The live client a bearer token belongs to, or None."""
    if not token:
        return None
    client = (
        ApiClient.objects.select_related("site")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .first()
    )
    if client is not None:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client


@transaction.atomic
def user_create(*, site: Site, username: str, password: str, role: str = Role.CLINICIAN):
    """Create (or reset the password of) a user who works at `site` in `role`."""
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username)
    user.set_password(password)
    user.save()
    Membership.objects.update_or_create(user=user, defaults={"site": site, "role": role})
    return user


def user_site(*, user: AbstractBaseUser) -> Site | None:
    membership = getattr(user, "membership", None)
    return membership.site if membership is not None else None
