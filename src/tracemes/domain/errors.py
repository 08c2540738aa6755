"""Refusals in the user's words. Each carries a stable snake_case `code` for API clients."""


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
