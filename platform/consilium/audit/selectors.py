"""The audit trail as auditors read it; every query is scoped to a site."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from consilium.accounts.models import Site
from consilium.audit.filters import AuditFilters
from consilium.audit.models import AuditEvent

PAGE_SIZE = 50
EXPORT_CHUNK = 2000  # rows fetched at a time while a CSV export streams
# Events a page view counts, at most: counting all of a site's events took 120-320 ms a page on
# PostgreSQL with two million of them (docs/architecture.md, "Doors and data flow"). Past it
# the page says "more than", and only the newest COUNT_CAP events are paged; the CSV has all.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A :class:`~django.core.paginator.Paginator` whose count stops at :data:`COUNT_CAP`:
    ``count`` is at most the cap and ``capped`` says whether more events matched."""

    @cached_property
    def matching(self) -> int:
        """The matching events, counted up to ``COUNT_CAP + 1``."""
        return self.object_list[: COUNT_CAP + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.matching, COUNT_CAP)

    @property
    def capped(self) -> bool:
        return self.matching > COUNT_CAP


def audit_events(*, site: Site, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The site's events that match ``filters``, newest first."""
    events = AuditEvent.objects.filter(site=site)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.actor_kind:
        events = events.filter(actor_kind=filters.actor_kind)
    if filters.actor:
        events = events.filter(actor_label__icontains=filters.actor)
    if filters.target:
        object_type, _, object_id = filters.target.partition(":")
        events = events.filter(object_type__icontains=object_type.strip())
        if object_id.strip():
            events = events.filter(object_id=object_id.strip())
    zone = timezone.get_current_timezone()
    if filters.date_from:
        events = events.filter(
            created_at__gte=datetime.combine(filters.date_from, time.min, tzinfo=zone)
        )
    if filters.date_to:
        events = events.filter(
            created_at__lte=datetime.combine(filters.date_to, time.max, tzinfo=zone)
        )
    return events.order_by("-created_at", "-id")


def audit_page(*, site: Site, filters: AuditFilters, page: str | None) -> Page:
    """One page of :func:`audit_events`; a page number out of range gives the last page."""
    return CappedPaginator(audit_events(site=site, filters=filters), PAGE_SIZE).get_page(page)


def audit_rows(*, site: Site, filters: AuditFilters) -> Iterator[AuditEvent]:
    """Every matching event, fetched in chunks so that a long trail streams in bounded memory."""
    return audit_events(site=site, filters=filters).iterator(chunk_size=EXPORT_CHUNK)
