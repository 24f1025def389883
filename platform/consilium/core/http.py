"""Shared HTTP plumbing for the non-DRF doors (DICOMweb, FHIR): auth, scopes and JSON errors."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from consilium.accounts.authentication import bearer_token, request_api_client
from consilium.accounts.scopes import MissingScopeError, door_scope, scope_check

ErrorBody = Callable[[int, str], HttpResponse]


def json_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def api_client_required(error: ErrorBody = json_error, *, scope: str | None = None):
    """Authenticate a hospital system by bearer token and check its token's scope.

    Sets request.api_client and request.site. `scope` is what the view needs; without it, the
    DICOMweb/FHIR rule applies: a POST needs `upload`, a read needs `read-results`.
    Missing or invalid (revoked) token: 401; valid token without the scope: 403.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            client = request_api_client(request)
            if client is None:
                message = (
                    "Authentication required: send 'Authorization: Bearer <token>'."
                    if bearer_token(request) is None
                    else "Invalid or revoked API token."
                )
                response = error(401, message)
                response["WWW-Authenticate"] = 'Bearer realm="consilium"'
                return response
            try:
                scope_check(client=client, scope=scope or door_scope(request.method or "GET"))
            except MissingScopeError as denied:
                return error(403, str(denied))
            request.api_client = client
            request.site = client.site
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
