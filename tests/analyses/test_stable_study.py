"""A study that stops receiving data becomes stable and is analysed by its site's policy."""

from __future__ import annotations

from datetime import timedelta

import pydicom
import pytest
from django.test import override_settings
from django.utils import timezone

from consilium.accounts.models import AutoAnalysis, Site
from consilium.analyses.models import Analysis
from consilium.analyses.services import study_activity_recorded, study_auto_analysis
from consilium.imaging.models import Study
from consilium.imaging.services import instance_ingest, note_ingest
from tests.helpers import NOTE_TEXT, dicom_testfile

pytestmark = pytest.mark.django_db

CT = "CT_small.dcm"


def _site(policy: str) -> Site:
    return Site.objects.create(slug=f"site-{policy}", name=policy, auto_analysis=policy)


def _ingest(site: Site, *, note: bool) -> Study:
    path = dicom_testfile(CT)
    with open(path, "rb") as source:
        outcome = instance_ingest(site=site, actor=None, source=source)
    study = outcome.instance.series.study
    if note:
        sent_uid = pydicom.dcmread(path, stop_before_pixels=True).StudyInstanceUID
        note_ingest(site=site, actor=None, study_uid_as_sent=sent_uid, text=NOTE_TEXT)
    return study


def _age(study: Study, seconds: float) -> None:
    Study.objects.filter(pk=study.pk).update(
        last_activity_at=timezone.now() - timedelta(seconds=seconds)
    )


@override_settings(STUDY_STABLE_SECONDS=30)
def test_arrivals_keep_one_check_pending_at_the_stable_time(active_model) -> None:
    site = _site(AutoAnalysis.NOTE_REQUIRED)
    study = _ingest(site, note=True)
    study.refresh_from_db()
    assert study.last_activity_at is not None and study.stable_check_at is not None
    assert study.stable_check_at - study.last_activity_at == pytest.approx(
        timedelta(seconds=30), abs=timedelta(seconds=2)
    )
    assert study_auto_analysis(study_id=study.pk) is None  # not stable yet: the check moves
    assert not Analysis.objects.filter(study=study).exists()


@override_settings(STUDY_STABLE_SECONDS=30)
def test_stable_study_with_note_is_analysed_once(active_model) -> None:
    site = _site(AutoAnalysis.NOTE_REQUIRED)
    study = _ingest(site, note=True)
    _age(study, 31)
    first = study_auto_analysis(study_id=study.pk)
    second = study_auto_analysis(study_id=study.pk)
    assert first is not None and first == second
    assert Analysis.objects.filter(study=study).count() == 1
    study.refresh_from_db()
    assert study.stable_check_at is None


@override_settings(STUDY_STABLE_SECONDS=30)
def test_note_required_waits_for_the_note(active_model) -> None:
    site = _site(AutoAnalysis.NOTE_REQUIRED)
    study = _ingest(site, note=False)
    _age(study, 31)
    assert study_auto_analysis(study_id=study.pk) is None
    assert not Analysis.objects.filter(study=study).exists()


@override_settings(STUDY_STABLE_SECONDS=30)
def test_image_only_policy_analyses_without_a_note(active_model) -> None:
    site = _site(AutoAnalysis.IMAGE_ONLY)
    study = _ingest(site, note=False)
    _age(study, 31)
    assert study_auto_analysis(study_id=study.pk) is not None


@override_settings(STUDY_STABLE_SECONDS=30)
def test_policy_off_never_analyses_and_schedules_nothing(active_model) -> None:
    site = _site(AutoAnalysis.OFF)
    study = _ingest(site, note=True)
    study.refresh_from_db()
    assert study.stable_check_at is None
    _age(study, 31)
    assert study_auto_analysis(study_id=study.pk) is None
    study_activity_recorded(study=study)
    assert not Analysis.objects.filter(study=study).exists()
