"""FHIR R4 endpoints: DocumentReference in, DiagnosticReport out, the CapabilityStatement.

Thin: each interaction parses, calls one service or selector, and renders. Errors are
OperationOutcome; only `application/fhir+json` is served (406 otherwise).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from consilium.accounts.models import ApiScope
from consilium.analyses.selectors import analysis_get
from consilium.core.errors import fhir_issue_code, operation_outcome
from consilium.core.http import api_client_required
from consilium.fhir.capability import capability_statement_render
from consilium.fhir.diagnostic_report import diagnostic_report_render
from consilium.fhir.resources import (
    FHIR_JSON,
    FhirInputError,
    document_reference_parse,
    document_reference_render,
)
from consilium.fhir.search import (
    DIAGNOSTIC_REPORT_SEARCH,
    DOCUMENT_REFERENCE_SEARCH,
    RELATED,
    REPORT_STATUS,
    STUDY,
    SearchRequest,
    search_parse,
    searchset_bundle,
)
from consilium.fhir.selectors import (
    diagnostic_report_search,
    document_reference_get,
    document_reference_search,
)
from consilium.imaging.services import StudyReferenceError, note_ingest

JSON_MEDIA_TYPES = {"application/fhir+json", "application/json", "application/json+fhir"}
ACCEPTABLE = JSON_MEDIA_TYPES | {"*/*", "application/*"}
FORMATS = JSON_MEDIA_TYPES | {"json"}

View = Callable[..., HttpResponse]


def fhir_error(status: int, message: str) -> HttpResponse:
    return operation_outcome(status, message, fhir_issue_code(status))


def fhir_response(resource: dict, status: int = 200, **headers: str) -> HttpResponse:
    response = JsonResponse(resource, status=status, content_type=FHIR_JSON)
    for name, value in headers.items():
        response[name] = value
    return response


def _not_acceptable(request: HttpRequest) -> HttpResponse | None:
    requested = request.GET.get("_format", "").strip().lower()
    if requested and requested not in FORMATS:
        return fhir_error(406, f"_format={requested} is not served; use json.")
    accept = request.headers.get("Accept", "").strip()
    ranges = {item.split(";")[0].strip().lower() for item in accept.split(",") if item.strip()}
    if ranges and not ranges & ACCEPTABLE:
        return fhir_error(406, "Only application/fhir+json is served; accept it (or */*).")
    return None


def fhir_interaction(*, scope: str | None) -> Callable[[View], View]:
    """Bearer token with `scope` (None: public), JSON only, FhirInputError as a 400."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def interaction(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            refused = _not_acceptable(request)
            if refused is not None:
                return refused
            try:
                return view(request, *args, **kwargs)
            except FhirInputError as error:
                return fhir_error(400, str(error))

        if scope is None:
            return interaction
        return api_client_required(fhir_error, scope=scope)(interaction)

    return decorator


def fhir_methods(**handlers: View) -> View:
    """One URL, one interaction per HTTP method; any other method is a 405 OperationOutcome."""

    @csrf_exempt
    def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        handler = handlers.get(request.method or "")
        if handler is None:
            response = fhir_error(
                405, f"{request.method} is not supported here; use {', '.join(handlers)}."
            )
            response["Allow"] = ", ".join(handlers)
            return response
        return handler(request, *args, **kwargs)

    return view


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("/metadata")


def _strict(request: HttpRequest) -> bool:
    prefer = request.headers.get("Prefer", "")
    return "handling=strict" in prefer.replace(" ", "").lower()


def _search_answer(
    request: HttpRequest,
    search: SearchRequest,
    found: QuerySet,
    render: Callable[[object], dict],
    resource_type: str,
) -> HttpResponse:
    total = found.count()
    rows = [] if search.summary_count else found[search.offset : search.offset + search.count]
    base = _base_url(request)
    bundle = searchset_bundle(
        resources=[render(row) for row in rows],
        total=total,
        search=search,
        base_url=f"{base}/{resource_type}",
        full_url=lambda resource: f"{base}/{resource_type}/{resource['id']}",
    )
    return fhir_response(bundle)


# --- CapabilityStatement ------------------------------------------------------------------------


@fhir_interaction(scope=None)
def _capabilities(request: HttpRequest) -> HttpResponse:
    return fhir_response(capability_statement_render(base_url=_base_url(request)))


# --- DocumentReference --------------------------------------------------------------------------


@fhir_interaction(scope=ApiScope.UPLOAD)
def _document_reference_create(request: HttpRequest) -> HttpResponse:
    content_type = request.content_type.lower() if request.content_type else ""
    if content_type and content_type not in JSON_MEDIA_TYPES:
        return fhir_error(415, "Send the DocumentReference as application/fhir+json.")
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return fhir_error(400, "The body is not JSON.")
    incoming = document_reference_parse(payload)
    try:
        note = note_ingest(
            site=request.site,
            actor=request.api_client,
            study_uid_as_sent=incoming.study_uid_as_sent,
            text=incoming.text,
        )
    except StudyReferenceError as error:
        return fhir_error(400, str(error))
    location = request.build_absolute_uri(reverse("fhir:document-reference", args=[note.pk]))
    return fhir_response(document_reference_render(note), status=201, Location=location)


@fhir_interaction(scope=ApiScope.READ_RESULTS)
def _document_reference_search(request: HttpRequest) -> HttpResponse:
    search = search_parse(request.GET, DOCUMENT_REFERENCE_SEARCH, strict=_strict(request))
    studies = search.occurrences(RELATED.name) + search.occurrences(STUDY.name)
    found = document_reference_search(site=request.site, studies=studies)
    return _search_answer(request, search, found, document_reference_render, "DocumentReference")


@fhir_interaction(scope=ApiScope.READ_RESULTS)
def _document_reference_read(request: HttpRequest, note_id: str) -> HttpResponse:
    note = document_reference_get(site=request.site, note_id=note_id)
    if note is None:
        return fhir_error(404, "No such DocumentReference at this site.")
    return fhir_response(document_reference_render(note))


# --- DiagnosticReport ---------------------------------------------------------------------------


@fhir_interaction(scope=ApiScope.READ_RESULTS)
def _diagnostic_report_search(request: HttpRequest) -> HttpResponse:
    search = search_parse(request.GET, DIAGNOSTIC_REPORT_SEARCH, strict=_strict(request))
    found = diagnostic_report_search(
        site=request.site,
        studies=search.occurrences(STUDY.name),
        statuses=search.occurrences(REPORT_STATUS.name),
    )

    def render(analysis) -> dict:
        return diagnostic_report_render(analysis, absolute=request.build_absolute_uri)

    return _search_answer(request, search, found, render, "DiagnosticReport")


@fhir_interaction(scope=ApiScope.READ_RESULTS)
def _diagnostic_report_read(request: HttpRequest, report_id: str) -> HttpResponse:
    analysis = analysis_get(site=request.site, analysis_id=report_id)
    if analysis is None:
        return fhir_error(404, "No such DiagnosticReport at this site.")
    return fhir_response(diagnostic_report_render(analysis, absolute=request.build_absolute_uri))


capabilities = fhir_methods(GET=_capabilities)
document_reference_type = fhir_methods(
    GET=_document_reference_search, POST=_document_reference_create
)
document_reference = fhir_methods(GET=_document_reference_read)
diagnostic_report_type = fhir_methods(GET=_diagnostic_report_search)
diagnostic_report = fhir_methods(GET=_diagnostic_report_read)
