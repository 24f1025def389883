"""Fixtures for the de-identification tests: pure Python, no database, no media, no broker."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_root() -> None:
    """Overrides the suite-wide media fixture: these tests need no Django settings at all."""


@pytest.fixture
def secret() -> bytes:
    return b"consilium-test-secret-0123456789abcdef"
