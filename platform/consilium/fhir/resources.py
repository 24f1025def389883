"""FHIR R4 resources in and out, validated with `fhir.resources` (its R4B models, R4-compatible)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.documentreference import DocumentReference
from pydantic import ValidationError

from consilium.analyses.models import Analysis, AnalysisStatus
from consilium.imaging.models import ClinicalNote

DICOM_UID_SYSTEM = "urn:dicom:uid"
MAX_NOTE_BYTES = 1_000_000


class FhirInputError(ValueError):
    """The resource is not one we can accept; the message says what to fix."""


@dataclass(frozen=True)
class IncomingNote:
    text: str
    study_uid_as_sent: str


def document_reference_parse(payload: object) -> IncomingNote:
    if not isinstance(payload, dict) or payload.get("resourceType") != "DocumentReference":
        raise FhirInputError("The body must be a FHIR DocumentReference resource (JSON).")
    try:
        resource = DocumentReference.model_validate(payload)
    except ValidationError as error:
        fields = ", ".join(".".join(map(str, e["loc"])) for e in error.errors()[:5])
        raise FhirInputError(
            f"The DocumentReference is not valid FHIR R4 (check: {fields})."
        ) from None
    if not resource.content:
        raise FhirInputError("content[0].attachment is required.")
    attachment = resource.content[0].attachment
    content_type = (attachment.contentType or "").split(";")[0].strip().lower()
    if content_type != "text/plain":
        raise FhirInputError("content[0].attachment.contentType must be text/plain.")
    if not attachment.data:
        raise FhirInputError("content[0].attachment.data (base64 text) is required.")
    # fhir.resources validates base64Binary and hands back the decoded bytes.
    data = attachment.data if isinstance(attachment.data, bytes) else str(attachment.data).encode()
    if len(data) > MAX_NOTE_BYTES:
        raise FhirInputError(f"The note is larger than {MAX_NOTE_BYTES} bytes.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FhirInputError("The note must be UTF-8 text.") from None
    return IncomingNote(text=text, study_uid_as_sent=_study_uid(resource))


def _study_uid(resource: DocumentReference) -> str:
    related = (resource.context.related if resource.context else None) or []
    for reference in related:
        identifier = reference.identifier
        if identifier and identifier.system == DICOM_UID_SYSTEM and identifier.value:
            value = identifier.value
            return value.removeprefix("urn:oid:")
    raise FhirInputError(
        "context.related[] must hold the study as an identifier with system 'urn:dicom:uid' "
        "and value 'urn:oid:<StudyInstanceUID>'."
    )


def document_reference_render(note: ClinicalNote) -> dict:
    """The stored (de-identified) note as a DocumentReference."""
    resource = DocumentReference.model_validate(
        {
            "resourceType": "DocumentReference",
            "id": str(note.pk),
            "status": "current",
            "date": note.created_at.isoformat(),
            "content": [
                {
                    "attachment": {
                        "contentType": "text/plain; charset=utf-8",
                        "data": base64.b64encode(note.text.encode()).decode(),
                    }
                }
            ],
            "context": {
                "related": [
                    {
                        "identifier": {
                            "system": DICOM_UID_SYSTEM,
                            "value": f"urn:oid:{note.study.study_instance_uid}",
                        }
                    }
                ]
            },
            "securityLabel": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
                            "code": "PSEUDED",
                            "display": "pseudonymized",
                        }
                    ]
                }
            ],
        }
    )
    return resource.model_dump(mode="json", exclude_none=True)


REPORT_STATUS = {
    AnalysisStatus.QUEUED: "registered",
    AnalysisStatus.RUNNING: "preliminary",
    AnalysisStatus.SUCCEEDED: "final",
    AnalysisStatus.FAILED: "cancelled",
}


def diagnostic_report_render(analysis: Analysis) -> dict:
    """An analysis as a DiagnosticReport with one contained Observation per finding."""
    observations = [
        {
            "resourceType": "Observation",
            "id": f"finding-{index}",
            "status": "final",
            "code": {"text": prediction.finding},
            "valueQuantity": {"value": round(prediction.probability, 6), "unit": "probability"},
            "interpretation": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                            "code": "POS" if prediction.positive else "NEG",
                        }
                    ]
                }
            ],
            "note": [{"text": f"Decision threshold {prediction.threshold:.3f}."}],
        }
        for index, prediction in enumerate(analysis.predictions.all(), start=1)
    ]
    positives = [p.finding for p in analysis.predictions.all() if p.positive]
    conclusion = (
        "Decision support, not a diagnosis. "
        + (
            f"Model flags: {', '.join(positives)}."
            if positives
            else "No finding flagged by the model."
        )
        if analysis.status == AnalysisStatus.SUCCEEDED
        else f"Decision support, not a diagnosis. Analysis {analysis.status}."
    )
    report = DiagnosticReport.model_validate(
        {
            "resourceType": "DiagnosticReport",
            "id": str(analysis.pk),
            "status": REPORT_STATUS[AnalysisStatus(analysis.status)],
            "code": {"text": f"Consilium multimodal analysis ({analysis.model_version})"},
            "issued": (analysis.finished_at or analysis.created_at).isoformat(),
            "contained": observations,
            "result": [{"reference": f"#{o['id']}"} for o in observations],
            "conclusion": conclusion,
            "extension": [
                {
                    "url": "urn:consilium:study-instance-uid",
                    "valueString": analysis.study.study_instance_uid,
                }
            ],
        }
    )
    return report.model_dump(mode="json", exclude_none=True)
