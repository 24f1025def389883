"""The feedback form's endpoint and the labels page: messages, site isolation, roles, queries."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consilium.accounts.models import Role
from consilium.audit.models import Action, AuditEvent
from consilium.feedback.models import FindingLabel
from consilium.feedback.selectors import study_labels_current
from consilium.feedback.services import feedback_submit
from tests.feedback.conftest import member, study_with_analysis

pytestmark = pytest.mark.django_db


def feedback_url(analysis) -> str:
    return f"/studies/{analysis.study_id}/feedback"


def post_feedback(client, analysis, **fields):
    return client.post(feedback_url(analysis), {"analysis": str(analysis.pk), **fields})


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_clinician_gives_feedback_from_the_form(client, analysed, clinician) -> None:
    client.force_login(clinician)
    response = post_feedback(
        client,
        analysed.ct,
        **{
            "verdict-cardiomegaly": "agree",
            "verdict-effusion": "disagree",
            "verdict-nodule": "",  # a row left alone
            "verdict-pneumothorax": "disagree",
            "missed": "edema",
            "missed-other": "rib fracture",
            "comment": "Old films agree.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/studies/{analysed.ct.study_id}/"
    assert messages_of(response) == ["Thank you: feedback saved (5 finding labels)."]
    current = study_labels_current(site=analysed.site, study_id=analysed.ct.study_id)
    assert {finding: label.present for finding, label in current.items()} == {
        "cardiomegaly": True,
        "effusion": False,
        "pneumothorax": True,
        "edema": True,
        "rib fracture": True,
    }
    assert all(label.feedback.author == clinician for label in current.values())
    assert AuditEvent.objects.filter(
        action=Action.FEEDBACK_GIVEN, actor_id=str(clinician.pk)
    ).exists()
    page = client.get(response["Location"])
    assert page.status_code == 200


def test_the_study_page_carries_the_form_and_then_the_label(client, analysed, clinician) -> None:
    client.force_login(clinician)
    study_page = f"/studies/{analysed.ct.study_id}/"
    before = client.get(study_page).content.decode()
    assert 'data-testid="feedback-form"' in before
    assert f'action="{feedback_url(analysed.ct)}"' in before
    response = post_feedback(client, analysed.ct, **{"verdict-nodule": "disagree"})
    after = client.get(response["Location"]).content.decode()
    assert "Thank you: feedback saved (1 finding label)." in after
    row = after[after.index('data-finding="nodule"') :]
    row = row[: row.index("</tr>")]
    assert "present" in row and "dr-north" in row


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Nothing to record"),
        ({"verdict-cardiomegaly": "probably"}, "'probably' is not a verdict on 'cardiomegaly'"),
        ({"verdict-heart": "agree"}, "'heart' is not a finding of"),
        ({"missed": "effusion"}, "The model flagged 'effusion'"),
    ],
)
def test_bad_input_comes_back_as_a_message(client, analysed, clinician, fields, message) -> None:
    client.force_login(clinician)
    response = post_feedback(client, analysed.ct, **fields)
    assert response.status_code == 302
    [shown] = messages_of(response)
    assert shown.startswith("Feedback not saved: ") and message in shown
    assert not FindingLabel.objects.exists()


def test_an_analysis_that_is_not_this_studys_is_not_found(client, analysed, clinician) -> None:
    client.force_login(clinician)
    assert client.post(feedback_url(analysed.ct), {"analysis": "not-a-uuid"}).status_code == 404
    wrong = client.post(
        feedback_url(analysed.ct),
        {"analysis": str(analysed.mr.pk), "verdict-nodule": "agree"},
    )
    assert wrong.status_code == 404
    assert client.post("/studies/999999/feedback", {}).status_code == 404
    assert client.get(feedback_url(analysed.ct)).status_code == 405
    assert not FindingLabel.objects.exists()


def test_another_sites_members_see_and_change_nothing(
    client, analysed, clinician, outsider_site
) -> None:
    feedback_submit(analysis=analysed.ct, author=clinician, verdicts={"nodule": "agree"})
    client.force_login(member(outsider_site, "dr-south"))
    response = post_feedback(client, analysed.ct, **{"verdict-nodule": "disagree"})
    assert response.status_code == 404
    assert FindingLabel.objects.count() == 1
    client.force_login(member(outsider_site, "ml-south", Role.ML_ENGINEER))
    page = client.get("/labels/")
    assert page.status_code == 200
    assert analysed.ct.study.study_instance_uid.encode() not in page.content
    assert b"No clinician feedback at this site yet." in page.content


@pytest.mark.parametrize(
    ("role", "labels_status", "feedback_status"),
    [
        (Role.CLINICIAN, 403, 302),
        (Role.ML_ENGINEER, 200, 403),
        (Role.SITE_ADMIN, 200, 403),
        (Role.AUDITOR, 403, 403),
    ],
)
def test_roles(client, analysed, role, labels_status, feedback_status) -> None:
    client.force_login(member(analysed.site, f"member-{role}", role))
    assert client.get("/labels/").status_code == labels_status
    response = post_feedback(client, analysed.ct, **{"verdict-nodule": "agree"})
    assert response.status_code == feedback_status


def test_pages_need_login(client, analysed) -> None:
    for response in (client.get("/labels/"), post_feedback(client, analysed.ct)):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_labels_page_shows_who_labelled_what_against_which_model(
    client, analysed, clinician, ml_engineer
) -> None:
    feedback_submit(
        analysis=analysed.ct,
        author=clinician,
        verdicts=dict.fromkeys(analysed.findings, "agree"),
        comment="Clear case.",
    )
    feedback_submit(analysis=analysed.mr, author=clinician, verdicts={"nodule": "disagree"})
    client.force_login(ml_engineer)
    page = client.get("/labels/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Decision support, not a diagnosis" in text
    model = analysed.ct.model_version
    for analysis in (analysed.ct, analysed.mr):
        assert analysis.study.study_instance_uid in text
    assert text.count("complete</span>") == 1 and "partly reviewed" in text
    assert f"answers {model.name} {model.version}" in text
    assert "dr-north" in text and "Clear case." in text
    assert 'nodule</span>: <strong class="label-present">present</strong>' in text


def test_the_labels_page_takes_the_same_queries_for_one_study_or_many(
    client, analysed, clinician, ml_engineer, django_assert_max_num_queries
) -> None:
    model = analysed.ct.model_version
    feedback_submit(analysis=analysed.ct, author=clinician, verdicts={"nodule": "agree"})
    client.force_login(ml_engineer)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/labels/").status_code == 200
    for number in range(12):
        analysis = study_with_analysis(
            site=analysed.site, model_version=model, uid=f"2.25.{number}"
        )
        feedback_submit(
            analysis=analysis,
            author=member(analysed.site, f"dr-{number}"),
            verdicts=dict.fromkeys(analysed.findings, "disagree"),
            missed=["rib fracture"] if number % 2 else [],
            comment=f"comment {number}",
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get("/labels/")
    assert page.content.decode().count('data-testid="labelled-study"') == 13
