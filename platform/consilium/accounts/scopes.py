"""What an API token may do: the one place a request's scope is checked.

DRF views (through `permissions.HasSite`) and the plain Django views of the DICOMweb and FHIR
doors (through `core.http.api_client_required`) both call `scope_check`.
"""

from __future__ import annotations

from collections.abc import Iterable

from consilium.accounts.models import ApiClient, ApiScope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ScopeError(ValueError):
    """A scope name that does not exist; the message lists the ones that do."""


class MissingScopeError(PermissionError):
    """The token is valid but lacks the scope this request needs (HTTP 403)."""


def scopes_parse(names: Iterable[str]) -> list[str]:
    """Validated, de-duplicated scope names in ApiScope order."""
    wanted = {name.strip() for name in names}
    unknown = sorted(wanted - set(ApiScope.values))
    if unknown:
        raise ScopeError(
            f"Unknown scope(s) {', '.join(unknown)}; choose from {', '.join(ApiScope.values)}."
        )
    if not wanted:
        raise ScopeError(f"A token needs at least one scope: {', '.join(ApiScope.values)}.")
    return [scope for scope in ApiScope.values if scope in wanted]


def door_scope(method: str) -> ApiScope:
    """The DICOMweb and FHIR doors: a POST stores (STOW-RS, DocumentReference create); a read reads."""
    return ApiScope.READ_RESULTS if method.upper() in SAFE_METHODS else ApiScope.UPLOAD


def scope_check(*, client: ApiClient, scope: str) -> None:
    """Raise MissingScopeError unless `client` carries `scope`."""
    if scope not in (client.scopes or []):
        raise MissingScopeError(
            f"This API token lacks the '{scope}' scope that this request needs "
            f"(it has: {', '.join(client.scopes or []) or 'none'}). "
            f"Issue a token with --scope {scope}."
        )
