"""The gate in front of the machine doors (/api/v1, /dicomweb, /fhir).

For every request it (1) refuses a client over its rate limit with 429 and `Retry-After`, in
the door's own error dialect, and (2) writes exactly one `api.call` AuditEvent: the client, the
method, the URL pattern (never the path itself, which may hold the UIDs a hospital sent), and
the status. Bodies and query strings are never read or recorded. Authentication and scopes stay
with the views (`core.http.api_client_required`, DRF's `ApiTokenAuthentication` and `HasSite`);
the token is looked up once per request and shared with them.

Installed as `consilium.core.api_gate.ApiGateMiddleware` in settings.MIDDLEWARE, after
`MachineErrorMiddleware`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from consilium.accounts.authentication import request_api_client
from consilium.accounts.models import ApiClient
from consilium.accounts.services import api_client_rate
from consilium.audit.models import Action, ActorKind, AuditEvent
from consilium.core.errors import machine_error
from consilium.core.throttling import rate_limit_consume

API_PREFIXES = ("/api/v1/", "/dicomweb/", "/fhir/")


def request_route(request: HttpRequest) -> str:
    """The URL pattern the request matched, e.g. '/fhir/DiagnosticReport/<str:report_id>'."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return ""
    return "/" + match.route


def api_call_record(*, request: HttpRequest, client: ApiClient | None, status: int) -> AuditEvent:
    """One audit event for one API request: who, which operation, with what outcome."""
    return AuditEvent.objects.create(
        site=client.site if client is not None else None,
        actor_kind=ActorKind.API_CLIENT if client is not None else ActorKind.ANONYMOUS,
        actor_id=str(client.pk) if client is not None else "",
        actor_label=client.name if client is not None else "anonymous",
        action=Action.API_CALL,
        details={
            "method": request.method,
            "route": request_route(request) or "(no such route)",
            "status": status,
        },
    )


def _over_limit(request: HttpRequest, client: ApiClient) -> HttpResponse | None:
    rate = api_client_rate(client=client)
    if rate is None:
        return None
    # Keyed by the token, not the row id: ids are reused after a rollback, tokens never are.
    decision = rate_limit_consume(key=f"client:{client.token_hash[:24]}", rate=rate)
    if decision.allowed:
        request.rate_limit_headers = {
            "X-RateLimit-Limit": str(rate.requests),
            "X-RateLimit-Remaining": str(decision.remaining),
        }
        return None
    response = machine_error(
        request,
        429,
        f"Rate limit of {rate} exceeded for this API client; retry after {decision.retry_after} s.",
    )
    response["Retry-After"] = str(decision.retry_after)
    response["X-RateLimit-Limit"] = str(rate.requests)
    response["X-RateLimit-Remaining"] = "0"
    return response


class ApiGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIXES):
            return self.get_response(request)
        client = request_api_client(request)
        response = _over_limit(request, client) if client is not None else None
        if response is None:
            response = self.get_response(request)
            for name, value in getattr(request, "rate_limit_headers", {}).items():
                response.setdefault(name, value)
        api_call_record(request=request, client=client, status=response.status_code)
        return response
