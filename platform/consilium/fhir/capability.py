"""The CapabilityStatement (`GET /fhir/metadata`): exactly what the FHIR door implements.

Built from the same search definitions the views parse with, so it cannot promise more than the
views do; `tests/fhir/test_capability.py` calls every interaction it lists.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from consilium.fhir.resources import FHIR_JSON, FHIR_VERSION, fhir_dump
from consilium.fhir.search import (
    DIAGNOSTIC_REPORT_SEARCH,
    DOCUMENT_REFERENCE_SEARCH,
    RESULT_PARAMETERS,
    SearchParam,
)

# The date this statement last changed (CapabilityStatement.date).
STATEMENT_DATE = "2026-11-22"


@dataclass(frozen=True)
class ResourceCapability:
    type: str
    interactions: tuple[str, ...]
    search: tuple[SearchParam, ...]
    documentation: str


RESOURCES = (
    ResourceCapability(
        type="DocumentReference",
        interactions=("create", "read", "search-type"),
        search=DOCUMENT_REFERENCE_SEARCH,
        documentation=(
            "Clinical notes in: content[0].attachment text/plain (base64 data), the study in "
            "context.related[] as identifier urn:dicom:uid | urn:oid:<StudyInstanceUID>. The note "
            "is de-identified before it is stored; re-sending it returns the same resource. "
            "Create needs the 'upload' scope, read and search 'read-results'."
        ),
    ),
    ResourceCapability(
        type="DiagnosticReport",
        interactions=("read", "search-type"),
        search=DIAGNOSTIC_REPORT_SEARCH,
        documentation=(
            "One per analysis: findings as contained Observations (probability, POS/NEG against "
            "the model's threshold), conclusionCode, the model, the ImagingStudy by its "
            "de-identified UID and the PDF explanation report as presentedForm. Decision "
            "support, not a diagnosis. Needs the 'read-results' scope."
        ),
    ),
)


def _search_param(param: SearchParam) -> dict:
    entry = {"name": param.name, "type": param.type, "documentation": param.documentation}
    if param.definition:
        entry["definition"] = param.definition
    return entry


def _resource(capability: ResourceCapability) -> dict:
    return {
        "type": capability.type,
        "documentation": capability.documentation,
        "interaction": [{"code": code} for code in capability.interactions],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "conditionalCreate": False,
        "conditionalRead": "not-supported",
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "searchParam": [_search_param(param) for param in capability.search],
    }


def capability_statement_render(*, base_url: str) -> dict:
    """`base_url` is the FHIR base the caller sees, e.g. 'https://host/fhir'."""
    return fhir_dump(
        CapabilityStatement,
        {
            "resourceType": "CapabilityStatement",
            "id": "consilium",
            "url": f"{base_url}/metadata",
            "version": importlib.metadata.version("consilium"),
            "name": "ConsiliumFhirServer",
            "title": "Consilium FHIR R4 server",
            "status": "active",
            "experimental": False,
            "date": STATEMENT_DATE,
            "publisher": "Consilium",
            "description": (
                "Clinical notes in (DocumentReference) and analysis results out "
                "(DiagnosticReport) for the Consilium diagnosis-support platform. All data is "
                "de-identified. Decision support, not a diagnosis."
            ),
            "kind": "instance",
            "software": {"name": "Consilium", "version": importlib.metadata.version("consilium")},
            "implementation": {"description": "Consilium FHIR door", "url": base_url},
            "fhirVersion": FHIR_VERSION,
            "format": [FHIR_JSON, "json"],
            "rest": [
                {
                    "mode": "server",
                    "documentation": (
                        "Every resource is scoped to the site of the bearer token; another "
                        "site's resource is 404. Errors are OperationOutcome. Unknown search "
                        "parameters are ignored unless 'Prefer: handling=strict' is sent."
                    ),
                    "security": {
                        "cors": False,
                        "description": (
                            "Authorization: Bearer <token>, issued per hospital system with "
                            "the scopes 'upload' and/or 'read-results'. Missing, invalid or "
                            "revoked token: 401; token without the scope: 403; over the "
                            "client's rate limit: 429 with Retry-After."
                        ),
                    },
                    "resource": [_resource(capability) for capability in RESOURCES],
                    "searchParam": [_search_param(param) for param in RESULT_PARAMETERS],
                }
            ],
        },
    )
