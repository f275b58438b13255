"""Threads' side of the inbox: the replies in our posts' conversations, and answering them.

Replies come from a post's ``/conversation`` edge (every reply in the tree, flattened; it needs
``threads_read_replies``). An answer is a TEXT container with ``reply_to_id``, published like
a post (``threads_manage_replies``). Threads takes no idempotency key, so a retry first reads
the replies under the one answered (``/{id}/replies``) and returns an answer of ours with the
same text instead of publishing a second one; a container left unpublished is harmless (it
expires after 24 hours), so none is kept between attempts. A profile may publish 1,000 replies
in 24 hours (read, like the posts' quota, from ``threads_publishing_limit``): past them an
answer waits (``QuotaWait``) instead of failing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from planner.connectors import threads as th
from planner.connectors import tokens
from planner.connectors.errors import PermanentError
from planner.connectors.http import HttpClient
from planner.connectors.inbox import REPLY, Incoming, SentAnswer
from planner.timeutils import utcnow

if TYPE_CHECKING:
    from datetime import datetime

    from planner.connectors.threads import ThreadsConnector

logger = logging.getLogger(__name__)

REPLY_FIELDS = "id,text,username,timestamp,permalink,replied_to,is_reply_owned_by_me"
PAGE = "100"
PAGES = 3  # at most 300 replies per post and look
GONE_SUBCODE = 33  # "object with ID ... does not exist": deleted
DAILY_REPLIES = 1000  # API-published replies per profile in a moving 24 hours


def replies(
    connector: ThreadsConnector, external_id: str, since: datetime | None
) -> list[Incoming]:
    """Return the replies others wrote anywhere under our post; none when it was deleted."""
    client = HttpClient(connector.options)
    found: list[Incoming] = []
    now = utcnow()
    conversation = _edge(connector, client, external_id, "conversation")
    if conversation is None:
        logger.info("Threads post %s is gone; no replies to read", external_id)
        return []
    for node in conversation:
        item = _incoming(node, now)
        if item is None or _is_ours(connector, node):
            continue
        if since is None or item.received_at > since:
            found.append(item)
    return found


def mentions(connector: ThreadsConnector, since: datetime | None) -> list[Incoming]:
    """Return nothing: planner reads the replies under its posts, and does not ask for the
    mentions permission (``threads_manage_mentions``, which needs Meta's advanced access).
    """
    return []


def reply(
    connector: ThreadsConnector, to_external_id: str, text: str, key: str, *, attempt: int = 1
) -> SentAnswer:
    """Answer the reply *to_external_id* with *text*; a retry looks for the first try first."""
    text = connector._refuse_answer_if_too_long(text)
    client = HttpClient(connector.options)
    now = utcnow()
    connector._refresh_if_due(now)
    # Newest first: an answer of ours from an earlier attempt is among the latest.
    below = _edge(connector, client, to_external_id, "replies", newest_first=True)
    if below is None:  # reading it also proves it is still there
        raise PermanentError("The post you are answering was deleted", status=400)
    if attempt > 1:
        for node in below:
            if _is_ours(connector, node) and tokens.same_text(node.get("text"), text):
                logger.info("Threads answer to %s had already landed", to_external_id)
                return _sent(connector, client, str(node["id"]))
    _check_reply_quota(connector, client, now)
    container = connector._create(
        client, {"media_type": "TEXT", "text": text, "reply_to_id": to_external_id}
    )
    connector._wait_until_ready(client, container)
    response = client.request(
        "POST",
        f"{th.API}/{connector.config['user_id']}/threads_publish",
        **connector._form({"creation_id": container}),
        safe_to_retry=True,  # a retry reads the replies for this answer before publishing
        check=False,
    )
    if not response.ok:
        error = th.graph_error(response)
        if error.code == th.LIMIT_REACHED:  # replies made elsewhere used the quota up
            connector.options.quota_memo.forget(_quota_key(connector))
            raise connector._quota_wait(DAILY_REPLIES, "replies") from error
        raise error
    media_id = str(response.json_object().get("id") or "")
    if not media_id:
        raise PermanentError("Threads published the answer but gave it no id")
    connector.options.quota_memo.note_published(_quota_key(connector))
    return _sent(connector, client, media_id)


def _check_reply_quota(connector: ThreadsConnector, client: HttpClient, now: datetime) -> None:
    """Raise ``QuotaWait`` when the profile has published its 1,000 replies of the last 24 hours.

    A recent reading with room to spare is trusted (see ``quota_memo``), as for posts.
    """
    memo = connector.options.quota_memo
    key = _quota_key(connector)
    if memo.has_room(key, now):
        return
    total, used = connector._read_quota(client, "reply_quota_usage", "reply_config", DAILY_REPLIES)
    memo.note_reading(key, now, total=total, used=used)
    if used >= total:
        raise connector._quota_wait(total, "replies")


def _quota_key(connector: ThreadsConnector) -> str:
    return f"threads-replies:{connector.config['user_id']}"


def _edge(
    connector: ThreadsConnector,
    client: HttpClient,
    media_id: str,
    edge: str,
    *,
    newest_first: bool = False,
) -> list[dict[str, Any]] | None:
    """Return the items of ``/{media_id}/{edge}`` (a few pages), None when the post is gone."""
    items: list[dict[str, Any]] = []
    order = "true" if newest_first else "false"
    params = {"fields": REPLY_FIELDS, "reverse": order, "limit": PAGE}
    for _ in range(PAGES):
        response = client.request(
            "GET",
            f"{th.API}/{quote(media_id, safe='')}/{edge}",
            params={**params, "access_token": connector._token()},
            check=False,
        )
        if not response.ok:
            error = th.graph_error(response)
            if isinstance(error, PermanentError) and (
                response.status == 404 or th.subcode(response) == GONE_SUBCODE
            ):
                return None
            raise error
        data = response.json_object()
        found = data.get("data")
        page = [node for node in found if isinstance(node, dict)] if isinstance(found, list) else []
        items.extend(page)
        after = _after(data)
        if not after or not page:
            break
        params = {**params, "after": after}
    return items


def _incoming(node: dict[str, Any], now: datetime) -> Incoming | None:
    media_id = node.get("id")
    if not isinstance(media_id, str | int) or isinstance(media_id, bool) or not str(media_id):
        return None
    username = str(node.get("username") or "")
    parent = node.get("replied_to")
    parent_id = parent.get("id") if isinstance(parent, dict) else None
    link = node.get("permalink")
    return Incoming(
        external_id=str(media_id),
        kind=REPLY,
        author_name=username,
        author_handle=f"@{username}" if username else "",
        author_url=f"https://www.threads.net/@{quote(username)}" if username else None,
        text=str(node.get("text") or "").strip(),
        url=link if isinstance(link, str) else None,
        received_at=tokens.parse_time(node.get("timestamp")) or now,
        in_reply_to=str(parent_id) if isinstance(parent_id, str | int) else None,
    )


def _is_ours(connector: ThreadsConnector, node: dict[str, Any]) -> bool:
    """Our own replies: Threads says so, or they carry the profile's username."""
    if node.get("is_reply_owned_by_me") is True:
        return True
    username = connector.config.get("username")
    return bool(username) and node.get("username") == username


def _after(data: dict[str, Any]) -> str | None:
    paging = data.get("paging")
    cursors = paging.get("cursors") if isinstance(paging, dict) else None
    after = cursors.get("after") if isinstance(cursors, dict) else None
    has_next = isinstance(paging, dict) and bool(paging.get("next"))
    return after if isinstance(after, str) and after and has_next else None


def _sent(connector: ThreadsConnector, client: HttpClient, media_id: str) -> SentAnswer:
    result = connector._result(client, media_id)
    return SentAnswer(result.external_id, result.external_url)
