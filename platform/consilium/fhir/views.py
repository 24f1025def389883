"""FHIR R4 endpoints: DocumentReference in, DiagnosticReport out. Errors are OperationOutcome."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from consilium.accounts.models import ApiScope
from consilium.analyses.selectors import analysis_get
from consilium.core.errors import fhir_issue_code, operation_outcome
from consilium.core.http import api_client_required
from consilium.fhir.resources import (
    FhirInputError,
    diagnostic_report_render,
    document_reference_parse,
    document_reference_render,
)
from consilium.imaging.models import ClinicalNote
from consilium.imaging.services import StudyReferenceError, note_ingest

FHIR_JSON = "application/fhir+json"


def fhir_error(status: int, message: str) -> HttpResponse:
    return operation_outcome(status, message, fhir_issue_code(status))


def fhir_response(resource: dict, status: int = 200, **headers: str) -> HttpResponse:
    response = JsonResponse(resource, status=status, content_type=FHIR_JSON)
    for name, value in headers.items():
        response[name] = value
    return response


@csrf_exempt
@require_http_methods(["POST"])
@api_client_required(fhir_error, scope=ApiScope.UPLOAD)
def document_reference_create(request: HttpRequest) -> HttpResponse:
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return fhir_error(400, "The body is not JSON.")
    try:
        incoming = document_reference_parse(payload)
        note = note_ingest(
            site=request.site,
            actor=request.api_client,
            study_uid_as_sent=incoming.study_uid_as_sent,
            text=incoming.text,
        )
    except (FhirInputError, StudyReferenceError) as error:
        return fhir_error(400, str(error))
    location = request.build_absolute_uri(reverse("fhir:document-reference", args=[note.pk]))
    return fhir_response(document_reference_render(note), status=201, Location=location)


@require_http_methods(["GET"])
@api_client_required(fhir_error, scope=ApiScope.READ_RESULTS)
def document_reference_read(request: HttpRequest, note_id: str) -> HttpResponse:
    note = (
        ClinicalNote.objects.filter(site=request.site, pk=note_id).select_related("study").first()
    )
    if note is None:
        return fhir_error(404, "No such DocumentReference at this site.")
    return fhir_response(document_reference_render(note))


@require_http_methods(["GET"])
@api_client_required(fhir_error, scope=ApiScope.READ_RESULTS)
def diagnostic_report_read(request: HttpRequest, report_id: str) -> HttpResponse:
    analysis = analysis_get(site=request.site, analysis_id=report_id)
    if analysis is None:
        return fhir_error(404, "No such DiagnosticReport at this site.")
    return fhir_response(diagnostic_report_render(analysis))
