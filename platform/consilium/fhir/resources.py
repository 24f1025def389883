"""FHIR R4 resources in and out, validated with `fhir.resources` (its R4B models, R4-compatible).

Every resource the platform answers is built as a dict and passed through the matching
`fhir.resources` model (`fhir_dump`), so what leaves is valid FHIR or the code fails loudly.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from fhir.resources.R4B.documentreference import DocumentReference
from pydantic import BaseModel, ValidationError

from consilium.imaging.models import ClinicalNote

FHIR_JSON = "application/fhir+json"
FHIR_VERSION = "4.0.1"
DICOM_UID_SYSTEM = "urn:dicom:uid"
MAX_NOTE_BYTES = 1_000_000
# Every resource served holds de-identified data only, and says so (HL7 v3 ObservationValue).
PSEUDONYMISED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "PSEUDED",
    "display": "pseudonymized",
}


def fhir_dump(model: type[BaseModel], resource: dict) -> dict:
    """Validate `resource` against its fhir.resources model and return its JSON form."""
    return model.model_validate(resource).model_dump(mode="json", exclude_none=True)


def study_identifier(study_instance_uid: str) -> dict:
    """A DICOM StudyInstanceUID as a FHIR Identifier (the form DICOM PS3.18 and IHE use)."""
    return {"system": DICOM_UID_SYSTEM, "value": f"urn:oid:{study_instance_uid}"}


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
    return fhir_dump(
        DocumentReference,
        {
            "resourceType": "DocumentReference",
            "id": str(note.pk),
            "meta": {"lastUpdated": note.created_at.isoformat()},
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
                "related": [{"identifier": study_identifier(note.study.study_instance_uid)}]
            },
            "securityLabel": [{"coding": [PSEUDONYMISED]}],
        },
    )
