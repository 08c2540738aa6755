"""Refusals in the user's words. Each carries a stable snake_case `code` for API clients."""

from collections.abc import Sequence
from dataclasses import dataclass


class DomainError(Exception):
    """A request the rules refuse; nothing was changed."""

    code = "conflict"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class NotFoundError(DomainError):
    """The named object does not exist for this tenant (another tenant's is never revealed)."""

    code = "not_found"

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key} not found")
        self.what = what
        self.key = key


class InvalidInputError(DomainError):
    """The input itself is wrong, whatever the state of the factory."""

    code = "validation"

    def __init__(self, field: str, message: str, *, code: str | None = None) -> None:
        super().__init__(f"{field}: {message}", code=code)
        self.field = field


class TooLargeError(InvalidInputError):
    """An upload past one of the bounds on its size, rows, cells or reading time."""

    code = "too_large"


class ConflictError(DomainError):
    """The input is well formed but clashes with what is stored."""

    code = "conflict"


class AlreadyExistsError(ConflictError):
    """A business key is taken within this tenant."""

    code = "already_exists"

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key} already exists")


class InvalidTransitionError(ConflictError):
    """A lifecycle move the status rules forbid."""

    code = "invalid_transition"


class IdempotencyConflictError(ConflictError):
    """The same idempotency key was used for a different request."""

    code = "idempotency_key_reused"


class NotAuthenticatedError(DomainError):
    """No valid token or session."""

    code = "not_authenticated"


class PermissionDeniedError(DomainError):
    """The user's role does not allow this action."""

    code = "forbidden"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row of an uploaded file was refused, and where it sits (sheet and row)."""

    sheet: str
    row: int | None
    reason: str

    def __str__(self) -> str:
        where = self.sheet if self.row is None else f"{self.sheet}!row {self.row}"
        return f"{where}: {self.reason}" if where else self.reason


class ImportRejectedError(InvalidInputError):
    """An uploaded file with wrong rows; none of it was stored. The first MAX_LISTED problems
    are kept, each reason cut to MAX_REASON characters; `more` counts the rest."""

    code = "import_rejected"
    MAX_LISTED = 100
    MAX_REASON = 300

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        count = len(problems)
        self.problems = tuple(_shortened(p, self.MAX_REASON) for p in problems[: self.MAX_LISTED])
        self.more = count - len(self.problems)
        listed = "; ".join(str(problem) for problem in self.problems[:10])
        rest = count - min(count, 10)
        super().__init__(
            "file",
            f"nothing was imported, {count} problem{'' if count == 1 else 's'}: {listed}"
            + (f"; and {rest} more" if rest else ""),
            code=self.code,
        )


def _shortened(problem: RowProblem, limit: int) -> RowProblem:
    if len(problem.reason) <= limit:
        return problem
    return RowProblem(problem.sheet, problem.row, problem.reason[: limit - 1] + "…")
