"""Batched analyses through a real Celery worker, a real broker and the session's database."""

from __future__ import annotations

import pytest
from django.db import transaction

from consilium.analyses.models import Analysis, AnalysisStatus, Prediction
from consilium.analyses.services import analysis_request
from consilium.imaging.models import Study
from consilium.registry.services import model_version_register
from tests.helpers import site_token, upload_study, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_worker_runs_analyses_queued_together_as_one_batch(
    live_server, celery_worker_process, checkpoint_dir
) -> None:
    model = model_version_register(checkpoint_dir=checkpoint_dir)
    site, token = site_token("batched")
    for name in ("CT_small.dcm", "MR_small.dcm", "693_J2KR.dcm"):  # three studies
        upload_study(live_server.url, token, name)
    studies = list(Study.objects.filter(site=site))
    assert len(studies) == 3
    with transaction.atomic():  # three messages, sent when all three rows exist
        analyses = [analysis_request(site=site, actor=None, study=s)[0] for s in studies]

    def finished() -> list[Analysis] | None:
        rows = list(Analysis.objects.filter(pk__in=[a.pk for a in analyses]))
        return rows if all(row.is_finished for row in rows) else None

    rows = wait_for(finished, 180, "the three analyses")
    assert {row.status for row in rows} == {AnalysisStatus.SUCCEEDED}
    # the first message's task claimed all three; the other two messages found them finished
    assert len({row.claimed_by for row in rows}) == 1 and rows[0].claimed_by
    assert {(row.attempt, row.worker) for row in rows} == {(1, celery_worker_process.hostname)}
    for row in rows:
        findings = Prediction.objects.filter(analysis=row).values_list("finding", flat=True)
        assert list(findings) == list(model.findings)
