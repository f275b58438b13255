"""Building notification emails and handing them to SMTP, or to .eml files for local use."""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from planner.services.notifications import Notice
from planner.services.text import flatten

logger = logging.getLogger(__name__)

SUBJECTS = {
    "submitted": "Review needed: {excerpt}",
    "approved": "Approved: {excerpt}",
    "rejected": "Changes requested: {excerpt}",
    "expired": "Expired in review: {excerpt}",
    "publish_failed": "Not published: {excerpt}",
    "publish_missed": "Missed its time: {excerpt}",
    "token_expiring": "Reconnect soon: {excerpt}",
}
# The subject of one email about several posts (one action on many), by kind.
DIGESTS = {
    "submitted": "Review needed: {count} posts",
    "approved": "Approved: {count} posts",
    "rejected": "Changes requested: {count} posts",
    "expired": "Expired in review: {count} posts",
    "publish_failed": "Not published: {count} posts",
    "publish_missed": "Missed their time: {count} posts",
    "token_expiring": "Reconnect soon: {count} channels",
}


def post_url(config: Mapping[str, Any], post_id: int) -> str:
    """Return the post's page on this planner, from BASE_URL (mail has no request to build it)."""
    return f"{str(config['BASE_URL']).rstrip('/')}/posts/{post_id}"


def open_line(config: Mapping[str, Any], notice: Notice) -> str:
    """The email's link line: the post's page, or the page the notice names."""
    if notice.link:
        return f"Open: {str(config['BASE_URL']).rstrip('/')}{notice.link}"
    return f"Open the post: {post_url(config, notice.post_id or 0)}"


def build_message(config: Mapping[str, Any], notice: Notice, *, now: datetime) -> EmailMessage:
    """Word one notice as a plain-text email to its one recipient."""
    subject = SUBJECTS.get(notice.kind, "{excerpt}").format(excerpt=notice.post_excerpt)
    # Names were typed by people: flattened, one stored before line breaks were refused cannot
    # add a header. The address is kept as it is: one that is not a valid header fails here.
    name, workspace = flatten(notice.name), flatten(notice.workspace_name)
    lines = [f"Hello {name},", "", notice.message, ""]
    if notice.detail:
        lines += [*(f"> {line}" for line in notice.detail.splitlines()), ""]
    lines += [
        open_line(config, notice),
        "",
        f"-- Planner for {workspace}",
    ]
    return _envelope(config, name, notice.email, f"[{workspace}] {subject}", lines, now)


def build_digest(
    config: Mapping[str, Any], notices: Sequence[Notice], *, now: datetime
) -> EmailMessage:
    """Word several notices to one person (one action on many posts) as one email."""
    first = notices[0]
    name, workspace = flatten(first.name), flatten(first.workspace_name)
    kinds = {n.kind for n in notices}
    about = DIGESTS.get(first.kind, "{count} updates") if len(kinds) == 1 else "{count} updates"
    lines = [f"Hello {name},", ""]
    for notice in notices:
        lines += [notice.message]
        if notice.detail:
            lines += [f"> {line}" for line in notice.detail.splitlines()]
        lines += [open_line(config, notice), ""]
    lines += [f"-- Planner for {workspace}"]
    subject = f"[{workspace}] {about.format(count=len(notices))}"
    return _envelope(config, name, first.email, subject, lines, now)


def build_invitation(
    config: Mapping[str, Any],
    *,
    email: str,
    inviter: str,
    workspace_name: str,
    role: str,
    link: str,
    now: datetime,
) -> EmailMessage:
    """Word an invitation to join a workspace, with its one-time link."""
    inviter, workspace = flatten(inviter), flatten(workspace_name)
    lines = [
        "Hello,",
        "",
        f"{inviter} invites you to plan posts for {workspace} as {flatten(role)}.",
        "",
        f"Join here (the link works once and expires in a few days): {link}",
        "",
        f"-- Planner for {workspace}",
    ]
    subject = f"[{workspace}] {inviter} invites you to join"
    return _envelope(config, email, email, subject, lines, now)


def _envelope(
    config: Mapping[str, Any],
    name: str,
    email: str,
    subject: str,
    lines: Sequence[str],
    now: datetime,
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = flatten(subject)
    msg["From"] = config["SMTP_FROM"]
    msg["To"] = formataddr((name, email)) if name != email else email
    msg["Date"] = format_datetime(now)
    # An explicit domain: make_msgid would otherwise ask DNS for this machine's name.
    msg["Message-ID"] = make_msgid(domain=urlsplit(str(config["BASE_URL"])).hostname or "planner")
    msg.set_content("\n".join(lines))
    return msg


def deliver(
    config: Mapping[str, Any],
    messages: Sequence[EmailMessage],
    *,
    instance_path: str,
    now: datetime,
) -> int:
    """Send *messages* over one SMTP connection, or write them to instance/mail/ without SMTP_HOST.

    A message that cannot be sent is logged and skipped; a server that cannot be reached (or
    drops the connection) raises.
    """
    if not config.get("SMTP_HOST"):
        return _write_files(Path(instance_path) / "mail", messages, now)
    sent = 0
    with smtplib.SMTP(
        config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=float(config["SMTP_TIMEOUT"])
    ) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
        for msg in messages:
            try:
                smtp.send_message(msg)
            except smtplib.SMTPServerDisconnected:
                raise  # the rest cannot go either; the caller logs it
            except Exception:
                logger.exception("Could not send the email to %r; the others still go", msg["To"])
            else:
                sent += 1
    return sent


def _write_files(folder: Path, messages: Sequence[EmailMessage], now: datetime) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for msg in messages:
        name = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        partial = folder / f".{name}.tmp"
        try:
            partial.write_bytes(msg.as_bytes())
        except Exception:
            logger.exception("Could not write the email to %r; the others still go", msg["To"])
            partial.unlink(missing_ok=True)
            continue
        partial.replace(folder / name)  # readers never see half a message
        written += 1
    return written
