"""Sites, clinicians and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import ApiClient, Membership, Role, Site, default_scopes
from consilium.accounts.scopes import scopes_parse
from consilium.core.throttling import Rate, RateError, default_rate

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
def api_client_create(
    *,
    site: Site,
    name: str,
    scopes: Iterable[str] | None = None,
    rate_limit: str = "",
) -> IssuedToken:
    """Issue a new token for a client name, revoking any live token under the same name.

    `scopes` defaults to all of them; `rate_limit` ('1200/minute') overrides API_RATE_LIMIT.
    Raises ScopeError or RateError (ValueErrors) for names or rates that do not exist.
    """
    scope_list = scopes_parse(scopes) if scopes is not None else default_scopes()
    if rate_limit:
        rate_limit = str(Rate.parse(rate_limit))
    ApiClient.objects.filter(site=site, name=name, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token = "csl_" + secrets.token_urlsafe(TOKEN_BYTES)
    client = ApiClient.objects.create(
        site=site,
        name=name,
        token_prefix=token[:10],
        token_hash=token_hash(token),
        scopes=scope_list,
        rate_limit=rate_limit,
    )
    return IssuedToken(client=client, token=token)


def api_client_revoke(*, client: ApiClient) -> None:
    """From now on the token answers 401."""
    ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def api_clients_revoke_by_name(*, site: Site, name: str) -> int:
    """Revoke the live token(s) of a client name at a site; how many were live."""
    return ApiClient.objects.filter(site=site, name=name, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def api_client_rate(*, client: ApiClient) -> Rate | None:
    """The client's own rate limit, else settings.API_RATE_LIMIT; None when limits are off."""
    if client.rate_limit:
        try:
            return Rate.parse(client.rate_limit)
        except RateError:
            pass  # set by hand to something unreadable: the site-wide limit still holds
    return default_rate()


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


def user_membership(*, user: AbstractBaseUser) -> Membership | None:
    """The user's site and role, or None for a user who works at no site."""
    if not user.is_authenticated:
        return None
    return Membership.objects.select_related("site").filter(user=user).first()
