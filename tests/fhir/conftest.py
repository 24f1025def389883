from __future__ import annotations

import pytest

from consilium.analyses.models import Analysis
from consilium.analyses.services import analysis_execute
from tests.helpers import auth


@pytest.fixture
def finished_analysis(client, uploaded_study, active_model):
    """The uploaded study analysed by the (untrained, seeded) model: (site, token, sent UID, row)."""
    site, token, sent_uid = uploaded_study
    response = client.post(
        "/api/v1/analyses",
        {"study_instance_uid": sent_uid},
        content_type="application/json",
        **auth(token),
    )
    analysis_id = response.json()["id"]
    analysis_execute(analysis_id=analysis_id, worker="inline")
    return site, token, sent_uid, Analysis.objects.get(pk=analysis_id)
