"""A DIMSE Storage SCP (C-STORE, C-ECHO) for PACS and modalities that do not speak DICOMweb.

Every received instance goes through the same `instance_ingest` as STOW-RS (validate,
de-identify, store), for the one site the listener serves. DIMSE has no authentication of its
own: restrict who may call with `allowed_calling_aets` and the network the port is reachable on.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from django.db import close_old_connections
from pydicom.dataset import Dataset
from pynetdicom import AE, ALL_TRANSFER_SYNTAXES, AllStoragePresentationContexts, evt
from pynetdicom.sop_class import Verification
from pynetdicom.transport import ThreadedAssociationServer

from consilium.accounts.models import Site
from consilium.imaging.services import FailureReason, InstanceOutcome, instance_ingest

logger = logging.getLogger(__name__)

SUCCESS = 0x0000
# C-STORE statuses (PS3.4 Table B.2-1, PS3.7 Annex C) for each way ingestion can fail.
STATUS_FOR_FAILURE = {
    FailureReason.REFUSED_NOT_AUTHORIZED: 0x0124,  # quarantined: Refused, not authorised
    FailureReason.SOP_CLASS_NOT_SUPPORTED: 0x0122,  # Refused: SOP class not supported
    FailureReason.CANNOT_UNDERSTAND: 0xC000,  # Error: cannot understand
    FailureReason.PROCESSING_FAILURE: 0x0110,  # Processing failure
}


def c_store_status(outcome: InstanceOutcome) -> Dataset:
    """The C-STORE-RSP status (and ErrorComment on failure) for an ingestion outcome."""
    response = Dataset()
    if outcome.succeeded:
        response.Status = SUCCESS
        return response
    response.Status = STATUS_FOR_FAILURE.get(outcome.failure_reason or 0, 0x0110)
    if outcome.failure_comment:
        response.ErrorComment = outcome.failure_comment[:64]
    return response


@dataclass(frozen=True)
class ListenerConfig:
    site: Site
    ae_title: str = "CONSILIUM"
    host: str = "0.0.0.0"
    port: int = 11112
    allowed_calling_aets: tuple[str, ...] = ()


def _handle_store(event: evt.Event, site: Site) -> Dataset:
    # Each association runs in its own thread: give it a fresh database connection.
    close_old_connections()
    try:
        outcome = instance_ingest(site=site, actor=None, source=io.BytesIO(event.encoded_dataset()))
    except Exception:
        logger.exception("C-STORE ingestion failed")
        outcome = InstanceOutcome(
            None,
            None,
            failure_reason=FailureReason.PROCESSING_FAILURE,
            failure_comment="The instance could not be stored.",
        )
    finally:
        close_old_connections()
    if not outcome.succeeded:
        logger.info("C-STORE refused: 0x%04X", outcome.failure_reason or 0)
    return c_store_status(outcome)


def dicom_listener_ae(*, config: ListenerConfig) -> AE:
    """An AE that accepts every storage SOP class in every transfer syntax, and verification."""
    ae = AE(ae_title=config.ae_title)
    for context in AllStoragePresentationContexts:
        ae.add_supported_context(context.abstract_syntax, ALL_TRANSFER_SYNTAXES)
    ae.add_supported_context(Verification)
    ae.require_called_aet = True
    if config.allowed_calling_aets:
        ae.require_calling_aet = list(config.allowed_calling_aets)
    return ae


def dicom_listener_start(
    *, config: ListenerConfig, block: bool
) -> ThreadedAssociationServer | None:
    """Listen for associations; returns the server when `block` is False (stop with shutdown())."""
    ae = dicom_listener_ae(config=config)
    handlers = [(evt.EVT_C_STORE, _handle_store, [config.site])]
    return ae.start_server((config.host, config.port), block=block, evt_handlers=handlers)
