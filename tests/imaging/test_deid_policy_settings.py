"""The DEID_* settings choose the PS3.15 profile options that ingestion applies."""

from __future__ import annotations

import pytest
from django.test import override_settings

from consilium.imaging.deid import deid_policy


def test_defaults_are_the_basic_profile_with_longitudinal_dates_and_characteristics() -> None:
    policy = deid_policy()
    assert policy.retain_longitudinal_dates and policy.retain_patient_characteristics
    assert not (policy.clean_descriptors or policy.clean_structured_content)
    assert not (policy.clean_graphics or policy.retain_safe_private)
    assert policy.trust_burned_in_no == frozenset()


@pytest.mark.parametrize(
    ("setting", "option"),
    [
        ("DEID_CLEAN_DESCRIPTORS", "clean_descriptors"),
        ("DEID_CLEAN_STRUCTURED_CONTENT", "clean_structured_content"),
        ("DEID_CLEAN_GRAPHICS", "clean_graphics"),
        ("DEID_RETAIN_SAFE_PRIVATE", "retain_safe_private"),
    ],
)
def test_each_option_follows_its_setting(setting: str, option: str) -> None:
    with override_settings(**{setting: True}):
        assert getattr(deid_policy(), option) is True


def test_trusted_modalities_are_normalised() -> None:
    with override_settings(DEID_TRUST_BURNED_IN_NO=["us", "SC"]):
        assert deid_policy().trust_burned_in_no == frozenset({"US", "SC"})
