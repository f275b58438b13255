"""Domain errors that views and the API turn into messages and status codes."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base class: ``code`` is the stable API error code, ``message`` one plain sentence."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationError(ServiceError):
    """Input that cannot be accepted; ``fields`` maps each field at fault to its message."""

    code = "validation_error"
    status = 422


class NotFound(ServiceError):
    """The object does not exist or is not visible to this user (never reveal which)."""

    code = "not_found"
    status = 404


class Forbidden(ServiceError):
    """The user may see the object but their role may not do this."""

    code = "forbidden"
    status = 403


class Conflict(ServiceError):
    """The action clashes with the object's current state."""

    code = "conflict"
    status = 409


class GuardrailBlocked(Conflict):
    """Approving would leave a guardrail the workspace set to block; ``warnings`` lists them."""

    code = "guardrail_blocked"

    def __init__(self, message: str, *, warnings: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.warnings = warnings
