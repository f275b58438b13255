"""Domain errors that views and the API turn into messages and status codes."""

from __future__ import annotations

from typing import Any


def error_body(
    code: str, message: str, fields: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    """The one shape of every error the API and the UI's JSON endpoints answer with."""
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


class ServiceError(Exception):
    """Base class: ``code`` is the stable API error code, ``message`` one plain sentence."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body for this error."""
        return error_body(self.code, self.message, self.fields)


class BadRequest(ServiceError):
    """A request that cannot be read at all (not JSON, a malformed query parameter)."""

    code = "bad_request"
    status = 400


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

    def to_dict(self) -> dict[str, Any]:
        """The error body, with the guardrail findings that block."""
        return error_body(self.code, self.message, self.fields, warnings=self.warnings)
