"""Stored files follow their rows: deleting an instance or an explanation deletes its files.

Django leaves a FileField's file behind when the row goes (rows may be deleted in a transaction
that rolls back). Here the files go once the deletion has committed, so a rolled-back delete keeps
them and a committed one leaves no de-identified pixels or heat maps behind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import transaction

logger = logging.getLogger(__name__)


def stored_files_delete_on_commit(paths: Iterable[str]) -> None:
    """Delete these storage paths after the current transaction commits (now without one)."""
    names = [path for path in paths if path]
    if not names:
        return

    def delete() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:  # already gone, or the store refuses: the row is gone either way
                logger.warning("Could not delete stored file %s", name)

    transaction.on_commit(delete)
