"""How the API token appears in the OpenAPI schema (drf-spectacular finds it once imported)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from consilium.accounts.models import ApiScope


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "consilium.accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema) -> dict:
        scopes = "; ".join(f"`{scope.value}`: {scope.label}" for scope in ApiScope)
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A hospital system's token (`manage.py create_api_token`), sent as "
                "`Authorization: Bearer <token>`. Every resource is scoped to the token's site. "
                f"Scopes: {scopes}. /api/v1 needs `read-results`."
            ),
        }
