"""{% finding_feedback analysis request %}: the form the study page includes with one line."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from consilium.accounts.models import Role
from consilium.feedback.services import feedback_submit
from tests.feedback.conftest import FLAGGED, member

pytestmark = pytest.mark.django_db

TAG = Template("{% load feedback %}{% finding_feedback analysis request %}")


def render(analysis, user, role: str) -> str:
    request = RequestFactory().get(f"/studies/{analysis.study_id}/")
    request.user, request.site, request.role = user, analysis.site, role
    return TAG.render(Context({"analysis": analysis, "request": request}))


def test_the_form_has_a_row_per_finding_with_nothing_chosen(analysed, clinician) -> None:
    html = render(analysed.ct, clinician, Role.CLINICIAN)
    [form] = re.findall(r"<form [^>]*>", html)
    assert 'data-testid="feedback-form"' in form
    assert f'action="/studies/{analysed.ct.study_id}/feedback"' in form
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'name="analysis" value="{analysed.ct.pk}"' in html
    for finding in analysed.findings:
        assert html.count(f'name="verdict-{finding}"') == 2
        assert (
            f'id="verdict-{finding}-agree"' in html and f'id="verdict-{finding}-disagree"' in html
        )
    assert "checked" not in html and "selected" not in html
    missed = re.search(r'<select name="missed"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)"', missed) == [
        "",
        *(finding for finding in analysed.findings if finding not in FLAGGED),
    ]
    assert 'name="missed-other"' in html and '<textarea name="comment"' in html
    assert 'type="submit"' in html
    assert "Decision support, not a diagnosis" in html
    assert html.count("not labelled") == len(analysed.findings)


def test_current_labels_show_who_and_when(analysed, clinician) -> None:
    feedback_submit(
        analysis=analysed.ct,
        author=clinician,
        verdicts={"cardiomegaly": "disagree"},
        missed=["rib fracture"],
    )
    html = render(analysed.ct, clinician, Role.CLINICIAN)
    row = re.search(r'data-finding="cardiomegaly".*?</tr>', html, re.S).group(0)
    assert "absent" in row and "dr-north" in row and "(disagree with the model)" in row
    assert "rib fracture" in html and "not in the model's list" in html


def test_other_roles_see_the_labels_without_the_form(analysed, clinician) -> None:
    feedback_submit(analysis=analysed.ct, author=clinician, verdicts={"nodule": "agree"})
    html = render(analysed.ct, member(analysed.site, "ml-north", Role.ML_ENGINEER), "ml_engineer")
    assert "<form" not in html and 'type="radio"' not in html
    assert "absent" in html and "dr-north" in html


def test_nothing_for_an_unfinished_analysis(analysed, clinician) -> None:
    analysed.ct.status = "running"
    assert render(analysed.ct, clinician, Role.CLINICIAN).strip() == ""
