"""Current labels and the labelled set; every query is scoped to a site."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, QuerySet, Subquery

from consilium.accounts.models import Site
from consilium.feedback.models import Feedback, FindingLabel
from consilium.imaging.models import Study
from consilium.registry.selectors import model_version_active

PAGE_SIZE = 50


class LabelledSetError(ValueError):
    """The labelled set cannot be selected as asked; the message says what to change."""


def finding_labels_current(
    *, site: Site, study_ids: Iterable[int] | None = None
) -> QuerySet[FindingLabel]:
    """The newest label of each (study, finding) at the site, with its author and model version."""
    newer = FindingLabel.objects.filter(
        study=OuterRef("study"), finding=OuterRef("finding"), pk__gt=OuterRef("pk")
    )
    labels = FindingLabel.objects.filter(site=site)
    if study_ids is not None:
        labels = labels.filter(study_id__in=list(study_ids))
    return (
        labels.filter(~Exists(newer))
        .select_related("feedback__author", "feedback__model_version")
        .order_by("study_id", "finding")
    )


def study_labels_current(*, site: Site, study_id: int) -> dict[str, FindingLabel]:
    """A study's current label per finding."""
    return {
        label.finding: label for label in finding_labels_current(site=site, study_ids=[study_id])
    }


def labelled_set_findings(*, site: Site) -> tuple[str, ...]:
    """The findings a labelled set has by default: the active model's, which retraining replaces;
    with no active model, those of the model the site's newest feedback answered."""
    active = model_version_active()
    if active is not None:
        return tuple(active.findings)
    latest = Feedback.objects.filter(site=site).select_related("model_version").first()
    return tuple(latest.model_version.findings) if latest is not None else ()


def _findings_checked(findings: Sequence[str]) -> tuple[str, ...]:
    checked: list[str] = []
    for finding in findings:
        name = " ".join(finding.split())
        if name and name not in checked:
            checked.append(name)
    if not checked:
        raise LabelledSetError("Name at least one finding.")
    return tuple(checked)


@dataclass(frozen=True)
class StudyLabels:
    """A study's current labels measured against a finding list."""

    study: Study
    labels: dict[str, FindingLabel]  # every current label of the study, by finding
    findings: tuple[str, ...]
    comments: list[Feedback] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        return [finding for finding in self.findings if finding not in self.labels]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def values(self) -> tuple[int, ...]:
        """0/1 per finding of the list, in its order (only for a complete study)."""
        return tuple(int(self.labels[finding].present) for finding in self.findings)

    def ordered_labels(self) -> list[FindingLabel]:
        """The list's findings first, in its order, then any others (e.g. free-text ones)."""
        rank = {finding: index for index, finding in enumerate(self.findings)}
        return sorted(
            self.labels.values(),
            key=lambda label: (rank.get(label.finding, len(rank)), label.finding),
        )


@dataclass(frozen=True)
class SkippedStudy:
    study: Study
    reason: str


@dataclass(frozen=True)
class LabelledSet:
    """The studies labelled for every finding of `findings`, and those only partly reviewed."""

    findings: tuple[str, ...]
    rows: list[StudyLabels]
    skipped: list[SkippedStudy]


def labelled_set(*, site: Site, findings: Sequence[str] | None = None) -> LabelledSet:
    """The studies of the site whose every finding of the list has a current label.

    A study with a current label for some of the findings but not all is partly reviewed: it is
    left out and reported with the findings it still lacks. `findings` defaults to
    :func:`labelled_set_findings`; naming one that no study has a label for is an error (a typo
    would otherwise empty the set without a word).
    """
    asked = findings is not None
    chosen = _findings_checked(findings) if asked else labelled_set_findings(site=site)
    if not chosen:
        raise LabelledSetError("No model is registered yet, so there is no finding list to label.")
    labels = finding_labels_current(site=site).filter(finding__in=chosen).select_related("study")
    by_study: dict[int, dict[str, FindingLabel]] = defaultdict(dict)
    studies: dict[int, Study] = {}
    for label in labels:
        by_study[label.study_id][label.finding] = label
        studies[label.study_id] = label.study
    if asked:
        seen = {finding for study_labels in by_study.values() for finding in study_labels}
        unknown = [finding for finding in chosen if finding not in seen]
        if unknown:
            raise LabelledSetError(
                f"No study at this site has a label for: {', '.join(unknown)}. "
                "Check the spelling against the model's findings."
            )
    rows, skipped = [], []
    for study_id in sorted(studies, key=lambda pk: (studies[pk].created_at, pk)):
        view = StudyLabels(study=studies[study_id], labels=by_study[study_id], findings=chosen)
        if view.complete:
            rows.append(view)
        else:
            skipped.append(
                SkippedStudy(study=view.study, reason=f"no label yet for {', '.join(view.missing)}")
            )
    return LabelledSet(findings=chosen, rows=rows, skipped=skipped)


def labels_page(*, site: Site, page: int | str | None) -> tuple[Page, tuple[str, ...]]:
    """A page of the site's studies with feedback, newest feedback first, each with its current
    labels and comments, measured against the default finding list. Four queries whatever the
    page size."""
    findings = labelled_set_findings(site=site)
    latest = Feedback.objects.filter(study=OuterRef("pk")).order_by("-created_at", "-id")
    studies = (
        Study.objects.filter(site=site)
        .filter(Exists(Feedback.objects.filter(study=OuterRef("pk"))))
        .annotate(last_feedback_at=Subquery(latest.values("created_at")[:1]))
        .order_by("-last_feedback_at", "-id")
    )
    paginated = Paginator(studies, PAGE_SIZE).get_page(page)
    study_ids = [study.pk for study in paginated.object_list]
    labels: dict[int, dict[str, FindingLabel]] = defaultdict(dict)
    for label in finding_labels_current(site=site, study_ids=study_ids):
        labels[label.study_id][label.finding] = label
    comments: dict[int, list[Feedback]] = defaultdict(list)
    for feedback in (
        Feedback.objects.filter(site=site, study_id__in=study_ids)
        .exclude(comment="")
        .select_related("author")
    ):
        comments[feedback.study_id].append(feedback)
    paginated.object_list = [
        StudyLabels(
            study=study,
            labels=labels[study.pk],
            findings=findings,
            comments=comments[study.pk],
        )
        for study in paginated.object_list
    ]
    return paginated, findings
