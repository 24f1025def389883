"""FHIR R4 search: the parameters each resource type supports, reading them, searchset Bundles.

The CapabilityStatement (`capability.py`) is built from the same definitions, so it lists what
the views do and nothing else.

Following the FHIR search rules: parameters the server does not know are ignored and left out of
the Bundle's `self` link, unless the client sends `Prefer: handling=strict`, which makes them a
400; a known parameter with a modifier it does not support, or a value it cannot read, is a 400
either way. Repeating a parameter means AND, commas inside one value mean OR.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from consilium.fhir.resources import DICOM_UID_SYSTEM, FhirInputError, fhir_dump

DEFAULT_COUNT = 50
MAX_COUNT = 500
UID_PATTERN = re.compile(r"^[0-9]+(\.[0-9]+)*$")


class SearchError(FhirInputError):
    """A search the server cannot run as asked (HTTP 400); the message says why."""


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: str  # FHIR search parameter type: token, reference, number, ...
    documentation: str
    modifiers: tuple[str, ...] = ()
    definition: str | None = None  # the canonical URL of a standard SearchParameter


STUDY = SearchParam(
    name="study",
    type="token",
    documentation=(
        "The imaging study, by its StudyInstanceUID as the hospital sent it or as de-identified: "
        "`1.2.3`, `urn:oid:1.2.3` or `urn:dicom:uid|urn:oid:1.2.3`. Commas mean OR."
    ),
)
RELATED = SearchParam(
    name="related",
    type="reference",
    documentation=(
        "DocumentReference.context.related: the study as `urn:oid:<StudyInstanceUID>` (as sent "
        "or de-identified), or with `:identifier` as `urn:dicom:uid|urn:oid:<StudyInstanceUID>`."
    ),
    modifiers=("identifier",),
    definition="http://hl7.org/fhir/SearchParameter/DocumentReference-related",
)
REPORT_STATUS = SearchParam(
    name="status",
    type="token",
    documentation=(
        "registered (queued or running), final (succeeded) or cancelled (failed). Commas mean OR."
    ),
    definition="http://hl7.org/fhir/SearchParameter/DiagnosticReport-status",
)
COUNT = SearchParam(
    name="_count",
    type="number",
    documentation=f"Entries per page (default {DEFAULT_COUNT}, at most {MAX_COUNT}).",
)
OFFSET = SearchParam(
    name="_offset",
    type="number",
    documentation="Entries to skip: the `next` and `previous` links set it.",
)
SUMMARY = SearchParam(
    name="_summary",
    type="token",
    documentation="`count` answers the total alone; `false` (the default) answers the entries.",
)
FORMAT = SearchParam(
    name="_format",
    type="token",
    documentation="`json` or `application/fhir+json`: the only format served.",
)

DOCUMENT_REFERENCE_SEARCH = (RELATED, STUDY)
DIAGNOSTIC_REPORT_SEARCH = (STUDY, REPORT_STATUS)
RESULT_PARAMETERS = (COUNT, OFFSET, SUMMARY, FORMAT)

# DiagnosticReport.status (http://hl7.org/fhir/diagnostic-report-status); the ones no analysis
# ever has are accepted and match nothing.
REPORT_STATUS_CODES = frozenset(
    {
        "registered",
        "partial",
        "preliminary",
        "final",
        "amended",
        "corrected",
        "appended",
        "cancelled",
        "entered-in-error",
        "unknown",
    }
)


@dataclass
class SearchRequest:
    """A parsed search: for each parameter, its occurrences (AND), each a list of values (OR)."""

    criteria: dict[str, list[list[str]]] = field(default_factory=dict)
    count: int = DEFAULT_COUNT
    offset: int = 0
    summary_count: bool = False
    used: list[tuple[str, str]] = field(default_factory=list)  # for the `self` link

    def occurrences(self, name: str) -> list[list[str]]:
        return self.criteria.get(name, [])


def search_parse(
    query: QueryDict, params: Sequence[SearchParam], *, strict: bool = False
) -> SearchRequest:
    known = {param.name: param for param in params}
    request = SearchRequest()
    for key in query:
        name, _, modifier = key.partition(":")
        values = query.getlist(key)
        if name in {p.name for p in RESULT_PARAMETERS}:
            _result_parameter(request, name, values[-1])
            continue
        param = known.get(name)
        if param is None:
            if strict:
                raise SearchError(
                    f"Unknown search parameter {key!r}; this resource supports "
                    f"{', '.join(sorted(known)) or 'none'} and {_result_names()}."
                )
            continue
        if modifier and modifier not in param.modifiers:
            raise SearchError(f"The modifier ':{modifier}' is not supported on {name!r}.")
        for value in values:
            ors = [item.strip() for item in value.split(",") if item.strip()]
            if not ors:
                raise SearchError(f"The search parameter {key!r} has no value.")
            request.criteria.setdefault(name, []).append(
                [_normalise(param, modifier, item) for item in ors]
            )
            request.used.append((key, value))
    return request


def _result_names() -> str:
    return ", ".join(p.name for p in RESULT_PARAMETERS)


def _result_parameter(request: SearchRequest, name: str, value: str) -> None:
    value = value.strip()
    if name == "_count":
        request.count = _number(name, value, upper=MAX_COUNT)
        request.used.append((name, str(request.count)))
    elif name == "_offset":
        request.offset = _number(name, value, upper=None)
    elif name == "_summary":
        if value not in ("count", "false"):
            raise SearchError("_summary supports 'count' and 'false' only.")
        request.summary_count = value == "count"
        if request.summary_count:
            request.used.append((name, value))
    # _format was checked by content negotiation.


def _number(name: str, value: str, *, upper: int | None) -> int:
    if not value.isdigit():
        raise SearchError(f"{name} must be a whole number of 0 or more, not {value!r}.")
    number = int(value)
    return min(number, upper) if upper is not None else number


def _normalise(param: SearchParam, modifier: str, value: str) -> str:
    if param is STUDY or param is RELATED:
        return study_uid_from_token(
            value, system_allowed=param is STUDY or modifier == "identifier"
        )
    if param is REPORT_STATUS:
        if value not in REPORT_STATUS_CODES:
            raise SearchError(
                f"{value!r} is not a DiagnosticReport status; use one of "
                f"{', '.join(sorted(REPORT_STATUS_CODES))}."
            )
        return value
    return value


def study_uid_from_token(value: str, *, system_allowed: bool) -> str:
    """'1.2.3', 'urn:oid:1.2.3' or (as a token) 'urn:dicom:uid|urn:oid:1.2.3' -> '1.2.3'."""
    system, bar, code = value.rpartition("|")
    if bar:
        if not system_allowed:
            raise SearchError(
                "Name the study as urn:oid:<StudyInstanceUID>, or use related:identifier "
                f"with {DICOM_UID_SYSTEM}|urn:oid:<StudyInstanceUID>."
            )
        if system and system != DICOM_UID_SYSTEM:
            raise SearchError(f"Studies are identified in the system {DICOM_UID_SYSTEM!r} only.")
        value = code
    uid = value.removeprefix("urn:oid:")
    if len(uid) > 64 or not UID_PATTERN.match(uid):
        raise SearchError(
            f"{value!r} is not a StudyInstanceUID (digits and dots, at most 64 characters)."
        )
    return uid


def searchset_bundle(
    *,
    resources: list[dict],
    total: int,
    search: SearchRequest,
    base_url: str,
    full_url: Callable[[dict], str],
) -> dict:
    """A searchset Bundle with `self` and, where there are more, `next`/`previous` links."""

    def page(offset: int) -> str:
        query = [*search.used, ("_offset", str(offset))] if offset else list(search.used)
        return f"{base_url}?{urlencode(query)}" if query else base_url

    links = [{"relation": "self", "url": page(search.offset)}]
    if not search.summary_count and search.count:
        if search.offset + search.count < total:
            links.append({"relation": "next", "url": page(search.offset + search.count)})
        if search.offset > 0:
            links.append(
                {"relation": "previous", "url": page(max(0, search.offset - search.count))}
            )
    now = timezone.now().isoformat()
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": now},
        "type": "searchset",
        "timestamp": now,
        "total": total,
        "link": links,
    }
    if resources:  # FHIR JSON has no empty arrays
        bundle["entry"] = [
            {"fullUrl": full_url(resource), "resource": resource, "search": {"mode": "match"}}
            for resource in resources
        ]
    return fhir_dump(Bundle, bundle)
