"""An analysis as a FHIR R4 DiagnosticReport, its findings as contained Observations.

What a receiving EHR needs to file and show the result, from de-identified data only: one
Observation per finding (the probability as a UCUM-dimensionless quantity, POS/NEG against the
model's threshold, the threshold as the reference range), the positive findings as
`conclusionCode`, the model as an extension and as each Observation's `device`, the imaging
study by its (de-identified) StudyInstanceUID, and the PDF explanation report as `presentedForm`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from fhir.resources.R4B.diagnosticreport import DiagnosticReport

from consilium.analyses.models import Analysis, AnalysisStatus, Prediction
from consilium.fhir.resources import PSEUDONYMISED, fhir_dump, study_identifier

# Local code systems: findings are the model's own labels (they travel in its checkpoint).
FINDING_SYSTEM = "urn:consilium:finding"
MODEL_EXTENSION = "urn:consilium:fhir:extension:model"
INTERPRETATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
UCUM = "http://unitsofmeasure.org"
DISCLAIMER = "Decision support, not a diagnosis."

# http://hl7.org/fhir/diagnostic-report-status: "registered" is a report with nothing in it yet,
# which is what a queued or running analysis is; a failed one was not completed: "cancelled".
REPORT_STATUS = {
    AnalysisStatus.QUEUED: "registered",
    AnalysisStatus.RUNNING: "registered",
    AnalysisStatus.SUCCEEDED: "final",
    AnalysisStatus.FAILED: "cancelled",
}
ANALYSIS_STATUSES = {
    fhir_status: [status.value for status, mapped in REPORT_STATUS.items() if mapped == fhir_status]
    for fhir_status in set(REPORT_STATUS.values())
}

IMAGING_STUDY = {
    "coding": [
        {
            "system": "http://loinc.org",
            "code": "18748-4",
            "display": "Diagnostic imaging study",
        }
    ],
    "text": "Consilium multimodal analysis (image and note)",
}
RADIOLOGY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
            "code": "RAD",
            "display": "Radiology",
        }
    ]
}
IMAGING_CATEGORY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "imaging",
            "display": "Imaging",
        }
    ]
}


def _probability(value: float) -> dict:
    return {"value": round(value, 6), "unit": "probability", "system": UCUM, "code": "1"}


def _finding_code(finding: str) -> dict:
    return {
        "coding": [{"system": FINDING_SYSTEM, "code": finding, "display": finding}],
        "text": finding,
    }


def _observation(index: int, prediction: Prediction, device: dict) -> dict:
    positive = prediction.positive
    return {
        "resourceType": "Observation",
        "id": f"finding-{index}",
        "status": "final",
        "category": [IMAGING_CATEGORY],
        "code": _finding_code(prediction.finding),
        "valueQuantity": _probability(prediction.probability),
        "interpretation": [
            {
                "coding": [
                    {
                        "system": INTERPRETATION_SYSTEM,
                        "code": "POS" if positive else "NEG",
                        "display": "Positive" if positive else "Negative",
                    }
                ]
            }
        ],
        "referenceRange": [
            {
                "high": _probability(prediction.threshold),
                "text": "Below the model's decision threshold: not flagged. "
                "At or above it: flagged (POS).",
            }
        ],
        "device": device,
        "note": [{"text": f"Model probability; decision threshold {prediction.threshold:.3f}."}],
    }


def diagnostic_report_render(analysis: Analysis, *, absolute: Callable[[str], str] = str) -> dict:
    """`absolute` turns a path into the URL the caller should see (for the PDF report)."""
    model = analysis.model_version
    device = {"display": f"Consilium model {model.name} {model.version} (decision support)"}
    predictions = list(analysis.predictions.all())
    observations = [
        _observation(index, prediction, device)
        for index, prediction in enumerate(predictions, start=1)
    ]
    succeeded = analysis.status == AnalysisStatus.SUCCEEDED
    positives = [p.finding for p in predictions if p.positive]
    if succeeded:
        flagged = f"Model flags: {', '.join(positives)}." if positives else "No finding flagged."
        conclusion = f"{DISCLAIMER} {flagged}"
    else:
        conclusion = f"{DISCLAIMER} Analysis {analysis.status}."
    report: dict = {
        "resourceType": "DiagnosticReport",
        "id": str(analysis.pk),
        "meta": {
            "lastUpdated": (analysis.finished_at or analysis.created_at).isoformat(),
            "security": [PSEUDONYMISED],
        },
        "extension": [
            {
                "url": MODEL_EXTENSION,
                "extension": [
                    {"url": "name", "valueString": model.name},
                    {"url": "version", "valueString": model.version},
                ],
            }
        ],
        "status": REPORT_STATUS[AnalysisStatus(analysis.status)],
        "category": [RADIOLOGY],
        "code": IMAGING_STUDY,
        "issued": (analysis.finished_at or analysis.created_at).isoformat(),
        "imagingStudy": [
            {
                "type": "ImagingStudy",
                "identifier": study_identifier(analysis.study.study_instance_uid),
                "display": "The analysed study (de-identified StudyInstanceUID)",
            }
        ],
        "conclusion": conclusion,
    }
    if observations:
        report["contained"] = observations
        report["result"] = [{"reference": f"#{o['id']}"} for o in observations]
    if succeeded:
        report["conclusionCode"] = [_finding_code(f) for f in positives] or [
            {"text": "No finding flagged by the model."}
        ]
        report_path = reverse("api:analysis-report", kwargs={"analysis_id": analysis.pk})
        report["presentedForm"] = [
            {
                "contentType": "application/pdf",
                "url": absolute(report_path),
                "title": "Explanation report (PDF). " + DISCLAIMER,
            }
        ]
    return fhir_dump(DiagnosticReport, report)
