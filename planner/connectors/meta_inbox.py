"""Facebook Page and Instagram comments in the inbox: reading them and answering them once.

Comments are read per post: a Page post's ``/{post-id}/comments`` with ``filter=stream`` (so
replies to comments come too), an Instagram media's ``/{ig-media-id}/comments`` with each
comment's ``replies`` expanded. An answer is a comment on the comment, made with the Page
token (Facebook ``POST /{comment-id}/comments``, Instagram ``POST /{ig-comment-id}/replies``).
Graph de-duplicates nothing and takes no idempotency key, so a retry first lists the answers
under the comment (and under its parent, where the platform files answers to a reply) and
returns ours with the same text instead of posting a second one.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from planner.connectors.errors import ConnectorError, PermanentError, UnknownOutcomeError
from planner.connectors.inbox import REPLY, Incoming, SentAnswer, parse_time
from planner.connectors.meta_common import same_text
from planner.timeutils import utcnow

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime

    from planner.connectors.facebook import FacebookConnector
    from planner.connectors.graph import Graph
    from planner.connectors.instagram import InstagramConnector
    from planner.connectors.meta_common import GraphConnector

logger = logging.getLogger(__name__)

COMMENTS_PAGE = "100"  # Graph's pages of comments; ``Graph.pages`` follows at most 20
ANSWERS_PAGE = "50"
FACEBOOK_FIELDS = "id,message,from{id,name},created_time,permalink_url,parent{id}"
ANSWER_FIELDS = "id,message,from{id},permalink_url"
INSTAGRAM_FIELDS = "id,text,username,timestamp,from{id,username},parent_id"
# Replies come inside each comment; only their first page (Graph's default of 25) is read.
INSTAGRAM_COMMENT_FIELDS = f"{INSTAGRAM_FIELDS},replies{{{INSTAGRAM_FIELDS}}}"
INSTAGRAM_USERNAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")
DELETED = "100/33"  # "Object ... does not exist, cannot be loaded due to missing permissions"


def no_mentions(connector: GraphConnector, since: datetime | None) -> list[Incoming]:
    """Return no mentions: Graph offers a Page's or account's mentions only through webhooks
    and permissions planner does not use, so only comments under our posts reach the inbox."""
    return []


def _read_comments(
    what: str,
    external_id: str,
    since: datetime | None,
    comments: Iterable[dict[str, Any]],
    others: Callable[[dict[str, Any]], list[Incoming]],
) -> list[Incoming]:
    """Return the items *others* finds in each comment Graph lists, newer than *since*.

    Graph may rank comments whatever the order asked for, so none is skipped early; a post
    that was deleted has no comments to read.
    """
    try:
        return [
            item
            for comment in comments
            for item in others(comment)
            if since is None or item.received_at > since
        ]
    except PermanentError as exc:
        if _deleted(exc):
            logger.info("%s %s is gone; no comments to read", what, external_id)
            return []
        raise


# --- Facebook Pages ---------------------------------------------------------------------------


def facebook_replies(
    connector: FacebookConnector, external_id: str, since: datetime | None
) -> list[Incoming]:
    """Return the comments others made under our Page post (replies included); none if deleted."""
    page_id = connector.config["page_id"]
    params = {
        "fields": FACEBOOK_FIELDS,
        "filter": "stream",
        "order": "reverse_chronological",
        "limit": COMMENTS_PAGE,
    }
    now = utcnow()

    def others(comment: dict[str, Any]) -> list[Incoming]:
        item = _facebook_incoming(comment, external_id, now)
        return [] if item is None or _author_id(comment) == page_id else [item]

    comments = connector.graph().pages(f"/{_segment(external_id)}/comments", params)
    return _read_comments("Facebook post", external_id, since, comments, others)


def facebook_reply(
    connector: FacebookConnector, to_external_id: str, text: str, key: str, *, attempt: int = 1
) -> SentAnswer:
    """Answer the comment *to_external_id* as the Page; a retry looks for the first try first."""
    text = connector._refuse_answer_if_too_long(text)
    graph = connector.graph()
    comment = _segment(to_external_id)
    try:
        if attempt > 1:
            landed = _facebook_answer(graph, connector.config["page_id"], comment, text)
            if landed is not None:
                logger.info("Facebook answer to %s had already landed", to_external_id)
                return landed
        answer = graph.post(f"/{comment}/comments", {"message": text})
    except ConnectorError as exc:
        raise _answer_error(exc, "Facebook") from exc
    answer_id = _text(answer.get("id"))
    if not answer_id:
        raise UnknownOutcomeError(
            "Facebook accepted the answer but gave it no id", safe_to_retry=True
        )
    return SentAnswer(answer_id, _permalink(graph, answer_id))


def _facebook_answer(graph: Graph, page_id: str, comment: str, text: str) -> SentAnswer | None:
    """Return the Page's answer with this text under the comment or its thread, if one exists."""
    params = {
        "fields": ANSWER_FIELDS,
        "filter": "stream",
        "order": "reverse_chronological",
        "limit": ANSWERS_PAGE,
    }
    for thread in _thread(graph, comment, "parent{id}"):
        for answer in graph.pages(f"/{thread}/comments", params):
            if _author_id(answer) == page_id and same_text(answer.get("message"), text):
                url = _text(answer.get("permalink_url")) or None
                return SentAnswer(_text(answer.get("id")), url)
    return None


def _facebook_incoming(comment: dict[str, Any], post_id: str, now: datetime) -> Incoming | None:
    comment_id = _text(comment.get("id"))
    if not comment_id:
        return None
    author = comment.get("from")
    # Graph leaves ``from`` out where the person's settings withhold it from the Page.
    name = _text(author.get("name")) if isinstance(author, dict) else ""
    parent = comment.get("parent")
    return Incoming(
        external_id=comment_id,
        kind=REPLY,
        author_name=name or "Someone on Facebook",
        author_handle="",
        author_url=None,  # ``from.id`` is scoped to the app and names no profile page
        text=_text(comment.get("message")).strip(),
        url=_text(comment.get("permalink_url")) or None,
        received_at=parse_time(comment.get("created_time"), now),
        in_reply_to=(_text(parent.get("id")) if isinstance(parent, dict) else "") or post_id,
    )


def _permalink(graph: Graph, node: str) -> str | None:
    """Return the answer's address; a failure to read it does not undo the answer."""
    try:
        url = graph.get(f"/{_segment(node)}", {"fields": "permalink_url"}).get("permalink_url")
    except ConnectorError as exc:  # the answer exists; its link is only a convenience
        logger.warning("Could not read the permalink of Facebook comment %s: %s", node, exc)
        return None
    return url if isinstance(url, str) and url else None


# --- Instagram --------------------------------------------------------------------------------


def instagram_replies(
    connector: InstagramConnector, external_id: str, since: datetime | None
) -> list[Incoming]:
    """Return the comments and replies others made under our media; none when it was deleted.

    Instagram gives a comment no address of its own, so the items carry no link.
    """
    graph = connector.graph()
    own = _own_username(connector, graph)
    params = {"fields": INSTAGRAM_COMMENT_FIELDS, "limit": COMMENTS_PAGE}
    now = utcnow()

    def others(comment: dict[str, Any]) -> list[Incoming]:
        replies = comment.get("replies")
        nested = replies.get("data") if isinstance(replies, dict) else None
        found = []
        for node in [comment, *(nested if isinstance(nested, list) else [])]:
            item = _instagram_incoming(node, external_id, now)
            if item is not None and _username(node) != own:
                found.append(item)
        return found

    comments = graph.pages(f"/{_segment(external_id)}/comments", params)
    return _read_comments("Instagram media", external_id, since, comments, others)


def instagram_reply(
    connector: InstagramConnector, to_external_id: str, text: str, key: str, *, attempt: int = 1
) -> SentAnswer:
    """Answer the comment *to_external_id*; a retry looks among its thread's replies first."""
    text = connector._refuse_answer_if_too_long(text)
    graph = connector.graph()
    comment = _segment(to_external_id)
    try:
        if attempt > 1:
            landed = _instagram_answer(connector, graph, comment, text)
            if landed is not None:
                logger.info("Instagram answer to %s had already landed", to_external_id)
                return landed
        answer = graph.post(f"/{comment}/replies", {"message": text})
    except ConnectorError as exc:
        raise _answer_error(exc, "Instagram") from exc
    answer_id = _text(answer.get("id"))
    if not answer_id:
        raise UnknownOutcomeError(
            "Instagram accepted the answer but gave it no id", safe_to_retry=True
        )
    return SentAnswer(answer_id, None)


def _instagram_answer(
    connector: InstagramConnector, graph: Graph, comment: str, text: str
) -> SentAnswer | None:
    """Return our reply with this text in the comment's thread, if an earlier attempt made it.

    Instagram files a reply to a reply under the top-level comment, so that is where to look.
    """
    own = _own_username(connector, graph)
    params = {"fields": "id,text,username,timestamp", "limit": ANSWERS_PAGE}
    for thread in _thread(graph, comment, "parent_id"):
        for answer in graph.pages(f"/{thread}/replies", params):
            if _username(answer) == own and same_text(answer.get("text"), text):
                return SentAnswer(_text(answer.get("id")), None)
    return None


def _instagram_incoming(node: Any, media_id: str, now: datetime) -> Incoming | None:
    comment_id = _text(node.get("id")) if isinstance(node, dict) else ""
    if not comment_id:
        return None
    username = _username(node)
    known = bool(INSTAGRAM_USERNAME.match(username))
    return Incoming(
        external_id=comment_id,
        kind=REPLY,
        author_name=username or "Someone on Instagram",
        author_handle=f"@{username}" if known else "",
        author_url=f"https://www.instagram.com/{username}/" if known else None,
        text=_text(node.get("text")).strip(),
        url=None,
        received_at=parse_time(node.get("timestamp"), now),
        in_reply_to=_text(node.get("parent_id")) or media_id,
    )


def _own_username(connector: InstagramConnector, graph: Graph) -> str:
    """The account's username, from the connection or read once and kept in the state."""
    known = connector.config.get("username") or connector.state.get("username")
    if isinstance(known, str) and known:
        return known.lstrip("@").lower()
    account = graph.get(f"/{connector.config['ig_user_id']}", {"fields": "id,username"})
    username = _text(account.get("username"))
    if not username:
        raise PermanentError("Instagram did not say which account the token belongs to")
    connector._set_state(username=username)
    return username.lower()


def _username(node: dict[str, Any]) -> str:
    author = node.get("from")
    name = node.get("username") or (author.get("username") if isinstance(author, dict) else "")
    return _text(name).lower()


# --- shared -----------------------------------------------------------------------------------


def _thread(graph: Graph, comment: str, parent_field: str) -> list[str]:
    """The comment and, when it is a reply, its parent: the places an answer can be filed."""
    node = graph.get(f"/{comment}", {"fields": f"id,{parent_field}"})
    parent = node.get("parent")
    parent_id = (
        _text(parent.get("id")) if isinstance(parent, dict) else _text(node.get("parent_id"))
    )
    return [comment, _segment(parent_id)] if parent_id else [comment]


def _answer_error(exc: ConnectorError, label: str) -> ConnectorError:
    """Name a deleted comment, and make a lost answer safe to retry (the retry looks first)."""
    if isinstance(exc, UnknownOutcomeError):
        return UnknownOutcomeError(
            f"{exc.message}; the answer may have been published", safe_to_retry=True
        )
    if isinstance(exc, PermanentError) and _deleted(exc):
        return PermanentError(
            f"The {label} comment you are answering was deleted", status=exc.status, code=exc.code
        )
    if isinstance(exc, PermanentError) and exc.status is not None and 200 <= exc.status < 300:
        return UnknownOutcomeError(
            f"{exc.message}; the answer may have been published", safe_to_retry=True
        )
    return exc


def _deleted(exc: PermanentError) -> bool:
    return exc.code == DELETED or exc.status == 404


def _author_id(comment: dict[str, Any]) -> str:
    author = comment.get("from")
    return _text(author.get("id")) if isinstance(author, dict) else ""


def _text(value: Any) -> str:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _segment(node_id: str) -> str:
    """An id as one path segment: whatever a platform sent, it cannot leave the path."""
    return quote(node_id, safe="")
