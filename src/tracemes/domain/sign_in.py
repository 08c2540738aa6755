"""How long a sign-in waits after failed tries: exponential backoff, capped, then forgotten."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tracemes.domain.errors import TooManyAttemptsError


@dataclass(frozen=True, slots=True)
class Backoff:
    """The rule for one kind of counter (one account, or one client address)."""

    free_failures: int  # failures allowed before any wait
    first_wait: timedelta  # the wait after the first failure past the free ones
    longest_wait: timedelta  # the cap of the doubling
    forget_after: timedelta  # a quiet spell this long since the last failure starts afresh


# One account: a person mistyping a few times never waits; a guesser soon waits 15 minutes.
ACCOUNT = Backoff(5, timedelta(seconds=2), timedelta(minutes=15), timedelta(hours=1))
# One client address: a station PC or an office behind one NAT serves many people.
ADDRESS = Backoff(20, timedelta(seconds=2), timedelta(minutes=15), timedelta(hours=1))


@dataclass(frozen=True, slots=True)
class Failures:
    """Failed sign-ins counted against one account or address."""

    count: int
    last_failed_at: datetime


def wait_after(count: int, rule: Backoff) -> timedelta:
    """The wait after `count` failures: none for the free ones, then doubling to the cap."""
    beyond = count - rule.free_failures
    if beyond <= 0:
        return timedelta(0)
    if beyond > 40:  # 2**40 seconds is far past any cap; avoid a huge multiplication
        return rule.longest_wait
    doubled: timedelta = rule.first_wait * 2 ** (beyond - 1)
    return min(doubled, rule.longest_wait)


def current(failures: Failures | None, rule: Backoff, now: datetime) -> Failures | None:
    """The failures that still count at `now` (None once forgotten)."""
    if failures is None or now - failures.last_failed_at >= rule.forget_after:
        return None
    return failures


def retry_at(failures: Failures | None, rule: Backoff, now: datetime) -> datetime | None:
    """When the next try is allowed, or None when it is allowed now."""
    live = current(failures, rule, now)
    if live is None:
        return None
    allowed = live.last_failed_at + wait_after(live.count, rule)
    return allowed if allowed > now else None


def after_failure(failures: Failures | None, rule: Backoff, now: datetime) -> Failures:
    """The counter once one more try has failed at `now`."""
    live = current(failures, rule, now)
    return Failures(count=(live.count if live else 0) + 1, last_failed_at=now)


def starts_waiting(failures: Failures, rule: Backoff) -> bool:
    """Whether this failure is the one that locks the account into waiting (audited once)."""
    return failures.count == rule.free_failures + 1


def refuse_until(allowed_at: datetime, now: datetime) -> TooManyAttemptsError:
    """The refusal of a try made during the wait, saying when to try again."""
    seconds = max(1, int(-(-(allowed_at - now).total_seconds() // 1)))  # rounded up
    when = allowed_at.astimezone(UTC).strftime("%H:%M:%S")
    return TooManyAttemptsError(
        f"too many failed sign-ins: try again in {seconds} seconds (at {when} UTC)",
        retry_after_seconds=seconds,
        retry_at=allowed_at,
    )
