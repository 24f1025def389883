from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from consilium.accounts.models import ApiClient, Membership
from consilium.accounts.scopes import ScopeError
from consilium.accounts.services import (
    api_client_authenticate,
    api_client_create,
    api_client_revoke,
    site_get_or_create,
)

pytestmark = pytest.mark.django_db


def test_token_is_stored_only_as_a_hash() -> None:
    issued = api_client_create(site=site_get_or_create(slug="a"), name="pacs")
    row = ApiClient.objects.get()
    assert issued.token not in (row.token_hash, row.token_prefix)
    assert issued.token.startswith(row.token_prefix)
    assert api_client_authenticate(token=issued.token) == row


def test_revoked_and_wrong_tokens_do_not_authenticate() -> None:
    issued = api_client_create(site=site_get_or_create(slug="a"), name="pacs")
    assert api_client_authenticate(token=issued.token + "x") is None
    api_client_revoke(client=issued.client)
    assert api_client_authenticate(token=issued.token) is None


def test_reissuing_a_client_name_revokes_the_old_token() -> None:
    site = site_get_or_create(slug="a")
    first = api_client_create(site=site, name="pacs")
    second = api_client_create(site=site, name="pacs")
    assert api_client_authenticate(token=first.token) is None
    assert api_client_authenticate(token=second.token) is not None


def test_create_api_token_prints_the_token_alone() -> None:
    out = io.StringIO()
    call_command("create_api_token", "--site", "north", "--name", "ris", stdout=out)
    token = out.getvalue().strip()
    assert "\n" not in token and " " not in token
    client = api_client_authenticate(token=token)
    assert client is not None and client.site.slug == "north"


def test_create_clinician_is_silent_and_makes_a_member() -> None:
    out = io.StringIO()
    call_command(
        "create_clinician",
        "--site",
        "north",
        "--username",
        "dr",
        "--password",
        "s3cret-pass",
        stdout=out,
    )
    assert out.getvalue() == ""
    membership = Membership.objects.get(user__username="dr")
    assert membership.site.slug == "north" and membership.role == "clinician"
    assert membership.user.check_password("s3cret-pass")


def test_tokens_get_every_scope_unless_told_otherwise() -> None:
    site = site_get_or_create(slug="a")
    assert api_client_create(site=site, name="pacs").client.scopes == ["upload", "read-results"]
    narrowed = api_client_create(site=site, name="ehr", scopes=["read-results", "read-results"])
    assert narrowed.client.scopes == ["read-results"]
    with pytest.raises(ScopeError, match="write-everything"):
        api_client_create(site=site, name="x", scopes=["write-everything"])
    with pytest.raises(ScopeError, match="at least one"):
        api_client_create(site=site, name="x", scopes=[])


def test_create_api_token_takes_scopes_and_a_rate() -> None:
    out = io.StringIO()
    call_command(
        "create_api_token",
        "--site",
        "north",
        "--name",
        "modality",
        "--scope",
        "upload",
        "--rate-limit",
        "20/s",
        stdout=out,
    )
    client = api_client_authenticate(token=out.getvalue().strip())
    assert client.scopes == ["upload"] and client.rate_limit == "20/second"
    both = io.StringIO()
    call_command(
        "create_api_token",
        *("--site", "north", "--name", "pacs", "--scope", "upload", "--scope", "read-results"),
        stdout=both,
    )
    assert api_client_authenticate(token=both.getvalue().strip()).scopes == [
        "upload",
        "read-results",
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [(("--scope", "admin"), "invalid choice"), (("--rate-limit", "fast"), "requests>/<second")],
)
def test_create_api_token_refuses_unknown_scopes_and_rates(arguments, message) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", "--site", "north", "--name", "x", *arguments)
    assert not ApiClient.objects.exists()


def test_revoke_api_token_ends_a_clients_token() -> None:
    out = io.StringIO()
    call_command("create_api_token", "--site", "north", "--name", "ris", stdout=out)
    token = out.getvalue().strip()
    call_command("revoke_api_token", "--site", "north", "--name", "ris", stdout=io.StringIO())
    assert api_client_authenticate(token=token) is None
    with pytest.raises(CommandError, match="no live API client"):
        call_command("revoke_api_token", "--site", "north", "--name", "ris")
    with pytest.raises(CommandError, match="No site"):
        call_command("revoke_api_token", "--site", "nowhere", "--name", "ris")
