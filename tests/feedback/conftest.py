"""Fixtures of the feedback tests: analysed studies with known flags, and members in each role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from consilium.accounts.models import Role, Site
from consilium.accounts.services import site_get_or_create, user_create
from consilium.analyses.models import Analysis, AnalysisStatus, Prediction
from consilium.analyses.services import analysis_execute, analysis_request
from consilium.imaging.models import Study
from consilium.imaging.selectors import study_get_by_uid
from consilium.registry.models import ModelVersion
from tests.helpers import dicom_testfile

FLAGGED = ("cardiomegaly", "effusion")  # what every analysed study's model flags, for the tests


def set_flags(analysis: Analysis, flagged: tuple[str, ...] = FLAGGED) -> None:
    """Pin which findings the (untrained) model flagged, so each verdict's label is known."""
    Prediction.objects.filter(analysis=analysis).update(positive=False)
    Prediction.objects.filter(analysis=analysis, finding__in=flagged).update(positive=True)


@dataclass(frozen=True)
class Analysed:
    site: Site
    ct: Analysis  # the study the note names: images and a note
    mr: Analysis  # images only

    @property
    def findings(self) -> list[str]:
        return list(self.ct.model_version.findings)


@pytest.fixture
def analysed(uploaded_study, active_model) -> Analysed:
    """Both uploaded studies (CT with the note, MR without), analysed inline by the real model."""
    import pydicom

    site, _, ct_uid = uploaded_study
    mr_uid = pydicom.dcmread(dicom_testfile("MR_small.dcm")).StudyInstanceUID
    analyses = []
    for uid in (ct_uid, mr_uid):
        study = study_get_by_uid(site=site, uid=uid)
        analysis, _ = analysis_request(site=site, actor=None, study=study)
        analysis_execute(analysis_id=str(analysis.pk), worker="inline")
        analysis.refresh_from_db()
        assert analysis.status == AnalysisStatus.SUCCEEDED, analysis.error
        set_flags(analysis)
        analyses.append(analysis)
    return Analysed(site=site, ct=analyses[0], mr=analyses[1])


def member(site: Site, username: str, role: str = Role.CLINICIAN):
    return user_create(site=site, username=username, password="long-password-1", role=role)


@pytest.fixture
def clinician(analysed):
    return member(analysed.site, "dr-north")


@pytest.fixture
def second_clinician(analysed):
    return member(analysed.site, "dr-north-2")


@pytest.fixture
def ml_engineer(analysed):
    return member(analysed.site, "ml-north", Role.ML_ENGINEER)


@pytest.fixture
def outsider_site() -> Site:
    return site_get_or_create(slug="south")


def study_with_analysis(
    *, site: Site, model_version: ModelVersion, uid: str, flagged: tuple[str, ...] = FLAGGED
) -> Analysis:
    """A study and a succeeded analysis made directly as rows, without files: for tests of
    labels and pages only, where many studies are needed and images are not."""
    study = Study.objects.create(site=site, study_instance_uid=uid)
    analysis = Analysis.objects.create(
        site=site,
        study=study,
        model_version=model_version,
        status=AnalysisStatus.SUCCEEDED,
        finished_at=timezone.now(),
    )
    Prediction.objects.bulk_create(
        Prediction(
            analysis=analysis,
            finding=finding,
            probability=0.9 if finding in flagged else 0.1,
            threshold=0.5,
            positive=finding in flagged,
        )
        for finding in model_version.findings
    )
    return analysis
