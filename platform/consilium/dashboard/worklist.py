"""The clinician worklist: which of a site's studies to read first, filtered, searched and paged.

A page costs the same SQL queries whatever its size, so it stays fast at a site with 10,000
studies (bench/worklist.py). The sort and filter keys (the latest analysis' status, the latest
succeeded analysis, its highest positive critical finding) are correlated subqueries, aliased so
that they run only where a filter or the urgency sort needs them; the indexes
``analysis_study_latest`` and ``study_site_newest`` make each an index lookup. What a row shows
(analyses, positive findings, notes, instance counts) is prefetched for the page's studies only.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from consilium.accounts.models import Site
from consilium.analyses.models import Analysis, AnalysisStatus, Prediction
from consilium.dashboard.worklist_filters import (
    NOT_ANALYSED,
    PAGE_SIZES,
    PENDING,
    STATUS_CHOICES,
    WorklistFilters,
    WorklistSort,
)
from consilium.imaging.models import ClinicalNote, Series, Study
from consilium.registry.models import ModelVersion

TOP_FINDINGS = 3  # positive findings shown per study


@dataclass(frozen=True)
class WorklistFinding:
    finding: str
    probability: float
    critical: bool

    @property
    def percent(self) -> float:
        return 100.0 * self.probability


@dataclass(frozen=True)
class WorklistRow:
    """One study as the worklist shows it."""

    study: Study
    status: str | None  # the latest analysis' status; None: never analysed
    has_note: bool
    instance_count: int
    findings: list[WorklistFinding]  # top positive findings of the latest succeeded analysis
    critical_probability: float | None  # highest positive critical finding, if any

    @property
    def pending(self) -> bool:
        return self.status in PENDING

    @property
    def critical(self) -> bool:
        return self.critical_probability is not None

    @property
    def modalities(self) -> list[str]:
        return [modality for modality in self.study.modalities.split("\\") if modality]


@dataclass(frozen=True)
class WorklistPage:
    page: Page
    rows: list[WorklistRow]
    filters: WorklistFilters

    @property
    def pending(self) -> bool:
        """Whether any row still waits for its analysis: the page polls only while this holds."""
        return any(row.pending for row in self.rows)

    @property
    def this_query(self) -> str:
        return self.filters.query(page=self.page.number)

    @property
    def previous_query(self) -> str:
        return self.filters.query(page=self.page.previous_page_number())

    @property
    def next_query(self) -> str:
        return self.filters.query(page=self.page.next_page_number())

    @property
    def last_query(self) -> str:
        return self.filters.query(page=self.page.paginator.num_pages)

    @property
    def first_query(self) -> str:
        return self.filters.query()


def worklist_findings() -> list[str]:
    """Every finding a registered model predicts, the newest model's order first: what the
    finding filter accepts and offers."""
    seen: dict[str, None] = {}
    for findings in ModelVersion.objects.order_by("-created_at", "-id").values_list(
        "findings", flat=True
    ):
        seen.update(dict.fromkeys(findings))
    return list(seen)


def worklist_modalities(*, site: Site) -> list[str]:
    """The modalities the site's studies have, for the modality filter's choices."""
    modalities: set[str] = set()
    for value in (
        Study.objects.filter(site=site)
        .exclude(modalities="")
        .order_by()  # the default ordering would make DISTINCT see every row as different
        .values_list("modalities", flat=True)
        .distinct()
    ):
        modalities.update(m for m in value.split("\\") if m)
    return sorted(modalities)


@dataclass(frozen=True)
class WorklistOptions:
    """The choices the filter form offers."""

    findings: list[str]
    modalities: list[str]
    critical: list[str]
    statuses: tuple[tuple[str, str], ...] = STATUS_CHOICES
    sorts: tuple[tuple[str, str], ...] = tuple(WorklistSort.choices)
    page_sizes: tuple[int, ...] = PAGE_SIZES


def worklist_options(*, site: Site, findings: list[str]) -> WorklistOptions:
    return WorklistOptions(
        findings=findings,
        modalities=worklist_modalities(site=site),
        critical=list(settings.CRITICAL_FINDINGS),
    )


def _latest(analyses: QuerySet[Analysis]) -> QuerySet[Analysis]:
    """``analyses`` of the outer query's study, newest first: the order ``_analyses_newest_first``
    uses too, so the sort, the filters and the row shown speak of the same analysis."""
    return analyses.filter(study=OuterRef("pk")).order_by("-created_at", "-pk")


def _keyed(*, site: Site, critical: Collection[str]) -> QuerySet[Study]:
    """The site's studies with the sort and filter keys as aliases: SQL that runs only where a
    filter or the sort uses it (aliases are not selected, so a plain newest-first page scans the
    ``study_site_newest`` index and stops after one page)."""
    studies = Study.objects.filter(site=site).alias(
        analysis_status=Subquery(_latest(Analysis.objects.all()).values("status")[:1]),
        latest_succeeded_id=Subquery(
            _latest(Analysis.objects.filter(status=AnalysisStatus.SUCCEEDED)).values("pk")[:1]
        ),
    )
    if not critical:
        return studies.alias(critical_probability=Value(None, output_field=FloatField()))
    return studies.alias(
        critical_probability=Subquery(
            Prediction.objects.filter(
                analysis_id=OuterRef("latest_succeeded_id"), finding__in=critical, positive=True
            )
            .order_by()
            .values("analysis_id")
            .annotate(highest=Max("probability"))
            .values("highest")
        )
    )


def _filtered(studies: QuerySet[Study], filters: WorklistFilters) -> QuerySet[Study]:
    if filters.status == NOT_ANALYSED:
        studies = studies.filter(analysis_status__isnull=True)
    elif filters.status:
        studies = studies.filter(analysis_status=filters.status)
    if filters.finding:
        studies = studies.filter(
            Exists(
                Prediction.objects.filter(
                    analysis_id=OuterRef("latest_succeeded_id"),
                    finding=filters.finding,
                    positive=True,
                )
            )
        )
    if filters.modality:
        # Study.modalities is the study's ModalitiesInStudy, backslash-separated: match one value.
        modality = filters.modality
        studies = studies.filter(
            Q(modalities=modality)
            | Q(modalities__startswith=f"{modality}\\")
            | Q(modalities__endswith=f"\\{modality}")
            | Q(modalities__contains=f"\\{modality}\\")
        )
    if filters.date_from:
        studies = studies.filter(study_date__gte=filters.date_from)
    if filters.date_to:
        studies = studies.filter(study_date__lte=filters.date_to)
    if filters.search:
        studies = studies.filter(
            Q(patient__pseudonym__istartswith=filters.search)
            | Q(study_instance_uid__startswith=filters.search)
        )
    return studies


def _ordered(studies: QuerySet[Study], sort: str) -> QuerySet[Study]:
    newest = (F("created_at").desc(), F("id").desc())
    if sort == WorklistSort.NEWEST:
        return studies.order_by(*newest)
    if sort == WorklistSort.OLDEST:
        return studies.order_by("created_at", "id")
    if sort == WorklistSort.STUDY_DATE:
        return studies.order_by(F("study_date").desc(nulls_last=True), *newest)
    # Urgency: a positive critical finding first, most probable first (null: none); then the
    # studies the model has no result for (never analysed, queued, running, failed); then the
    # rest; newest first within each. A missing status compares as not succeeded, so 0.
    settled = Case(
        When(analysis_status=AnalysisStatus.SUCCEEDED, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return studies.order_by(F("critical_probability").desc(nulls_last=True), settled, *newest)


def _analyses_newest_first() -> Prefetch:
    """Every analysis of the page's studies (one per model version, so few), newest first, with
    their positive predictions most probable first: two queries for the whole page."""
    return Prefetch(
        "analyses",
        queryset=Analysis.objects.order_by("-created_at", "-pk")
        .only("pk", "study_id", "status", "created_at")
        .prefetch_related(
            Prefetch(
                "predictions",
                queryset=Prediction.objects.filter(positive=True)
                .only("pk", "analysis_id", "finding", "probability")
                .order_by("-probability", "finding"),
                to_attr="positive_predictions",
            )
        ),
        to_attr="analyses_newest_first",
    )


def _row(study: Study, critical: Collection[str]) -> WorklistRow:
    analyses = study.analyses_newest_first
    succeeded = next((a for a in analyses if a.status == AnalysisStatus.SUCCEEDED), None)
    positives = succeeded.positive_predictions if succeeded else []
    critical_positives = [p.probability for p in positives if p.finding in critical]
    return WorklistRow(
        study=study,
        status=analyses[0].status if analyses else None,
        has_note=bool(study.note_ids),
        instance_count=sum(series.instance_count for series in study.series_counted),
        findings=[
            WorklistFinding(
                finding=p.finding, probability=p.probability, critical=p.finding in critical
            )
            for p in positives[:TOP_FINDINGS]
        ],
        critical_probability=max(critical_positives, default=None),
    )


def worklist_page(*, site: Site, filters: WorklistFilters, page: int | str | None) -> WorklistPage:
    """One page of the site's worklist, in a fixed number of queries whatever the page size: the
    count, the page, then for the page's studies their analyses, those analyses' positive
    predictions, their notes' ids and their series' instance counts (Django skips the last four
    when the page is empty, and the predictions when no study on it was analysed)."""
    critical = frozenset(settings.CRITICAL_FINDINGS)
    studies = (
        _ordered(_filtered(_keyed(site=site, critical=critical), filters), filters.sort)
        .select_related("patient")
        .prefetch_related(
            _analyses_newest_first(),
            Prefetch(
                "notes", queryset=ClinicalNote.objects.only("pk", "study_id"), to_attr="note_ids"
            ),
            Prefetch(
                "series",
                queryset=Series.objects.only("pk", "study_id").annotate(
                    instance_count=Count("instances")
                ),
                to_attr="series_counted",
            ),
        )
    )
    current = Paginator(studies, filters.page_size).get_page(page)
    rows = [_row(study, critical) for study in current.object_list]
    return WorklistPage(page=current, rows=rows, filters=filters)
