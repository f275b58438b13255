"""Mastodon's side of the inbox: replies under our statuses, mentions, and answering them.

Replies are a status context's descendants; mentions come from the account's notifications.
An answer is a status with ``in_reply_to_id``, sent with the answer's ``Idempotency-Key``; as
some Mastodon-compatible servers ignore that header, a retry first looks in the thread for an
answer of ours with the same text and returns it instead of posting a second one.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from planner.connectors.errors import PermanentError, UnknownOutcomeError
from planner.connectors.http import HttpClient
from planner.connectors.inbox import MENTION, REPLY, Incoming, SentAnswer, parse_time, plain_text
from planner.connectors.replies import error_for_response
from planner.timeutils import utcnow

if TYPE_CHECKING:
    from datetime import datetime

    from planner.connectors.mastodon import MastodonConnector

logger = logging.getLogger(__name__)

NOTIFICATIONS_PAGE = 40
NOTIFICATION_PAGES = 3  # at most 120 mentions per look: a small shop's busiest day
# A reply keeps the audience of what it answers: never public under a followers-only post.
NARROWER = ("unlisted", "private", "direct")


def replies(
    connector: MastodonConnector, external_id: str, since: datetime | None
) -> list[Incoming]:
    """Return the descendants of our status that others wrote; none when it was deleted."""
    client = HttpClient(connector.options)
    own = _own_account_id(connector, client)
    context = _context(connector, client, external_id)
    if context is None:
        logger.info("Mastodon status %s is gone; no replies to read", external_id)
        return []
    now = utcnow()
    found = []
    for status in context.get("descendants") or []:
        item = _incoming(status, REPLY, now)
        if item is None or _author_id(status) == own:
            continue
        if since is None or item.received_at > since:
            found.append(item)
    return found


def mentions(connector: MastodonConnector, since: datetime | None) -> list[Incoming]:
    """Return the statuses that mention the account, newest first, notified after *since*."""
    client = HttpClient(connector.options)
    now = utcnow()
    found: list[Incoming] = []
    max_id: str | None = None
    for _ in range(NOTIFICATION_PAGES):
        params = {"types[]": "mention", "limit": str(NOTIFICATIONS_PAGE)}
        if max_id:
            params["max_id"] = max_id
        page = client.request(
            "GET", connector._url("/api/v1/notifications"), params=params, headers=connector._auth()
        ).json()
        if not isinstance(page, list) or not page:
            break
        older = False
        for notification in page:
            if not isinstance(notification, dict):
                continue
            if since is not None and parse_time(notification.get("created_at"), now) <= since:
                older = True
                continue
            status = notification.get("status")
            item = _incoming(status, MENTION, now) if isinstance(status, dict) else None
            if item is not None:
                found.append(item)  # the inbox tells a reply to one of our posts by in_reply_to
        max_id = str(page[-1].get("id") or "") if isinstance(page[-1], dict) else ""
        if older or len(page) < NOTIFICATIONS_PAGE or not max_id:
            break
    return found


def reply(
    connector: MastodonConnector, to_external_id: str, text: str, key: str, *, attempt: int = 1
) -> SentAnswer:
    """Answer the status *to_external_id* with *text*; a retry looks for the first try first."""
    client = HttpClient(connector.options)
    if "max_characters" not in connector.state:
        connector._load_limits(client)
    text = connector._refuse_answer_if_too_long(text)
    parent = client.request(
        "GET", connector._url(f"/api/v1/statuses/{_segment(to_external_id)}"),
        headers=connector._auth(), check=False,
    )  # fmt: skip
    if parent.status == 404:
        raise PermanentError("The post you are answering was deleted", status=404)
    if not parent.ok:
        raise error_for_response(parent)
    if attempt > 1:
        landed = _find_answer(connector, client, to_external_id, text)
        if landed is not None:
            logger.info("Mastodon answer to %s had already landed", to_external_id)
            return landed
    visibility = parent.json_object().get("visibility")
    response = client.request(
        "POST",
        connector._url("/api/v1/statuses"),
        json={
            "status": text,
            "in_reply_to_id": to_external_id,
            "visibility": visibility if visibility in NARROWER else "public",
        },
        headers={**connector._auth(), "Idempotency-Key": key},
        safe_to_retry=True,
    )
    try:
        status = response.json_object()
    except PermanentError as exc:
        raise UnknownOutcomeError(
            f"{exc.message}; the answer may have been published", safe_to_retry=True
        ) from exc
    return SentAnswer(_text(status.get("id")) or None, status.get("url") or status.get("uri"))


def _find_answer(
    connector: MastodonConnector, client: HttpClient, to_external_id: str, text: str
) -> SentAnswer | None:
    """Return our answer to *to_external_id* with this text, if an earlier attempt made it."""
    own = _own_account_id(connector, client)
    context = _context(connector, client, to_external_id) or {}
    wanted = _same(text)
    for status in context.get("descendants") or []:
        if (
            isinstance(status, dict)
            and _author_id(status) == own
            and _text(status.get("in_reply_to_id")) == to_external_id
            and _same(plain_text(_text(status.get("content")))) == wanted
        ):
            return SentAnswer(_text(status.get("id")), status.get("url") or status.get("uri"))
    return None


def _context(
    connector: MastodonConnector, client: HttpClient, status_id: str
) -> dict[str, Any] | None:
    response = client.request(
        "GET",
        connector._url(f"/api/v1/statuses/{_segment(status_id)}/context"),
        headers=connector._auth(),
        check=False,
    )
    if response.status in (404, 410):
        return None
    if not response.ok:
        raise error_for_response(response)
    return response.json_object()


def _own_account_id(connector: MastodonConnector, client: HttpClient) -> str:
    """The account's id on its server, read once and kept in the channel's state."""
    known = connector.state.get("account_id")
    if known:
        return str(known)
    account = client.request(
        "GET", connector._url("/api/v1/accounts/verify_credentials"), headers=connector._auth()
    ).json_object()
    account_id = _text(account.get("id"))
    if not account_id:
        raise PermanentError("Mastodon did not say which account the token belongs to")
    connector._set_state(account_id=account_id)
    return account_id


def _incoming(status: dict[str, Any], kind: str, now: datetime) -> Incoming | None:
    status_id = _text(status.get("id"))
    if not status_id:
        return None
    found = status.get("account")
    account: dict[str, Any] = found if isinstance(found, dict) else {}
    acct = _text(account.get("acct") or account.get("username"))
    return Incoming(
        external_id=status_id,
        kind=kind,
        author_name=_text(account.get("display_name")) or acct,
        author_handle=f"@{acct}" if acct else "",
        author_url=_text(account.get("url")) or None,
        text=plain_text(_text(status.get("content"))),
        url=_text(status.get("url") or status.get("uri")) or None,
        received_at=parse_time(status.get("created_at"), now),
        in_reply_to=_text(status.get("in_reply_to_id")) or None,
    )


def _author_id(status: Any) -> str:
    account = status.get("account") if isinstance(status, dict) else None
    return _text(account.get("id")) if isinstance(account, dict) else ""


def _text(value: Any) -> str:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _same(text: str) -> str:
    return " ".join(text.split())


def _segment(status_id: str) -> str:
    """A status id as one path segment: whatever a server sent, it cannot leave the path."""
    return quote(status_id, safe="")
