"""Shared HTTP plumbing for the non-DRF doors (DICOMweb, FHIR): auth and JSON errors."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from consilium.accounts.authentication import bearer_token, request_api_client

ErrorBody = Callable[[int, str], HttpResponse]


def json_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def api_client_required(error: ErrorBody = json_error):
    """Authenticate a hospital system by bearer token; sets request.api_client and request.site."""

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
            request.api_client = client
            request.site = client.site
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
