"""Recording a clinician's feedback on an analysis as finding labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from consilium.analyses.models import Analysis, AnalysisStatus
from consilium.audit.models import Action
from consilium.audit.services import audit_record
from consilium.feedback.models import Feedback, FindingLabel, Verdict
from consilium.imaging.deid import note_deidentify

MAX_COMMENT_CHARS = 4000
MAX_FINDING_CHARS = FindingLabel._meta.get_field("finding").max_length


class FeedbackError(ValueError):
    """The feedback cannot be recorded as given; the message says what to change."""


@dataclass(frozen=True)
class FeedbackResult:
    feedback: Feedback
    labels: list[FindingLabel]


def label_present(*, verdict: str, flagged: bool) -> bool:
    """The label a verdict gives: agreeing keeps the model's flag, disagreeing inverts it."""
    if verdict == Verdict.MISSED:
        return True
    return flagged if verdict == Verdict.AGREE else not flagged


def _findings_text(findings: Sequence[str]) -> str:
    return ", ".join(findings)


def _checked_verdicts(
    verdicts: Mapping[str, str], flags: Mapping[str, bool], model: str
) -> dict[str, str]:
    for finding, verdict in verdicts.items():
        if finding not in flags:
            raise FeedbackError(
                f"'{finding}' is not a finding of {model}; its findings are: "
                f"{_findings_text(list(flags))}."
            )
        if verdict not in (Verdict.AGREE, Verdict.DISAGREE):
            raise FeedbackError(
                f"'{verdict}' is not a verdict on '{finding}': choose agree or disagree."
            )
    # the model's order, so that labels and the audit read the same way every time
    return {finding: verdicts[finding] for finding in flags if finding in verdicts}


def _checked_missed(
    missed: Sequence[str], verdicts: Mapping[str, str], flags: Mapping[str, bool]
) -> list[str]:
    """Missed findings, blank ones dropped, each once, the model's spelling where it has one."""
    by_folded = {finding.casefold(): finding for finding in flags}
    checked: list[str] = []
    for entry in missed:
        text = " ".join(entry.split())
        if not text:
            continue
        if len(text) > MAX_FINDING_CHARS:
            raise FeedbackError(
                f"A missed finding may have at most {MAX_FINDING_CHARS} characters; "
                "name the finding, and put details in the comment."
            )
        finding = by_folded.get(text.casefold(), text)
        if finding in verdicts:
            raise FeedbackError(
                f"'{finding}' has a verdict and is also marked missed; choose one of the two."
            )
        if flags.get(finding):
            raise FeedbackError(
                f"The model flagged '{finding}', so it was not missed; to confirm it, choose agree."
            )
        if finding not in checked:
            checked.append(finding)
    return checked


def feedback_submit(
    *,
    analysis: Analysis,
    author: AbstractBaseUser,
    verdicts: Mapping[str, str],
    missed: Sequence[str] = (),
    comment: str = "",
) -> FeedbackResult:
    """Record one clinician's verdicts on a finished analysis, findings it missed, and a comment.

    `verdicts` maps a finding of the analysis's model to ``agree`` or ``disagree``; `missed` names
    findings the model did not flag but the study shows: one of the model's, or free text (stored
    as unlisted, exported only when asked for by name). Raises FeedbackError on input a user can
    get wrong. Earlier labels stay; the new ones become current.
    """
    if analysis.status != AnalysisStatus.SUCCEEDED:
        raise FeedbackError(
            "This analysis has not finished; feedback answers the predictions of a finished one."
        )
    model_version = analysis.model_version
    flags = {prediction.finding: prediction.positive for prediction in analysis.predictions.all()}
    checked = _checked_verdicts(verdicts, flags, str(model_version))
    missed_findings = _checked_missed(missed, checked, flags)
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise FeedbackError(
            f"The comment is longer than {MAX_COMMENT_CHARS} characters; shorten it."
        )
    if not checked and not missed_findings and not comment:
        raise FeedbackError(
            "Nothing to record: choose agree or disagree for a finding, "
            "add a missed finding, or write a comment."
        )
    with transaction.atomic():
        feedback = Feedback.objects.create(
            site_id=analysis.site_id,
            study_id=analysis.study_id,
            analysis=analysis,
            model_version=model_version,
            author=author,
            # A comment is free text like a note: a name or date typed into it is not stored.
            comment=note_deidentify(comment).text if comment else "",
        )
        rows = [
            FindingLabel(
                feedback=feedback,
                site_id=analysis.site_id,
                study_id=analysis.study_id,
                finding=finding,
                verdict=verdict,
                present=label_present(verdict=verdict, flagged=flags[finding]),
                model_flagged=flags[finding],
            )
            for finding, verdict in checked.items()
        ] + [
            FindingLabel(
                feedback=feedback,
                site_id=analysis.site_id,
                study_id=analysis.study_id,
                finding=finding,
                verdict=Verdict.MISSED,
                present=True,
                model_flagged=flags.get(finding),
                listed=finding in flags,
            )
            for finding in missed_findings
        ]
        labels = FindingLabel.objects.bulk_create(rows)
        audit_record(
            site=analysis.site,
            actor=author,
            action=Action.FEEDBACK_GIVEN,
            target=analysis.study,
            details={
                "feedback": feedback.pk,
                "analysis": str(analysis.pk),
                "model_version": model_version.pk,
                "verdicts": checked,
                "missed": [finding for finding in missed_findings if finding in flags],
                # free text a clinician typed stays out of the audit trail: counted, never copied
                "missed_unlisted": sum(finding not in flags for finding in missed_findings),
                "comment": bool(comment),
            },
        )
    return FeedbackResult(feedback=feedback, labels=labels)
