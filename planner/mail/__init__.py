"""Email for notifications: word each notice and send it, after the action that caused it commits.

Views and the worker call ``send(app, notices, now=...)`` once their transaction is committed.
Sending never raises: a mail server that is down or refuses a message is logged with its stack,
and the action that triggered the mail stands.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime

from flask import Flask

from planner.mail.message import build_message, deliver
from planner.services.notifications import Notice

logger = logging.getLogger(__name__)

__all__ = ["build_message", "deliver", "send"]


def send(app: Flask, notices: Iterable[Notice], *, now: datetime) -> int:
    """Email each notice through the configured SMTP server (or to instance/mail/); returns how many went."""
    notices = list(notices)
    if not notices:
        return 0
    messages = [build_message(app.config, notice, now=now) for notice in notices]
    try:
        return deliver(app.config, messages, instance_path=app.instance_path, now=now)
    except (OSError, smtplib.SMTPException):
        logger.exception(
            "Could not send %d notification email(s) (%s)",
            len(messages),
            ", ".join(sorted({n.kind for n in notices})),
        )
        return 0
