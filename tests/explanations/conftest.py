"""Fixtures of the explanation tests: a succeeded analysis of the noted study, run inline."""

from __future__ import annotations

import pytest

from consilium.analyses.models import Analysis, AnalysisStatus
from consilium.analyses.services import analysis_execute, analysis_request
from consilium.imaging.models import Study
from consilium.imaging.selectors import study_get_by_uid


@pytest.fixture
def noted_study(uploaded_study) -> Study:
    """The CT study, which the note names (CT_small and MR_small are two studies)."""
    site, _, sent_uid = uploaded_study
    return study_get_by_uid(site=site, uid=sent_uid)


@pytest.fixture
def succeeded_analysis(noted_study, active_model) -> Analysis:
    analysis, _ = analysis_request(site=noted_study.site, actor=None, study=noted_study)
    analysis_execute(analysis_id=str(analysis.pk), worker="inline")
    analysis.refresh_from_db()
    assert analysis.status == AnalysisStatus.SUCCEEDED, analysis.error
    return analysis
