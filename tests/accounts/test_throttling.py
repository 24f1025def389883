from __future__ import annotations

import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ImproperlyConfigured

from consilium.core.throttling import Rate, RateError, default_rate, rate_limit_consume

WINDOW_START = 1_800_000_000.0  # a multiple of 60: the start of a minute window


@pytest.fixture
def cache() -> LocMemCache:
    return LocMemCache(f"rate-tests-{uuid.uuid4()}", {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("600/minute", Rate(600, 60)),
        ("10/s", Rate(10, 1)),
        (" 5000 / hours ", Rate(5000, 3600)),
        ("1/day", Rate(1, 86400)),
    ],
)
def test_rates_are_read_in_the_usual_forms(text, expected) -> None:
    assert Rate.parse(text) == expected


@pytest.mark.parametrize("text", ["", "600", "0/minute", "-1/minute", "ten/minute", "5/fortnight"])
def test_unreadable_rates_say_what_form_to_use(text) -> None:
    with pytest.raises(RateError, match="requests>/<second"):
        Rate.parse(text)


def test_the_setting_is_read_with_a_default(settings) -> None:
    del settings.API_RATE_LIMIT
    assert default_rate() == Rate(600, 60)
    settings.API_RATE_LIMIT = "30/second"
    assert default_rate() == Rate(30, 1)
    settings.API_RATE_LIMIT = ""
    assert default_rate() is None
    settings.API_RATE_LIMIT = "lots"
    with pytest.raises(ImproperlyConfigured, match="API_RATE_LIMIT"):
        default_rate()


def test_a_full_window_is_refused_until_it_has_slid_past(cache) -> None:
    rate = Rate(3, 60)
    decisions = [
        rate_limit_consume(key="a", rate=rate, now=WINDOW_START + 10, cache=cache) for _ in range(4)
    ]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
    # The three requests weigh fully until the next window starts at +60 s, then fade:
    # 3 * (60 - t) / 60 + 1 <= 3 at t = 20 s into the next window, i.e. 70 s from now.
    assert decisions[3].retry_after == 70
    assert not rate_limit_consume(key="a", rate=rate, now=WINDOW_START + 79, cache=cache).allowed
    assert rate_limit_consume(key="a", rate=rate, now=WINDOW_START + 80, cache=cache).allowed


def test_refused_requests_are_not_counted_and_keys_are_separate(cache) -> None:
    rate = Rate(2, 60)
    for _ in range(2):
        assert rate_limit_consume(key="a", rate=rate, now=WINDOW_START, cache=cache).allowed
    for _ in range(5):
        assert not rate_limit_consume(key="a", rate=rate, now=WINDOW_START + 1, cache=cache).allowed
    assert rate_limit_consume(key="b", rate=rate, now=WINDOW_START + 1, cache=cache).allowed
    # Had the refusals counted, the previous window would still weigh 7 requests here.
    assert rate_limit_consume(key="a", rate=rate, now=WINDOW_START + 60 + 31, cache=cache).allowed


def test_a_window_boundary_does_not_double_the_rate(cache) -> None:
    rate = Rate(10, 60)
    for _ in range(10):
        assert rate_limit_consume(key="a", rate=rate, now=WINDOW_START + 59, cache=cache).allowed
    # One second later a fixed window would admit ten more; the sliding one admits none.
    refused = rate_limit_consume(key="a", rate=rate, now=WINDOW_START + 60, cache=cache)
    assert not refused.allowed
    # 10 * (60 - t) / 60 + 1 <= 10 at t = 6 s.
    assert refused.retry_after == 6
    assert rate_limit_consume(key="a", rate=rate, now=WINDOW_START + 66, cache=cache).allowed
