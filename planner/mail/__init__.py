"""Email for notifications: word each notice and send it, after the action that caused it commits.

Views and the worker call ``send(app, notices, now=...)`` once their transaction is committed;
the members page calls ``send_invitation`` for an invitation given an address.
Sending never raises: a message that cannot be built, a mail server that is down or refuses a
message is logged with its stack, the other messages still go, and the action that triggered the
mail stands.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from email.message import EmailMessage

from flask import Flask

from planner.mail.message import (
    build_digest,
    build_inbox_digest,
    build_invitation,
    build_message,
    deliver,
)
from planner.services.notifications import Notice

logger = logging.getLogger(__name__)

__all__ = [
    "build_digest",
    "build_inbox_digest",
    "build_invitation",
    "build_message",
    "deliver",
    "send",
    "send_messages",
    "send_invitation",
]


def send(app: Flask, notices: Iterable[Notice], *, now: datetime) -> int:
    """Email the notices through the configured SMTP server (or to instance/mail/); returns how
    many emails went.

    Each person gets one email: several notices to the same address (an action on many posts)
    are worded together. Never raises: an email that cannot be built is logged and skipped.
    """
    notices = list(notices)
    by_person: dict[str, list[Notice]] = {}
    for notice in notices:
        by_person.setdefault(notice.email, []).append(notice)
    messages = []
    for email, theirs in by_person.items():
        try:
            if len(theirs) == 1:
                messages.append(build_message(app.config, theirs[0], now=now))
            else:
                messages.append(build_digest(app.config, theirs, now=now))
        except Exception:
            logger.exception(
                "Could not build the %s email about post %s to %r; the others still go",
                ", ".join(sorted({n.kind for n in theirs})),
                ", ".join(str(n.post_id) for n in theirs),
                email,
            )
    return _deliver(app, messages, ", ".join(sorted({n.kind for n in notices})), now)


def send_invitation(
    app: Flask,
    *,
    email: str,
    inviter: str,
    workspace_name: str,
    role: str,
    link: str,
    now: datetime,
) -> bool:
    """Email an invitation link; False (logged) when it could not go, so the owner copies it."""
    try:
        message = build_invitation(
            app.config,
            email=email,
            inviter=inviter,
            workspace_name=workspace_name,
            role=role,
            link=link,
            now=now,
        )
    except Exception:
        logger.exception("Could not build the invitation email to %r", email)
        return False
    return _deliver(app, [message], "invitation", now) == 1


def send_messages(app: Flask, messages: list[EmailMessage], *, what: str, now: datetime) -> int:
    """Send messages built elsewhere (the inbox digest); never raises, returns how many went."""
    return _deliver(app, messages, what, now)


def _deliver(app: Flask, messages: list[EmailMessage], what: str, now: datetime) -> int:
    if not messages:
        return 0
    try:
        return deliver(app.config, messages, instance_path=app.instance_path, now=now)
    except Exception:
        logger.exception("Could not send %d email(s) (%s)", len(messages), what)
        return 0
