"""Email for notifications: word each notice and send it, after the action that caused it commits.

Views and the worker call ``send(app, notices, now=...)`` once their transaction is committed.
Sending never raises: a message that cannot be built, a mail server that is down or refuses a
message is logged with its stack, the other messages still go, and the action that triggered the
mail stands.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from flask import Flask

from planner.mail.message import build_message, deliver
from planner.services.notifications import Notice

logger = logging.getLogger(__name__)

__all__ = ["build_message", "deliver", "send"]


def send(app: Flask, notices: Iterable[Notice], *, now: datetime) -> int:
    """Email each notice through the configured SMTP server (or to instance/mail/); returns how many went.

    Never raises: a notice whose email cannot be built is logged and skipped, the others still go.
    """
    notices = list(notices)
    messages = []
    for notice in notices:
        try:
            messages.append(build_message(app.config, notice, now=now))
        except Exception:
            logger.exception(
                "Could not build the %s email about post %s to %r; the others still go",
                notice.kind,
                notice.post_id,
                notice.email,
            )
    if not messages:
        return 0
    try:
        return deliver(app.config, messages, instance_path=app.instance_path, now=now)
    except Exception:
        logger.exception(
            "Could not send %d notification email(s) (%s)",
            len(messages),
            ", ".join(sorted({n.kind for n in notices})),
        )
        return 0
