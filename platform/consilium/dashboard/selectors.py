"""Queries behind the dashboard's pages; a fixed number of SQL queries per page."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Prefetch, Subquery

from consilium.accounts.models import Site
from consilium.analyses.models import Analysis
from consilium.imaging.models import Study
from consilium.imaging.selectors import study_instances

PAGE_SIZE = 50


def worklist_page(*, site: Site, page: int | str | None) -> Page:
    latest = Analysis.objects.filter(study=OuterRef("pk")).order_by("-created_at")
    studies = (
        Study.objects.filter(site=site)
        .select_related("patient")
        .annotate(
            instance_count=Count("series__instances", distinct=True),
            note_count=Count("notes", distinct=True),
            analysis_status=Subquery(latest.values("status")[:1]),
        )
        .order_by("-created_at", "-id")
    )
    return Paginator(studies, PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class StudyView:
    study: Study
    instances: list
    notes: list
    analyses: list


def study_view(*, site: Site, pk: int) -> StudyView | None:
    study = Study.objects.filter(site=site, pk=pk).select_related("patient").first()
    if study is None:
        return None
    analyses = list(
        Analysis.objects.filter(study=study)
        .select_related("model_version")
        .prefetch_related(Prefetch("predictions"))
        .order_by("-created_at")
    )
    return StudyView(
        study=study,
        instances=list(study_instances(study=study)),
        notes=list(study.notes.order_by("created_at")),
        analyses=analyses,
    )
