"""Auditors' pages: the site's audit trail, filtered and paged, and its CSV export."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from consilium.accounts.models import Role
from consilium.audit.filters import AuditFilters
from consilium.audit.models import Action, ActorKind, AuditEvent
from consilium.audit.selectors import audit_page, audit_rows
from consilium.audit.services import audit_record
from consilium.dashboard.access import role_required

READERS = (Role.AUDITOR, Role.SITE_ADMIN)
CSV_COLUMNS = (
    "created_at",
    "actor_kind",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "details",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these as formulas


@require_GET
@role_required(*READERS)
def audit_trail(request: HttpRequest) -> HttpResponse:
    """The site's audit events, newest first, with filters; invalid filters are explained."""
    filters = AuditFilters.from_query(request.GET)
    context = {
        "page": audit_page(site=request.site, filters=filters, page=request.GET.get("page")),
        "filters": filters,
        "actions": Action.choices,
        "actor_kinds": ActorKind.choices,
        "site": request.site,
    }
    return render(request, "audit/trail.html", context)


@require_GET
@role_required(*READERS)
def audit_trail_csv(request: HttpRequest) -> HttpResponse:
    """The same events as CSV, streamed; the export itself is recorded in the trail."""
    filters = AuditFilters.from_query(request.GET)
    if filters.errors:
        return HttpResponse(
            "\n".join(filters.errors), status=400, content_type="text/plain; charset=utf-8"
        )
    audit_record(
        site=request.site,
        actor=request.user,
        action=Action.AUDIT_EXPORTED,
        details={"filters": filters.applied()},
    )
    response = StreamingHttpResponse(
        _csv_lines(audit_rows(site=request.site, filters=filters)),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-{request.site.slug}-{stamp}.csv"'
    )
    return response


class _Line:
    """A file-like object whose write() returns the line, so csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    for event in events:
        yield writer.writerow(
            [
                event.created_at.isoformat(),
                event.actor_kind,
                _cell(event.actor_id),
                _cell(event.actor_label),
                event.action,
                event.object_type,
                _cell(event.object_id),
                _cell(json.dumps(event.details, sort_keys=True, ensure_ascii=False)),
            ]
        )


def _cell(value: str) -> str:
    """Quote a value a spreadsheet would read as a formula (OWASP CSV injection)."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value
