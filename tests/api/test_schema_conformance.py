"""The /api/v1 OpenAPI schema against the running code.

Schemathesis generates requests from the schema (valid ones, and invalid ones that must be
refused with a 4xx), sends them with a valid token to the Django WSGI application in this
process, and checks that nothing answers 5xx and that every answer's status, content type,
headers and body are ones the schema describes. Each request that names a resource is sent
again with the ids of real rows, so success answers (JSON, PNG, PDF) are checked too, not only
the 404s that random ids get. One set of rows serves every operation, so the test stays short.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import signals
from django.db import close_old_connections
from django.urls import get_resolver
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from consilium.analyses.models import Analysis
from consilium.analyses.services import analysis_execute
from consilium.explanations.services import explanation_execute, explanations_request
from consilium.wsgi import application
from tests.helpers import auth

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 8}
BODY_REFERENCES = ("study_instance_uid", "finding")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SURFACE = {
    "POST /api/v1/analyses",
    "GET /api/v1/analyses/{analysis_id}",
    "POST /api/v1/analyses/{analysis_id}/explanations",
    "GET /api/v1/analyses/{analysis_id}/explanations/{explanation_id}/{artifact}",
    "GET /api/v1/analyses/{analysis_id}/report.pdf",
}


def in_test_transaction(app):
    """The WSGI app, keeping the test's database connection (and its rollback) across requests,
    as Django's own test client does."""

    def wsgi(environ, start_response):
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            response = app(environ, start_response)
            try:
                body = b"".join(response)
            finally:
                response.close()
            return [body]
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)

    return wsgi


@pytest.fixture
def site_rows(client, uploaded_study, active_model) -> dict[str, str]:
    """A token and the ids of a succeeded analysis, with one finding explained, of its site."""
    _, token, sent_uid = uploaded_study
    response = client.post(
        "/api/v1/analyses",
        {"study_instance_uid": sent_uid},
        content_type="application/json",
        **auth(token),
    )
    analysis_execute(analysis_id=response.json()["id"], worker="inline")
    analysis = Analysis.objects.get(pk=response.json()["id"])
    finding = max(analysis.predictions.all(), key=lambda p: p.probability).finding
    (explanation,) = explanations_request(analysis=analysis, actor=None, findings=[finding])
    explanation_execute(
        analysis_id=str(analysis.pk), explanation_ids=[explanation.pk], worker="inline"
    )
    return {
        "token": token,
        "analysis_id": str(analysis.pk),
        "explanation_id": str(explanation.pk),
        "finding": finding,
        "study_instance_uid": str(sent_uid),  # not pydicom's UID: the validator wants a str
    }


def call_and_check(case, site_rows: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {site_rows['token']}"}
    case.call_and_validate(headers=headers, checks=CHECKS)
    real = {name: site_rows[name] for name in case.path_parameters or {} if name in site_rows}
    if real:
        case.path_parameters = {**case.path_parameters, **real}
        case.call_and_validate(headers=headers, checks=CHECKS)
    body = case.body if isinstance(case.body, dict) else {}
    fields = {name: site_rows[name] for name in BODY_REFERENCES if name in body}
    if fields:
        case.body = {**body, **fields}
        case.call_and_validate(headers=headers, checks=CHECKS)


def test_api_answers_as_its_schema_says(site_rows) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/", in_test_transaction(application))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} == SURFACE
    for operation in operations:
        for mode, examples in EXAMPLES.items():

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def conforms(case) -> None:
                call_and_check(case, site_rows)

            conforms()


def served_schema(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_and_covers_every_api_v1_route(client) -> None:
    document = served_schema(client)
    validate_schema(document)
    api_routes = {
        "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        for pattern in get_resolver().url_patterns
        if str(pattern.pattern) == "api/v1/"
        for pattern in pattern.url_patterns
    }
    assert set(document["paths"]) == api_routes == {s.split(" ", 1)[1] for s in SURFACE}
    assert document["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"apiToken": []}], (method, path)
            assert {"401", "403", "404", "429"} <= set(operation["responses"]), (method, path)
    throttled = document["components"]["responses"]["TooManyRequests"]
    assert throttled["headers"]["Retry-After"]["schema"]["type"] == "integer"


def test_the_docs_page_loads_swagger_ui_from_local_static_files(client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and not [url for url in assets if not url.startswith("/")], assets
    assert "cdn" not in page.lower() and "//unpkg" not in page
    for url in assets:
        path = url.removeprefix(settings.STATIC_URL)
        assert finders.find(path), f"{path} is not among the static files"
        assert client.get(url).status_code == 200, url
    assert "/api/schema/" in page
