"""Bluesky's side of the inbox: replies in our posts' threads, mentions, and answering them.

Replies come from ``app.bsky.feed.getPostThread``, mentions and replies from
``app.bsky.notification.listNotifications`` (both through the account's PDS, which forwards
them to the AppView). An answer is a post record with ``reply.root`` and ``reply.parent``
strong references, created at the answer's own record key: a retry reads that key first
(``com.atproto.repo.getRecord``), so an answer is never made twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from planner.connectors import atproto
from planner.connectors import bluesky as bsky
from planner.connectors import text as textlib
from planner.connectors.errors import PermanentError, TransientError, UnknownOutcomeError
from planner.connectors.http import HttpClient
from planner.connectors.inbox import MENTION, REPLY, Incoming, SentAnswer, parse_time
from planner.timeutils import utcnow

if TYPE_CHECKING:
    from datetime import datetime

    from planner.connectors.bluesky import BlueskyConnector

logger = logging.getLogger(__name__)

THREAD_DEPTH = "10"
NOTIFICATIONS_PAGE = 50
NOTIFICATION_PAGES = 3
INBOX_REASONS = {"reply": REPLY, "mention": MENTION}


def replies(
    connector: BlueskyConnector, external_id: str, since: datetime | None
) -> list[Incoming]:
    """Return the posts others wrote under our post *external_id*; none when it was deleted."""
    client = HttpClient(connector.options)
    thread = _thread(connector, client, external_id, THREAD_DEPTH)
    if thread is None:
        logger.info("Bluesky post %s is gone; no replies to read", external_id)
        return []
    own = connector.state.get("did")
    now = utcnow()
    found: list[Incoming] = []
    waiting = list(thread.get("replies") or [])
    while waiting:
        node = waiting.pop(0)
        if not isinstance(node, dict) or not isinstance(node.get("post"), dict):
            continue  # a blocked or deleted reply
        waiting.extend(node.get("replies") or [])
        post = node["post"]
        item = _incoming(post, post.get("record"), REPLY, now)
        if item is None or _author(post).get("did") == own:
            continue
        if since is None or item.received_at > since:
            found.append(item)
    return found


def mentions(connector: BlueskyConnector, since: datetime | None) -> list[Incoming]:
    """Return the replies and mentions among the account's notifications after *since*."""
    client = HttpClient(connector.options)
    now = utcnow()
    found: list[Incoming] = []
    cursor: str | None = None
    for _ in range(NOTIFICATION_PAGES):
        params = {"limit": str(NOTIFICATIONS_PAGE)}
        if cursor:
            params["cursor"] = cursor
        data = connector._call(
            client, "GET", "app.bsky.notification.listNotifications", params=params
        ).json_object()
        page = [n for n in data.get("notifications") or [] if isinstance(n, dict)]
        older = False
        for note in page:
            if since is not None and parse_time(note.get("indexedAt"), now) <= since:
                older = True
                continue
            kind = INBOX_REASONS.get(str(note.get("reason")))
            item = _incoming(note, note.get("record"), kind, now) if kind else None
            if item is not None:
                found.append(item)
        cursor = data.get("cursor") if isinstance(data.get("cursor"), str) else None
        if older or not cursor or len(page) < NOTIFICATIONS_PAGE:
            break
    return found


def reply(
    connector: BlueskyConnector, to_external_id: str, text: str, key: str, *, attempt: int = 1
) -> SentAnswer:
    """Answer the post *to_external_id* at record key *key*, or return the answer made before."""
    if not bsky.TID.match(key):
        raise PermanentError("The answer's key is not a Bluesky record key")
    text = connector._refuse_answer_if_too_long(text)
    client = HttpClient(connector.options)
    if not connector._has_session():
        connector._create_session(client)
    if attempt > 1 and connector._find_post(client, key) is not None:
        logger.info("Bluesky answer at %s had already landed", key)
        return _sent(connector, key)
    thread = _thread(connector, client, to_external_id, "0")
    post = thread.get("post") if thread else None
    if not isinstance(post, dict) or not _is_ref(post):
        raise PermanentError("The post you are answering was deleted")
    parent = {"uri": post["uri"], "cid": post["cid"]}
    record_of_parent = post.get("record")
    above = record_of_parent.get("reply") if isinstance(record_of_parent, dict) else None
    root: Any = above.get("root") if isinstance(above, dict) else None
    record: dict[str, Any] = {
        "$type": bsky.POST_COLLECTION,
        "text": text,
        "createdAt": atproto.timestamp(utcnow()),
        "reply": {"root": _ref(root) if _is_ref(root) else parent, "parent": parent},
    }
    facets = textlib.bluesky_facets(text)
    if facets:
        record["facets"] = facets
    body = {"repo": connector.state["did"], "collection": bsky.POST_COLLECTION, "rkey": key}
    try:
        response = connector._call(
            client, "POST", "com.atproto.repo.createRecord", json={**body, "record": record}
        )
    except TransientError as exc:
        # The reference PDS answers 500 to a create at an existing key: look first.
        if exc.status is not None and exc.status >= 500:
            if connector._find_post(client, key) is not None:
                return _sent(connector, key)
        raise
    try:
        uri = response.json_object().get("uri")
    except PermanentError as exc:
        raise UnknownOutcomeError(
            f"{exc.message}; the answer may have been published", safe_to_retry=True
        ) from exc
    return _sent(connector, key, uri if isinstance(uri, str) else None)


def _thread(
    connector: BlueskyConnector, client: HttpClient, uri: str, depth: str
) -> dict[str, Any] | None:
    """Return the thread view of *uri*, or None when the post no longer exists."""
    try:
        data = connector._call(
            client,
            "GET",
            "app.bsky.feed.getPostThread",
            params={"uri": uri, "depth": depth, "parentHeight": "0"},
        ).json_object()
    except PermanentError as exc:
        if exc.code == "NotFound" or exc.status == 404:
            return None
        raise
    thread = data.get("thread")
    if not isinstance(thread, dict) or thread.get("notFound") or "post" not in thread:
        return None
    return thread


def _incoming(view: dict[str, Any], record: Any, kind: str, now: datetime) -> Incoming | None:
    """An Incoming from a post view or a notification (both carry uri, author and record)."""
    uri = view.get("uri")
    if not isinstance(uri, str) or not isinstance(record, dict):
        return None
    author = _author(view)
    handle = str(author.get("handle") or author.get("did") or "")
    reply_to = record.get("reply")
    parent: Any = reply_to.get("parent") if isinstance(reply_to, dict) else None
    rkey = uri.rsplit("/", 1)[-1]
    return Incoming(
        external_id=uri,
        kind=kind,
        author_name=str(author.get("displayName") or handle),
        author_handle=f"@{handle}" if handle else "",
        author_url=f"https://bsky.app/profile/{handle}" if handle else None,
        text=str(record.get("text") or "").strip(),
        url=f"https://bsky.app/profile/{handle}/post/{rkey}" if handle else None,
        received_at=parse_time(record.get("createdAt") or view.get("indexedAt"), now),
        in_reply_to=parent["uri"] if _is_ref(parent) else None,
    )


def _author(view: dict[str, Any]) -> dict[str, Any]:
    author = view.get("author")
    return author if isinstance(author, dict) else {}


def _is_ref(value: Any) -> bool:
    """A strong reference: a record's uri and the cid of the version meant."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("uri"), str)
        and isinstance(value.get("cid"), str)
    )


def _ref(value: dict[str, Any]) -> dict[str, str]:
    return {"uri": value["uri"], "cid": value["cid"]}


def _sent(connector: BlueskyConnector, key: str, uri: str | None = None) -> SentAnswer:
    result = connector._result(key, uri)
    return SentAnswer(result.external_id, result.external_url)
