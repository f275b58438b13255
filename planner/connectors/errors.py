"""Typed connector failures, one class per action the worker takes."""

from __future__ import annotations


class ConnectorError(Exception):
    """A publish or check failed; ``message`` carries the platform's own words where it gave any."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    def __str__(self) -> str:
        return self.message


class TransientError(ConnectorError):
    """Nothing was published and trying again later may work (connect error, 429, 5xx)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class QuotaWait(TransientError):
    """The account's publishing quota is used up (Instagram 50, Threads 250 posts or 1,000
    replies a day).

    Nothing was sent; the delivery (or inbox answer) waits until ``retry_after`` seconds from now
    with this message as its status detail, without using up an attempt.
    """


class AuthError(ConnectorError):
    """The platform refused the credentials: the channel needs the owner to reconnect it."""


class PermanentError(ConnectorError):
    """The platform refused this post for good (validation, too long, webhook gone)."""


class PostGoneError(PermanentError):
    """The published post is no longer on the platform (deleted): stop reading its figures."""


class UnsafeDestinationError(PermanentError):
    """The URL points at a private or otherwise forbidden address, so no request was made."""


class UnknownOutcomeError(ConnectorError):
    """The request was sent but no answer came back, so the post may or may not exist.

    ``safe_to_retry`` is true only where the platform de-duplicates a retry of the same delivery.
    """

    def __init__(
        self,
        message: str,
        *,
        safe_to_retry: bool,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.safe_to_retry = safe_to_retry


class ConfigError(ConnectorError):
    """The channel's settings are unusable; ``fields`` maps each bad field to a message."""

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        summary = message or "; ".join(f"{name}: {text}" for name, text in fields.items())
        super().__init__(summary or "Invalid channel settings")
        self.fields = dict(fields)
