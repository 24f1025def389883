"""Errors on machine doors are JSON (FHIR: OperationOutcome), never an HTML page or a stack trace."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.views import exception_handler

logger = logging.getLogger("consilium.errors")

MACHINE_PREFIXES = ("/api/", "/dicomweb/", "/fhir/", "/health/")

# OperationOutcome.issue.code (http://hl7.org/fhir/issue-type) for each HTTP status we answer.
FHIR_ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    410: "deleted",
    413: "too-costly",
    415: "not-supported",
    422: "processing",
    429: "throttled",
}


def fhir_issue_code(status: int) -> str:
    return FHIR_ISSUE_CODES.get(status, "exception" if status >= 500 else "processing")


def operation_outcome(status: int, message: str, code: str = "processing") -> JsonResponse:
    severity = "error" if status < 500 else "fatal"
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": message}],
    }
    return JsonResponse(body, status=status, content_type="application/fhir+json")


def machine_error(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """An error in the door's own dialect: OperationOutcome on /fhir/, {"detail"} elsewhere."""
    if request.path.startswith("/fhir/"):
        return operation_outcome(status, message, fhir_issue_code(status))
    return JsonResponse({"detail": message}, status=status)


def api_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in %s", context["request"].path, exc_info=exc)
        return JsonResponse({"detail": "Internal error; it has been logged."}, status=500)
    return response


class MachineErrorMiddleware:
    """Turn unhandled exceptions and bare 404s on machine paths into JSON answers."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(MACHINE_PREFIXES)
            and response.status_code == 404
            and "html" in response.get("Content-Type", "")
        ):
            return machine_error(request, 404, "Not found.")
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(MACHINE_PREFIXES):
            return None
        logger.exception("Unhandled error in %s", request.path, exc_info=exception)
        return machine_error(request, 500, "Internal error; it has been logged.")
