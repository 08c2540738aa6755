"""The backoff after failed sign-ins, and what a password and a token must be: pure rules."""

from datetime import UTC, datetime, timedelta

import pytest

from tracemes.domain.credentials import check_password, token_expiry
from tracemes.domain.errors import InvalidInputError
from tracemes.domain.sign_in import (
    ACCOUNT,
    ADDRESS,
    after_failure,
    refuse_until,
    retry_at,
    starts_waiting,
    wait_after,
)

NOW = datetime(2026, 3, 16, 8, 30, tzinfo=UTC)


def test_five_failures_are_free_then_each_waits_twice_as_long_up_to_fifteen_minutes() -> None:
    waits = [wait_after(count, ACCOUNT).total_seconds() for count in range(1, 17)]

    assert waits == [0, 0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert wait_after(10**9, ACCOUNT) == timedelta(minutes=15)


def test_an_address_gets_twenty_free_failures_for_the_people_behind_it() -> None:
    assert wait_after(20, ADDRESS) == timedelta(0)
    assert wait_after(21, ADDRESS) == timedelta(seconds=2)


def test_a_try_during_the_wait_is_refused_with_when_to_retry() -> None:
    failures = None
    for _ in range(6):
        failures = after_failure(failures, ACCOUNT, NOW)

    assert failures is not None
    assert retry_at(failures, ACCOUNT, NOW) == NOW + timedelta(seconds=2)
    assert retry_at(failures, ACCOUNT, NOW + timedelta(seconds=2)) is None
    refusal = refuse_until(NOW + timedelta(seconds=2), NOW + timedelta(milliseconds=500))
    assert str(refusal) == "too many failed sign-ins: try again in 2 seconds (at 08:30:02 UTC)"
    assert refusal.retry_after_seconds == 2
    assert refusal.code == "too_many_attempts"


def test_failures_are_forgotten_after_an_hour_without_one() -> None:
    failures = None
    for _ in range(12):
        failures = after_failure(failures, ACCOUNT, NOW)

    later = NOW + timedelta(hours=1)
    assert retry_at(failures, ACCOUNT, later) is None
    assert after_failure(failures, ACCOUNT, later).count == 1


def test_the_sixth_failure_is_the_lockout_and_only_it() -> None:
    failures = None
    locks = []
    for _ in range(9):
        failures = after_failure(failures, ACCOUNT, NOW)
        locks.append(starts_waiting(failures, ACCOUNT))
    assert locks == [False] * 5 + [True] + [False] * 3


COMMON = {"password", "qwertyuiop", "password123"}


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("demo", "at least 10 characters, or be a phrase of 4 words"),
        ("s3cr3t!", "at least 10 characters"),
        ("a b c d", "at least 10 characters"),
        ("QwertyUiop", "most common passwords"),
        ("password123", "most common passwords"),
        ("li.wei.2026", "must not be the user name"),
    ],
)
def test_a_weak_password_is_refused_saying_why(password: str, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason) as refused:
        check_password(password, "li.wei.2026", COMMON)
    assert refused.value.field == "password"


@pytest.mark.parametrize("password", ["correct horse", "红 色 电动 车", "tall blue bike gear"])
def test_a_long_password_or_a_phrase_of_four_words_is_accepted(password: str) -> None:
    assert check_password(password, "wang", COMMON) == password


def test_a_token_lives_the_days_asked_but_never_past_the_maximum() -> None:
    assert token_expiry(NOW, 90, 365) == NOW + timedelta(days=90)
    with pytest.raises(InvalidInputError, match="at most 365 days"):
        token_expiry(NOW, 366, 365)
    with pytest.raises(InvalidInputError, match="at least 1 day"):
        token_expiry(NOW, 0, 365)
