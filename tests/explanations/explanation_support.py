"""Helpers of the explanation tests: run an explanation inline, read PNGs and PDFs."""

from __future__ import annotations

import io

import pypdfium2
from PIL import Image

from consilium.accounts.models import Site
from consilium.analyses.models import Analysis
from consilium.analyses.services import analysis_execute, analysis_request
from consilium.explanations.models import Explanation
from consilium.explanations.services import explanation_execute, explanations_request
from consilium.imaging.models import Study
from consilium.imaging.selectors import study_get_by_uid


def top_finding(analysis: Analysis) -> str:
    """With an untrained model any finding may or may not be positive: take the most probable."""
    return max(analysis.predictions.all(), key=lambda p: p.probability).finding


def explain_inline(analysis: Analysis, finding: str) -> Explanation:
    (explanation,) = explanations_request(analysis=analysis, actor=None, findings=[finding])
    explanation_execute(
        analysis_id=str(analysis.pk), explanation_ids=[explanation.pk], worker="inline"
    )
    explanation.refresh_from_db()
    return explanation


def analysed_and_explained(site: Site, sent_uid: str) -> tuple[Study, Analysis, Explanation]:
    """The uploaded study, analysed inline, with its most probable finding explained inline."""
    study = study_get_by_uid(site=site, uid=sent_uid)
    analysis, _ = analysis_request(site=site, actor=None, study=study)
    analysis_execute(analysis_id=str(analysis.pk), worker="inline")
    analysis.refresh_from_db()
    return study, analysis, explain_inline(analysis, top_finding(analysis))


def png_size(content: bytes, mode: str | None = None) -> tuple[int, int]:
    image = Image.open(io.BytesIO(content))
    image.verify()
    image = Image.open(io.BytesIO(content))
    assert image.format == "PNG"
    if mode is not None:
        assert image.mode == mode
    return image.size


def pdf_first_page(content: bytes) -> tuple[Image.Image, str]:
    """Page 1 of a PDF rendered to an image, and the text of the whole document."""
    assert content.startswith(b"%PDF-")
    document = pypdfium2.PdfDocument(content)
    picture = document[0].render(scale=1.0).to_pil()
    text = "".join(page.get_textpage().get_text_range() for page in document)
    return picture, text
