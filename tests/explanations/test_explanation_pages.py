"""Explanations on the clinician's study page, and the report behind the dashboard's login."""

from __future__ import annotations

import pytest

from consilium.accounts.services import site_get_or_create, user_create
from consilium.audit.models import AuditEvent
from consilium.explanations.models import ExplanationReport
from tests.explanations.explanation_support import (
    explain_inline,
    pdf_first_page,
    png_size,
    top_finding,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician(noted_study):
    return user_create(site=noted_study.site, username="dr-north", password="long-password-1")


def test_the_study_page_says_explanations_are_pending_while_queued(
    client, clinician, succeeded_analysis, django_capture_on_commit_callbacks
) -> None:
    client.force_login(clinician)
    study = succeeded_analysis.study
    finding = top_finding(succeeded_analysis)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            f"/studies/{study.pk}/explain",
            {"analysis": str(succeeded_analysis.pk), "finding": finding},
        )
    assert response.status_code == 302
    page = client.get(f"/studies/{study.pk}/").content.decode()
    assert "Explanations pending" in page
    assert f'hx-get="/studies/{study.pk}/progress"' in page  # polls, then reloads once done
    assert "Decision support, not a diagnosis" in page
    unknown = client.post(
        f"/studies/{study.pk}/explain",
        {"analysis": str(succeeded_analysis.pk), "finding": "fracture"},
        follow=True,
    )
    assert "Unknown finding" in unknown.content.decode()


def test_the_study_page_shows_overlay_note_shares_flag_and_report(
    client, clinician, succeeded_analysis
) -> None:
    client.force_login(clinician)
    study = succeeded_analysis.study
    explanation = explain_inline(succeeded_analysis, top_finding(succeeded_analysis))
    page = client.get(f"/studies/{study.pk}/").content.decode()
    overlay_url = f"/explanations/{explanation.pk}/overlay.png"
    assert overlay_url in page and f'data-show-heatmap="{explanation.pk}"' in page
    manifest = client.get(f"/studies/{study.pk}/viewer.json").json()
    heatmaps = [overlay["heatmap"] for overlay in manifest["overlays"]]
    assert heatmaps == [f"/explanations/{explanation.pk}/heatmap.png"]
    assert "faithfulness check" in page
    assert f"image {explanation.image_share * 100:.0f}%" in page
    first_word = explanation.words[0]
    assert f">{first_word['word']}</span>" in page  # the note, word by word, highlighted
    assert f"/studies/{study.pk}/report/" in page and f"/studies/{study.pk}/report.pdf" in page

    overlay = client.get(overlay_url)
    assert overlay.status_code == 200 and overlay["Content-Type"] == "image/png"
    png_size(b"".join(overlay.streaming_content))

    html = client.get(f"/studies/{study.pk}/report/")
    assert html.status_code == 200
    text = html.content.decode()
    assert "Decision support, not a diagnosis" in text
    assert study.study_instance_uid in text and "data:image/png;base64," in text
    assert study.patient.pseudonym not in text  # UIDs only
    pdf = client.get(f"/studies/{study.pk}/report.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    _, pdf_text = pdf_first_page(pdf.content)
    assert "Decision support" in pdf_text and explanation.finding in pdf_text

    reports = list(ExplanationReport.objects.order_by("generated_at"))
    assert [r.kind for r in reports] == ["html", "pdf"]
    assert str(reports[0].id) in text and str(reports[1].id) in pdf_text
    events = AuditEvent.objects.filter(action="report.generated", actor_kind="user")
    assert {e.object_id for e in events} == {str(r.id) for r in reports}


def test_another_sites_clinician_gets_404_for_reports_and_heat_maps(
    client, succeeded_analysis
) -> None:
    explanation = explain_inline(succeeded_analysis, top_finding(succeeded_analysis))
    outsider = user_create(
        site=site_get_or_create(slug="south"), username="dr-south", password="long-password-2"
    )
    client.force_login(outsider)
    study = succeeded_analysis.study
    for url in (
        f"/studies/{study.pk}/report/",
        f"/studies/{study.pk}/report.pdf",
        f"/explanations/{explanation.pk}/overlay.png",
        f"/explanations/{explanation.pk}/heatmap.png",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/studies/{study.pk}/explain",
        {"analysis": str(succeeded_analysis.pk), "finding": explanation.finding},
    )
    assert response.status_code == 404
    assert not ExplanationReport.objects.exists()
