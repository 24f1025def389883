"""The OpenAPI document of /api/v1 and its browsable page.

drf-spectacular describes each view from its serializers; this module adds what every operation
shares and no view declares: the answers of the gate and of authentication (401, 403, 429 with
`Retry-After`), 404 for a resource not at the token's site, 400 where a body is read, each with
its JSON error body. The docs page loads Swagger UI from `drf-spectacular-sidecar`'s static files, never
from a CDN.
"""

from __future__ import annotations

from django.templatetags.static import static
from drf_spectacular.views import SpectacularSwaggerView

ERROR_BODY = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What was wrong."}},
    "required": ["detail"],
}
VALIDATION_BODY = {
    "type": "object",
    "description": "Field name -> messages for invalid fields, or `detail` for a malformed body.",
    "additionalProperties": True,
}
RETRY_AFTER = {
    "description": "Seconds until a request from this client is admitted again.",
    "schema": {"type": "integer", "minimum": 1},
}
SHARED_RESPONSES = {
    "Unauthorized": ("No, an invalid or a revoked API token.", "Error", {}),
    "Forbidden": ("The token lacks the scope this operation needs.", "Error", {}),
    "NotFound": ("No such resource at the token's site.", "Error", {}),
    "BadRequest": ("The body or a parameter is invalid; the answer says which.", "Validation", {}),
    "TooManyRequests": (
        "The client's rate limit (API_RATE_LIMIT) is used up.",
        "Error",
        {"Retry-After": RETRY_AFTER},
    ),
}
ERROR_STATUSES = {
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "400": "BadRequest",
    "429": "TooManyRequests",
}

SWAGGER_UI_STATIC = "drf_spectacular_sidecar/swagger-ui-dist"


def shared_error_responses(result: dict, generator, request, public: bool) -> dict:
    """drf-spectacular postprocessing hook: the error answers every /api/v1 operation can give."""
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Error"] = ERROR_BODY
    schemas["ValidationErrors"] = VALIDATION_BODY
    shared = components.setdefault("responses", {})
    for name, (description, body, headers) in SHARED_RESPONSES.items():
        schema = "Error" if body == "Error" else "ValidationErrors"
        shared[name] = {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
            **({"headers": headers} if headers else {}),
        }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            # Every /api/v1 operation names a resource of the token's site, in its path or in
            # its body (POST /analyses names a study), so each can answer 404.
            wanted = ["401", "403", "404", "429"]
            if "requestBody" in operation:
                wanted.append("400")
            for status in wanted:
                _shared_answer(responses, status)
            for status in list(responses):
                if status in ERROR_STATUSES or status == "409":
                    _error_content(responses, status)
    return result


def _shared_answer(responses: dict, status: str) -> None:
    reference = {"$ref": f"#/components/responses/{ERROR_STATUSES[status]}"}
    if status not in responses:
        responses[status] = reference


def _error_content(responses: dict, status: str) -> None:
    """A status a view declared with a description only gets the JSON error body."""
    answer = responses[status]
    if "$ref" in answer or "content" in answer:
        return
    schema = "ValidationErrors" if status == "400" else "Error"
    answer["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


class ApiDocsView(SpectacularSwaggerView):
    """Swagger UI on /api/v1, its scripts and styles served from this platform's static files
    (the `drf_spectacular_sidecar` app), whatever SPECTACULAR_SETTINGS says about CDNs."""

    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        return static(f"{SWAGGER_UI_STATIC}/{filename}")

    @staticmethod
    def _swagger_ui_favicon() -> str:
        return static(f"{SWAGGER_UI_STATIC}/favicon-32x32.png")
