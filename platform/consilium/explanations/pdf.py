"""The explanation report as PDF: ReportLab flowables around matplotlib figures.

Text is set in DejaVu Sans, which matplotlib ships, so any character a note holds prints (the PDF
core fonts only cover Latin-1) and nothing has to be fetched.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from consilium.explanations.report import ReportContent, ReportExplanation

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
INK = colors.HexColor("#1d2330")
MUTED = colors.HexColor("#5b6478")
WARN = colors.HexColor("#fff4d6")
POSITIVE_ROW = colors.HexColor("#fde8e8")
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
SUBJECT = "Explanations of model predictions. Decision support, not a diagnosis."


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(fonts / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, textColor=INK)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=10, textColor=MUTED),
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=16, leading=20),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName=BOLD, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4
        ),
        "h3": ParagraphStyle(
            "h3", parent=body, fontName=BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=2
        ),
        "warning": ParagraphStyle(
            "warning",
            parent=body,
            fontName=BOLD,
            backColor=WARN,
            borderPadding=4,
            spaceBefore=4,
            spaceAfter=8,
        ),
        "note": ParagraphStyle("note", parent=body, fontSize=8.5, leading=13),
    }


def _image(png: bytes, width: float) -> Image:
    picture = Image(io.BytesIO(png), hAlign="LEFT")
    scale = width / picture.imageWidth
    picture.drawWidth, picture.drawHeight = width, picture.imageHeight * scale
    return picture


def _highlighted_note(explanation: ReportExplanation) -> str:
    parts = []
    for segment in explanation.segments:
        text = escape(segment.text).replace("\n", "<br/>")
        if segment.colour and segment.colour != "#ffffff":
            parts.append(f'<span backColor="{segment.colour}">{text}</span>')
        else:
            parts.append(text)
    return "".join(parts)


def _faithfulness_line(explanation: ReportExplanation) -> str:
    checks = "; ".join(
        f"{check['modality']}: removing the top {check['fraction']:.0%} lowered p by "
        f"{check['top_drop']:.3f} vs {check['random_drop']:.3f} at random "
        f"({'passed' if check['passed'] else 'failed'})"
        for check in explanation.faithfulness
    )
    verdict = (
        "passed"
        if explanation.faithful
        else "<b>FAILED: this explanation may not reflect what the model used</b>"
    )
    return f"Faithfulness (deletion check): {verdict}. {escape(checks)}"


def _explanation_flowables(
    explanation: ReportExplanation, styles: dict[str, ParagraphStyle]
) -> list:
    flowables: list = [
        Paragraph(
            f"{escape(explanation.finding)}: probability {explanation.probability:.3f} "
            f"(threshold {explanation.threshold:.2f}, "
            f"{'flagged' if explanation.positive else 'not flagged'})",
            styles["h3"],
        )
    ]
    if explanation.overlay_png:
        flowables.append(_image(explanation.overlay_png, CONTENT_WIDTH * 0.62))
    else:
        flowables.append(
            Paragraph("The study has no image; the note alone counted.", styles["small"])
        )
    shares = explanation.shares_png
    if shares:
        flowables += [
            Paragraph(
                f"Modality contributions (Integrated Gradients): image "
                f"{explanation.image_percent:.0f}% · note {explanation.note_percent:.0f}%",
                styles["body"],
            ),
            _image(shares, CONTENT_WIDTH * 0.62),
        ]
    if explanation.completeness_relative is not None:
        flowables.append(
            Paragraph(
                f"Completeness: |sum of attributions - (f(x) - f(baseline))| = "
                f"{explanation.completeness_delta:.2g} "
                f"({explanation.completeness_relative:.2%} of the change).",
                styles["small"],
            )
        )
    flowables.append(Paragraph(_faithfulness_line(explanation), styles["body"]))
    if explanation.segments:
        flowables += [
            Paragraph(
                "Note, words shaded by attribution: red raised the finding's score, blue "
                "lowered it; deeper colour, stronger effect.",
                styles["small"],
            ),
            Paragraph(_highlighted_note(explanation), styles["note"]),
        ]
    return flowables


def _predictions_table(content: ReportContent, styles: dict[str, ParagraphStyle]) -> Table:
    rows = [["Finding", "Probability", "Threshold", "Flag", "Explanation"]]
    for prediction in content.predictions:
        rows.append(
            [
                prediction.finding,
                f"{prediction.probability:.3f}",
                f"{prediction.threshold:.2f}",
                "flagged" if prediction.positive else "—",
                prediction.explanation,
            ]
        )
    table = Table(rows, repeatRows=1, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 8.5),
        ("FONT", (0, 0), (-1, 0), BOLD, 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f6")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#d9dee8")),
        ("ALIGN", (1, 1), (2, -1), "RIGHT"),
    ]
    for index, prediction in enumerate(content.predictions, start=1):
        if prediction.positive:
            style.append(("BACKGROUND", (0, index), (-1, index), POSITIVE_ROW))
    table.setStyle(TableStyle(style))
    return table


def _key_values(rows: list[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    table = Table(
        [
            [Paragraph(f"<b>{escape(k)}</b>", styles["body"]), Paragraph(escape(v), styles["body"])]
            for k, v in rows
        ],
        colWidths=[40 * mm, CONTENT_WIDTH - 40 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return table


def report_pdf(content: ReportContent) -> bytes:
    """The report as PDF bytes; every page carries the disclaimer and the report id."""
    _register_fonts()
    styles = _styles()
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title="Consilium explanation report",
        subject=SUBJECT,
        author="Consilium",
        creator="Consilium",
    )

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(
            MARGIN,
            MARGIN - 2 * mm,
            f"{content.disclaimer} Report {content.report_id} · page {doc.page}",
        )
        canvas.restoreState()

    story: list = [
        Paragraph("Consilium explanation report", styles["title"]),
        Paragraph(
            f"{escape(content.disclaimer)} The findings below come from a model and must be "
            "checked by a clinician.",
            styles["warning"],
        ),
        _key_values(
            [
                ("Report id", str(content.report_id)),
                (
                    "Generated",
                    f"{content.generated_at:%Y-%m-%d %H:%M:%S} UTC by {content.generated_by}",
                ),
                ("Study (de-identified UID)", content.study_uid),
                ("Modalities", content.modalities or "—"),
                ("Analysis", str(content.analysis_id)),
                ("Model", f"{content.model_name} {content.model_version}"),
                *content.model_card,
            ],
            styles,
        ),
        Paragraph("Findings", styles["h2"]),
        _predictions_table(content, styles),
    ]
    if content.pending:
        story.append(Paragraph("Some explanations are still being computed.", styles["small"]))
    heading = Paragraph("Explanations", styles["h2"])
    if not content.explanations:
        story.append(heading)
        story.append(
            Paragraph(
                "No finding has been explained yet: positive findings are explained "
                "automatically, any other on request.",
                styles["body"],
            )
        )
    for position, explanation in enumerate(content.explanations):
        flowables = _explanation_flowables(explanation, styles)
        # Headings stay with the picture; the note may run on to the next page.
        story.append(KeepTogether(([heading] if position == 0 else []) + flowables[:3]))
        story.extend(flowables[3:])
        story.append(Spacer(1, 4 * mm))
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
