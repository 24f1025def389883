"""Bearer-token authentication for hospital systems, for DRF views and plain Django views alike."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework import authentication, exceptions

from consilium.accounts.models import ApiClient
from consilium.accounts.services import api_client_authenticate

# Where the client found for a request is kept, so one request looks its token up once.
_CLIENT_ATTRIBUTE = "_consilium_api_client"


class ApiPrincipal:
    """What `request.user` is for a hospital system: its client and site."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.site = client.site

    def __str__(self) -> str:
        return f"api:{self.client.name}"


def bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def request_api_client(request: HttpRequest) -> ApiClient | None:
    """The live client whose bearer token the request carries, or None (looked up once)."""
    if not hasattr(request, _CLIENT_ATTRIBUTE):
        token = bearer_token(request)
        client = api_client_authenticate(token=token) if token else None
        setattr(request, _CLIENT_ATTRIBUTE, client)
    return getattr(request, _CLIENT_ATTRIBUTE)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        if bearer_token(request) is None:
            return None
        client = request_api_client(request._request)
        if client is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API token.")
        return (ApiPrincipal(client), client)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="consilium"'
