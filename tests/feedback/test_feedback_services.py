"""feedback_submit: label semantics, history, validation and the audit trail; labelled_set."""

from __future__ import annotations

import pytest

from consilium.audit.models import Action, AuditEvent
from consilium.feedback.models import Feedback, FindingLabel, Verdict
from consilium.feedback.selectors import (
    LabelledSetError,
    labelled_set,
    study_labels_current,
)
from consilium.feedback.services import FeedbackError, feedback_submit, label_present
from tests.feedback.conftest import member, study_with_analysis

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("verdict", "flagged", "present"),
    [
        (Verdict.AGREE, True, True),
        (Verdict.DISAGREE, True, False),
        (Verdict.AGREE, False, False),
        (Verdict.DISAGREE, False, True),
        (Verdict.MISSED, False, True),
    ],
)
def test_label_present(verdict, flagged, present) -> None:
    assert label_present(verdict=verdict, flagged=flagged) is present


def test_verdicts_become_labels_of_the_study(analysed, clinician) -> None:
    result = feedback_submit(
        analysis=analysed.ct,
        author=clinician,
        verdicts={
            "cardiomegaly": "agree",  # flagged
            "effusion": "disagree",  # flagged
            "nodule": "agree",  # not flagged
            "pneumothorax": "disagree",  # not flagged
        },
        missed=["pneumonia"],
        comment="Effusion is a skin fold.",
    )
    current = study_labels_current(site=analysed.site, study_id=analysed.ct.study_id)
    assert {finding: label.present for finding, label in current.items()} == {
        "cardiomegaly": True,
        "effusion": False,
        "nodule": False,
        "pneumothorax": True,
        "pneumonia": True,
    }
    missed = current["pneumonia"]
    assert (missed.verdict, missed.model_flagged, missed.listed) == ("missed", False, True)
    feedback = result.feedback
    assert feedback.model_version == analysed.ct.model_version
    assert (feedback.author, feedback.analysis, feedback.study_id) == (
        clinician,
        analysed.ct,
        analysed.ct.study_id,
    )
    assert feedback.comment == "Effusion is a skin fold."
    assert len(result.labels) == 5


def test_the_newest_label_wins_and_history_stays(analysed, clinician, second_clinician) -> None:
    first = feedback_submit(
        analysis=analysed.ct, author=clinician, verdicts={"cardiomegaly": "agree"}
    )
    feedback_submit(
        analysis=analysed.ct, author=second_clinician, verdicts={"cardiomegaly": "disagree"}
    )
    current = study_labels_current(site=analysed.site, study_id=analysed.ct.study_id)
    assert current["cardiomegaly"].present is False
    assert current["cardiomegaly"].feedback.author == second_clinician
    history = FindingLabel.objects.filter(study=analysed.ct.study, finding="cardiomegaly")
    assert [label.present for label in history.order_by("id")] == [True, False]
    first.labels[0].refresh_from_db()
    assert first.labels[0].present is True and first.labels[0].verdict == "agree"


def test_free_text_and_differently_cased_missed_findings(analysed, clinician) -> None:
    feedback_submit(
        analysis=analysed.ct,
        author=clinician,
        verdicts={},
        missed=["  Pneumonia ", "", "rib   fracture", "rib fracture"],
    )
    labels = {label.finding: label for label in FindingLabel.objects.all()}
    assert set(labels) == {"pneumonia", "rib fracture"}
    assert labels["pneumonia"].listed is True
    assert labels["rib fracture"].listed is False and labels["rib fracture"].present is True
    assert labels["rib fracture"].model_flagged is None


# Each bad submission but the empty one carries a valid verdict too: nothing of it may be kept.
@pytest.mark.parametrize(
    ("verdicts", "missed", "comment", "message"),
    [
        ({"cardiomegaly": "agree", "fracture": "agree"}, [], "", "'fracture' is not a finding of"),
        ({"cardiomegaly": "agree", "nodule": "maybe"}, [], "", "'maybe' is not a verdict on"),
        ({}, ["", "  "], "  ", "Nothing to record"),
        ({"nodule": "agree"}, ["nodule"], "", "also marked missed"),
        ({"nodule": "agree"}, ["effusion"], "", "The model flagged 'effusion'"),
        ({"nodule": "agree"}, ["x" * 101], "", "at most 100 characters"),
        ({"nodule": "agree"}, [], "y" * 4001, "longer than 4000 characters"),
    ],
)
def test_bad_feedback_is_refused_whole(
    analysed, clinician, verdicts, missed, comment, message
) -> None:
    with pytest.raises(FeedbackError, match=message):
        feedback_submit(
            analysis=analysed.ct,
            author=clinician,
            verdicts=verdicts,
            missed=missed,
            comment=comment,
        )
    assert not Feedback.objects.exists() and not FindingLabel.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.FEEDBACK_GIVEN).exists()


def test_feedback_needs_a_finished_analysis(analysed, clinician) -> None:
    analysed.ct.status = "running"
    with pytest.raises(FeedbackError, match="has not finished"):
        feedback_submit(analysis=analysed.ct, author=clinician, verdicts={"nodule": "agree"})


def test_feedback_is_audited_with_codes_only(analysed, clinician) -> None:
    result = feedback_submit(
        analysis=analysed.ct,
        author=clinician,
        verdicts={"nodule": "disagree"},
        missed=["edema", "Mr Smith's rib fracture"],
        comment="Seen with Mr Smith's old films.",
    )
    event = AuditEvent.objects.get(action=Action.FEEDBACK_GIVEN)
    assert (event.site, event.actor_id, event.object_type, event.object_id) == (
        analysed.site,
        str(clinician.pk),
        "imaging.study",
        str(analysed.ct.study_id),
    )
    assert event.details == {
        "feedback": result.feedback.pk,
        "analysis": str(analysed.ct.pk),
        "model_version": analysed.ct.model_version_id,
        "verdicts": {"nodule": "disagree"},
        "missed": ["edema"],
        "missed_unlisted": 1,
        "comment": True,
    }
    assert "Smith" not in str(event.details)


def test_labelled_set_takes_complete_studies_and_reports_partial_ones(analysed, clinician) -> None:
    findings = analysed.findings
    feedback_submit(
        analysis=analysed.ct,
        author=clinician,
        verdicts=dict.fromkeys(findings, "agree"),
        missed=["rib fracture"],
    )
    feedback_submit(analysis=analysed.mr, author=clinician, verdicts={"nodule": "agree"})
    selection = labelled_set(site=analysed.site)
    assert selection.findings == tuple(findings)
    [row] = selection.rows
    assert row.study == analysed.ct.study
    assert row.values == tuple(int(finding in ("cardiomegaly", "effusion")) for finding in findings)
    [skipped] = selection.skipped
    assert skipped.study == analysed.mr.study
    assert skipped.reason == "no label yet for " + ", ".join(f for f in findings if f != "nodule")


def test_a_free_text_finding_enters_only_when_asked_for(analysed, clinician) -> None:
    feedback_submit(
        analysis=analysed.ct,
        author=clinician,
        verdicts={"nodule": "agree"},
        missed=["rib fracture"],
    )
    assert "rib fracture" not in labelled_set(site=analysed.site).findings
    selection = labelled_set(site=analysed.site, findings=["nodule", "rib fracture"])
    [row] = selection.rows
    assert row.values == (0, 1)
    with pytest.raises(LabelledSetError, match="No study at this site has a label for: nodul"):
        labelled_set(site=analysed.site, findings=["nodul"])


def test_labelled_set_stays_within_the_site(analysed, clinician, outsider_site) -> None:
    other = study_with_analysis(
        site=outsider_site, model_version=analysed.ct.model_version, uid="2.25.1"
    )
    feedback_submit(
        analysis=other,
        author=member(outsider_site, "dr-south"),
        verdicts=dict.fromkeys(analysed.findings, "agree"),
    )
    assert labelled_set(site=analysed.site).rows == []
    assert [row.study for row in labelled_set(site=outsider_site).rows] == [other.study]


def test_a_comment_is_de_identified_like_a_note(analysed, clinician) -> None:
    feedback_submit(
        analysis=analysed.ct,
        author=clinician,
        verdicts={},
        comment="Discussed with Dr. John Smith on 03/04/2024; effusion is a skin fold.",
    )
    stored = Feedback.objects.get().comment
    assert "John Smith" not in stored and "03/04/2024" not in stored
    assert "effusion is a skin fold" in stored
