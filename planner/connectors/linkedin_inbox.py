"""LinkedIn's side of the inbox: the comments on our posts, and answering them.

Comments come from the Comments API (``/rest/socialActions/{post}/comments``, then each
commented comment's own ``/comments``). An item's id is its comment URN,
``urn:li:comment:(urn:li:activity:…,id)``, which names the post's activity too, so an answer
needs nothing else: it is a comment with ``object`` (that activity) and ``parentComment``.
LinkedIn threads are two levels deep, so an answer to a reply goes under the reply's own parent.
The API takes no idempotency key: a retry first lists the parent's replies and returns an
answer by our author with the same text instead of commenting again.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from planner.connectors import linkedin as li
from planner.connectors import tokens
from planner.connectors.errors import AuthError, PermanentError, UnknownOutcomeError
from planner.connectors.http import HttpClient
from planner.connectors.inbox import REPLY, Incoming, SentAnswer
from planner.timeutils import utcnow

if TYPE_CHECKING:
    from planner.connectors.linkedin import LinkedInConnector
    from planner.connectors.replies import Response

logger = logging.getLogger(__name__)

COMMENT_URN = re.compile(r"^urn:li:comment:\((urn:li:[A-Za-z]+:[^,()]+),([0-9]+)\)$")
COMMENT_LIMIT = 1250  # LinkedIn's comment box takes 1,250 characters: the answers' limit
PAGE = 100
PAGES = 3  # at most 300 comments per post, and per comment, in one look
NESTED_LOOKS = 20  # replies are read under at most this many commented comments per post


def replies(
    connector: LinkedInConnector, external_id: str, since: datetime | None
) -> list[Incoming]:
    """Return the comments others wrote on our post and under its comments; none when deleted."""
    client = HttpClient(connector.options)
    connector._refresh_if_due(utcnow())
    top = _comments(connector, client, external_id)
    if top is None:
        logger.info("LinkedIn post %s is gone; no comments to read", external_id)
        return []
    nodes = list(top)
    commented = [c for c in top if _reply_count(c) > 0][:NESTED_LOOKS]
    for comment in commented:
        nodes.extend(_comments(connector, client, _urn(comment)) or [])
    now = utcnow()
    found = []
    for node in nodes:
        item = _incoming(node, external_id, now)
        if item is None or node.get("actor") == connector.config["author_urn"]:
            continue
        if since is None or item.received_at > since:
            found.append(item)
    return found


def mentions(connector: LinkedInConnector, since: datetime | None) -> list[Incoming]:
    """Return nothing: LinkedIn tells only organizations of mentions, through a notifications
    API planner does not read; comments on our posts come from ``replies``.
    """
    return []


def reply(
    connector: LinkedInConnector, to_external_id: str, text: str, key: str, *, attempt: int = 1
) -> SentAnswer:
    """Answer the comment *to_external_id*; a retry looks for the first try first."""
    match = COMMENT_URN.match(to_external_id)
    if match is None:
        raise PermanentError("Planner answers LinkedIn comments only (urn:li:comment:…)")
    activity, comment_id = match.groups()
    text = connector._refuse_answer_if_too_long(text)  # plain text, unlike a post's commentary
    client = HttpClient(connector.options)
    connector._refresh_if_due(utcnow())
    response = connector._call(
        client, "GET", f"{li.API}/rest/socialActions/{_segment(activity)}/comments/{comment_id}"
    )
    if response.status in (404, 410):
        raise PermanentError("The comment you are answering was deleted", status=404)
    comment = _checked_read(response)
    parent = comment.get("parentComment")
    parent = parent if isinstance(parent, str) and COMMENT_URN.match(parent) else to_external_id
    target = comment.get("object")
    target = target if isinstance(target, str) and target.startswith("urn:li:") else activity
    author = connector.config["author_urn"]
    if attempt > 1:
        for node in _comments(connector, client, parent) or []:
            if node.get("actor") == author and tokens.same_text(_text(node), text):
                logger.info("LinkedIn answer to %s had already landed", to_external_id)
                return _sent(_urn(node), target)
    response = connector._call(
        client,
        "POST",
        f"{li.API}/rest/socialActions/{_segment(parent)}/comments",
        json={
            "actor": author,
            "object": target,
            "message": {"text": text},
            "parentComment": parent,
        },
        safe_to_retry=True,  # a retry lists the parent's replies before commenting again
    )
    if not response.ok:
        raise li.linkedin_error(response)
    try:
        created = response.json_object() if response.body else {}
    except PermanentError as exc:
        raise UnknownOutcomeError(
            f"{exc.message}; the answer may have been published", safe_to_retry=True
        ) from exc
    urn = _urn(created)
    restli_id = response.headers.get("x-restli-id") or ""
    if not urn and restli_id:
        urn = (
            restli_id if restli_id.startswith("urn:") else f"urn:li:comment:({target},{restli_id})"
        )
    if not urn:
        raise PermanentError("LinkedIn made the comment but did not say its id")
    return _sent(urn, target)


def _comments(
    connector: LinkedInConnector, client: HttpClient, target: str
) -> list[dict[str, Any]] | None:
    """Return the comments on *target* (a post or a comment), None when it no longer exists."""
    found: list[dict[str, Any]] = []
    for page in range(PAGES):
        response = connector._call(
            client,
            "GET",
            f"{li.API}/rest/socialActions/{_segment(target)}/comments",
            params={"start": str(page * PAGE), "count": str(PAGE)},
        )
        if response.status in (404, 410):
            return None
        data = _checked_read(response)
        elements = data.get("elements")
        batch = [e for e in elements if isinstance(e, dict)] if isinstance(elements, list) else []
        found.extend(batch)
        paging = data.get("paging")
        total = paging.get("total") if isinstance(paging, dict) else None
        if len(batch) < PAGE or (isinstance(total, int) and len(found) >= total):
            break
    return found


def _checked_read(response: Response) -> dict[str, Any]:
    """A read's JSON object; a 403 says the token may not read comments (``r_*_social``)."""
    if response.status == 403:
        raise AuthError(
            "LinkedIn does not let planner read this account's comments "
            f"({li.linkedin_error(response).message})",
            status=403,
        )
    if not response.ok:
        raise li.linkedin_error(response)
    return response.json_object()


def _incoming(node: dict[str, Any], post_urn: str, now: datetime) -> Incoming | None:
    urn = _urn(node)
    if not urn:
        return None
    actor = str(node.get("actor") or "")
    parent = node.get("parentComment")
    target = node.get("object") if isinstance(node.get("object"), str) else post_urn
    return Incoming(
        external_id=urn,
        kind=REPLY,
        # The Comments API names the author only by URN; a name needs the restricted
        # profile APIs, so the URN's kind stands in for it.
        author_name="LinkedIn page" if "organization" in actor else "LinkedIn member",
        author_handle=actor,
        author_url=None,
        text=_text(node).strip(),
        url=_link(str(target), urn),
        received_at=_created(node) or now,
        in_reply_to=parent if isinstance(parent, str) and parent else post_urn,
    )


def _urn(node: dict[str, Any]) -> str:
    """The comment's URN, as the element names it (``commentUrn`` or ``$URN``)."""
    for name in ("commentUrn", "$URN"):
        value = node.get(name)
        if isinstance(value, str) and COMMENT_URN.match(value):
            return value
    target, comment_id = node.get("object"), node.get("id")
    if isinstance(target, str) and isinstance(comment_id, str) and comment_id.isdigit():
        return f"urn:li:comment:({target},{comment_id})"
    return ""


def _reply_count(node: dict[str, Any]) -> int:
    summary = node.get("commentsSummary")
    if not isinstance(summary, dict):
        return 0
    count = summary.get("aggregatedTotalComments", summary.get("totalFirstLevelComments"))
    return count if isinstance(count, int) and not isinstance(count, bool) else 0


def _text(node: dict[str, Any]) -> str:
    message = node.get("message")
    text = message.get("text") if isinstance(message, dict) else None
    return text if isinstance(text, str) else ""


def _created(node: dict[str, Any]) -> datetime | None:
    created = node.get("created")
    millis = created.get("time") if isinstance(created, dict) else None
    if isinstance(millis, int | float) and not isinstance(millis, bool):
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    return None


def _link(target: str, urn: str) -> str:
    """The comment on the web: its post's page, opened at the comment."""
    return (
        f"https://www.linkedin.com/feed/update/{quote(target, safe=':')}"
        f"?commentUrn={quote(urn, safe='')}"
    )


def _sent(urn: str, target: str) -> SentAnswer:
    return SentAnswer(urn, _link(target, urn))


def _segment(urn: str) -> str:
    """A URN as one path segment, every reserved character encoded, as Rest.li requires."""
    return quote(urn, safe="")
