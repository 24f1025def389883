"""DICOM JSON (PS3.18 Annex F) bodies for STOW-RS responses and QIDO-RS results."""

from __future__ import annotations

from collections.abc import Iterable

from consilium.imaging.services import InstanceOutcome


def element(vr: str, *values: object) -> dict:
    return {"vr": vr, "Value": list(values)} if values and values != ("",) else {"vr": vr}


def stow_response(
    outcomes: Iterable[InstanceOutcome], *, retrieve_url: str | None, instance_url
) -> dict:
    """The Store Instances Response Module: what was stored and what failed, and why."""
    referenced, failed = [], []
    for outcome in outcomes:
        item = {}
        if outcome.sent_sop_class_uid:
            item["00081150"] = element("UI", outcome.sent_sop_class_uid)
        if outcome.sent_sop_instance_uid:
            item["00081155"] = element("UI", outcome.sent_sop_instance_uid)
        if outcome.succeeded:
            item["00081190"] = element("UR", instance_url(outcome.instance))
            referenced.append(item)
        else:
            item["00081197"] = element("US", outcome.failure_reason)
            # ErrorComment: the human-readable reason beside the code.
            item["00000902"] = element("LO", (outcome.failure_comment or "")[:64])
            failed.append(item)
    body: dict = {}
    if retrieve_url:
        body["00081190"] = element("UR", retrieve_url)
    if referenced:
        body["00081199"] = {"vr": "SQ", "Value": referenced}
    if failed:
        body["00081198"] = {"vr": "SQ", "Value": failed}
    return body
