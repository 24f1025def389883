from __future__ import annotations

import uuid

from consilium.accounts.models import Site
from consilium.analyses.models import Analysis


def analysis_get(*, site: Site, analysis_id: str) -> Analysis | None:
    try:
        pk = uuid.UUID(str(analysis_id))
    except ValueError:
        return None
    return (
        Analysis.objects.filter(site=site, pk=pk)
        .select_related("model_version", "study")
        .prefetch_related("predictions")
        .first()
    )
