from __future__ import annotations

import pytest
from django.core.cache import caches

from consilium.core.throttling import rate_cache


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    """Rate-limit counts live in the cache, which outlives a test's database rollback."""
    rate_cache().clear()
    yield
    caches["default"].clear()
