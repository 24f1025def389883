"""Names of the feedback form's fields, shared by the template tag that draws the form and the
view that reads it, so that neither can drift from the other (a browser test drives them too)."""

from __future__ import annotations

from django.utils.text import slugify

VERDICT_PREFIX = "verdict-"  # + the finding, exactly as the model names it
MISSED_FIELD = "missed"  # one of the model's findings it did not flag
MISSED_OTHER_FIELD = "missed-other"  # free text, for a finding outside the model's list
COMMENT_FIELD = "comment"
ANALYSIS_FIELD = "analysis"


def verdict_field(finding: str) -> str:
    return f"{VERDICT_PREFIX}{finding}"


def element_ids(findings: list[str]) -> list[str]:
    """A stable, readable HTML id stem per finding (its slug; numbered only when two collide)."""
    ids: list[str] = []
    for index, finding in enumerate(findings):
        stem = slugify(finding) or "finding"
        ids.append(stem if stem not in ids else f"{stem}-{index}")
    return ids
