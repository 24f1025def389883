"""Read-only queries over the de-identified store, always scoped to a site."""

from __future__ import annotations

from django.db.models import QuerySet

from consilium.accounts.models import Site
from consilium.imaging.deid import study_uid_remap
from consilium.imaging.models import Instance, Series, Study

# The order a study's instances are read in (by the model, the viewer and the label export).
INSTANCE_ORDER = ("series__series_number", "series_id", "instance_number", "id")


def study_get_by_uid(*, site: Site, uid: str) -> Study | None:
    """A study by the UID the hospital sent, or by its de-identified UID."""
    candidates = uid_candidates(uid)
    if not candidates:
        return None
    return Study.objects.filter(site=site, study_instance_uid__in=candidates).first()


def study_get(*, site: Site, pk: int) -> Study | None:
    """A study of `site` by its id; another site's id gives None (callers answer 404)."""
    return Study.objects.filter(site=site, pk=pk).first()


def instance_get(*, site: Site, pk: int) -> Instance | None:
    """An instance of one of `site`'s studies by its id; another site's gives None."""
    return Instance.objects.filter(series__study__site=site, pk=pk).select_related("series").first()


def study_list(*, site: Site) -> QuerySet[Study]:
    return Study.objects.filter(site=site).select_related("patient")


def study_instances(*, study: Study) -> QuerySet[Instance]:
    return (
        Instance.objects.filter(series__study=study)
        .select_related("series")
        .order_by(*INSTANCE_ORDER)
    )


def uid_candidates(uid: str) -> set[str]:
    """The stored UIDs a UID may stand for: itself (de-identified) and its remapped form (as sent)."""
    uid = uid.strip()
    if not uid:
        return set()
    candidates = {uid}
    if all(part.isdigit() for part in uid.split(".")) and len(uid) <= 64:
        candidates.add(study_uid_remap(uid))
    return candidates


def series_get_by_uid(*, study: Study, uid: str) -> Series | None:
    """A series of `study` by the UID the hospital sent, or by its de-identified UID."""
    candidates = uid_candidates(uid)
    if not candidates:
        return None
    return Series.objects.filter(study=study, series_instance_uid__in=candidates).first()


def instance_get_by_uid(*, series: Series, uid: str) -> Instance | None:
    """An instance of `series` by the UID the hospital sent, or by its de-identified UID."""
    candidates = uid_candidates(uid)
    if not candidates:
        return None
    return (
        Instance.objects.filter(series=series, sop_instance_uid__in=candidates)
        .select_related("series__study")
        .first()
    )
