"""What a clinician asks of the worklist: filters, search, sort and page size, from a query string.

Invalid values are reported (and that filter left off), never raised: a typo in a URL gives a
page with a message, not an error.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.db.models import TextChoices

from consilium.analyses.models import AnalysisStatus

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
SEARCH_MAX_LENGTH = 64  # a pseudonym or a study UID is at most 64 characters
NOT_ANALYSED = "none"  # the status filter's value for studies never analysed
PENDING = (AnalysisStatus.QUEUED, AnalysisStatus.RUNNING)
_MODALITY = re.compile(r"[A-Z0-9_]{1,16}")  # a DICOM CS value, as in ModalitiesInStudy


class WorklistSort(TextChoices):
    URGENCY = "urgency", "Urgency"
    NEWEST = "newest", "Newest received"
    OLDEST = "oldest", "Oldest received"
    STUDY_DATE = "study_date", "Study date, latest first"


STATUS_CHOICES: tuple[tuple[str, str], ...] = (
    (AnalysisStatus.QUEUED, "queued"),
    (AnalysisStatus.RUNNING, "running"),
    (AnalysisStatus.SUCCEEDED, "succeeded"),
    (AnalysisStatus.FAILED, "failed"),
    (NOT_ANALYSED, "not analysed"),
)


@dataclass(frozen=True)
class WorklistFilters:
    """What the clinician asked for in the query string, checked; ``errors`` says what was not
    applied and why, so a typo shows a message instead of an error page or a silently wrong list."""

    status: str = ""
    finding: str = ""
    modality: str = ""
    date_from: date | None = None
    date_to: date | None = None
    search: str = ""
    sort: str = WorklistSort.URGENCY
    page_size: int = DEFAULT_PAGE_SIZE
    errors: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, findings: Collection[str]) -> WorklistFilters:
        """Parse GET parameters; ``findings`` are the ones a model can predict (the finding filter
        accepts only these). An invalid value is left out and explained in ``errors``."""
        errors: list[str] = []

        def text(name: str) -> str:
            return (query.get(name) or "").strip()

        status = text("status")
        if status and status not in dict(STATUS_CHOICES):
            errors.append(
                f"Unknown analysis status “{status}”: choose one of "
                f"{', '.join(label for _, label in STATUS_CHOICES)}. The status filter was not applied."
            )
            status = ""

        finding = text("finding")
        if finding and finding not in findings:
            known = ", ".join(sorted(findings)) or "none yet: no model is registered"
            errors.append(
                f"Unknown finding “{finding}”: the models know {known}. "
                "The finding filter was not applied."
            )
            finding = ""

        modality = text("modality").upper()
        if modality and not _MODALITY.fullmatch(modality):
            errors.append(
                f"“{modality}” is not a DICOM modality code (e.g. CT, MR, DX, CR). "
                "The modality filter was not applied."
            )
            modality = ""

        dates: dict[str, date | None] = {}
        for name, label in (("from", "Study date from"), ("to", "Study date to")):
            value = text(name)
            try:
                dates[name] = date.fromisoformat(value) if value else None
            except ValueError:
                errors.append(
                    f"{label}: “{value}” is not a date; use YYYY-MM-DD. That bound was not applied."
                )
                dates[name] = None
        date_from, date_to = dates["from"], dates["to"]
        if date_from and date_to and date_from > date_to:
            errors.append(
                f"Study date from ({date_from}) is after study date to ({date_to}); "
                "the date filter was not applied."
            )
            date_from = date_to = None

        search = text("q")
        if len(search) > SEARCH_MAX_LENGTH:
            errors.append(
                f"The search is {len(search)} characters long; a pseudonym or study UID is at most "
                f"{SEARCH_MAX_LENGTH}. The search was not applied."
            )
            search = ""

        sort = text("sort") or WorklistSort.URGENCY
        if sort not in WorklistSort.values:
            errors.append(
                f"Unknown sort “{sort}”: choose one of "
                f"{', '.join(label.lower() for label in WorklistSort.labels)}. Sorted by urgency."
            )
            sort = WorklistSort.URGENCY

        page_size = DEFAULT_PAGE_SIZE
        size = text("size")
        if size:
            if size.isdigit() and int(size) in PAGE_SIZES:
                page_size = int(size)
            else:
                errors.append(
                    f"Page size “{size}” is not one of {', '.join(map(str, PAGE_SIZES))}; "
                    f"showing {DEFAULT_PAGE_SIZE} a page."
                )

        return cls(
            status=status,
            finding=finding,
            modality=modality,
            date_from=date_from,
            date_to=date_to,
            search=search,
            sort=sort,
            page_size=page_size,
            errors=tuple(errors),
        )

    @property
    def narrowing(self) -> bool:
        """Whether any filter or search leaves studies out (sort and page size do not)."""
        return bool(
            self.status
            or self.finding
            or self.modality
            or self.date_from
            or self.date_to
            or self.search
        )

    def query(self, *, page: int | None = None) -> str:
        """The query string that asks for these filters again (defaults left out), for links."""
        params = {
            "q": self.search,
            "status": self.status,
            "finding": self.finding,
            "modality": self.modality,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "sort": "" if self.sort == WorklistSort.URGENCY else self.sort,
            "size": "" if self.page_size == DEFAULT_PAGE_SIZE else str(self.page_size),
            "page": str(page) if page and page > 1 else "",
        }
        return urlencode({name: value for name, value in params.items() if value})
