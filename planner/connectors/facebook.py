"""Publish to a Facebook Page through the Graph API with the Page's access token."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from planner.connectors import meta_inbox
from planner.connectors.base import Engagement, PublishRequest, PublishResult, count_of
from planner.connectors.errors import ConnectorError, PermanentError, UnknownOutcomeError
from planner.connectors.graph import Graph
from planner.connectors.meta_common import GraphConnector, read_node, same_text
from planner.timeutils import utcnow

logger = logging.getLogger(__name__)

# The figure widely reported for a Page post; Meta's reference gives none, and Graph refuses a
# longer message with its own words anyway.
MAX_CHARACTERS = 63_206
# Graph documents no cap on ``attached_media``; ten keeps one post valid for Instagram too.
MAX_IMAGES = 10
RECENT_POSTS = "50"
ENGAGEMENT_FIELDS = "reactions.summary(total_count),comments.summary(total_count),shares"


class FacebookConnector(GraphConnector):
    """Text and a link go to the Page's feed; photos are uploaded by URL and attached.

    A photo post cannot carry a link preview, so with photos the link goes into the message.
    """

    platform = "facebook"
    label = "Facebook"
    max_length = MAX_CHARACTERS
    image_limit = MAX_IMAGES
    config_fields = ("page_id", "page_name", "access_token")
    gives_engagement = True
    inbox = True  # comments under the Page's posts, answered as the Page: see meta_inbox
    replies = meta_inbox.facebook_replies
    mentions = meta_inbox.no_mentions
    reply = meta_inbox.facebook_reply
    # Graph's Page limit is usage based (4800 calls per engaged user a day, shared by every
    # call of the app); 200 reads an hour per Page is a conservative share of it.
    read_limit = 200
    read_window_seconds = 3600.0

    def check(self) -> str:
        """Verify the Page token and return the Page's name."""
        page = self.graph().get(f"/{self.config['page_id']}", {"fields": "id,name"})
        return str(page.get("name") or self.config.get("page_name") or page.get("id"))

    def message_for(self, request: PublishRequest) -> str:
        """Return the message: the link rides in ``link`` for a text post, in the text otherwise."""
        if request.media:
            return self.compose(request.text, request.link)
        return request.text

    def publish(self, request: PublishRequest) -> PublishResult:
        """Post once: a retry first looks for the post among the Page's posts since the first try."""
        self._refuse_if_too_long(request.text, request.link)
        self._refuse_too_many_images(request.media)
        for item in request.media:
            if not item.url:
                raise PermanentError(
                    "Facebook fetches images by address, but this image has none; "
                    "set PLANNER_BASE_URL so planner can give it one."
                )
        graph = self.graph()
        now = utcnow()  # connectors are not handed the clock (as Bluesky)
        message = self.message_for(request)
        since = self.first_attempt(request, now)
        if since is not None:
            found = self._find(graph, message, since)
            if found is not None:
                logger.info("Delivery %s was already on Facebook as %s", request.delivery_id, found)
                self.forget_attempt(request)
                return found
        post_id, link = self._send(graph, request, message)
        self.forget_attempt(request)
        logger.info("Published delivery %s to Facebook as %s", request.delivery_id, post_id)
        return PublishResult(
            external_id=post_id, external_url=link or self._permalink(graph, post_id)
        )

    def engagement(self, external_id: str) -> Engagement:
        """Read a Page post's reactions, comments and shares (Graph omits ``shares`` at 0)."""
        post = read_node(self.graph(), external_id, ENGAGEMENT_FIELDS, "Facebook")
        reactions = _total(post.get("reactions"))
        comments = _total(post.get("comments"))
        shares = post.get("shares")
        share_count = count_of(shares.get("count")) if isinstance(shares, dict) else 0
        return Engagement(
            replies=comments,
            reposts=share_count,
            likes=reactions,
            raw={"reactions": reactions, "comments": comments, "shares": share_count},
        )

    def _send(self, graph: Graph, request: PublishRequest, message: str) -> tuple[str, str | None]:
        """Make the post; return its id and, when Graph gave it with the answer, its address."""
        page = self.config["page_id"]
        link = None
        try:
            if len(request.media) == 1:
                [item] = request.media
                body: dict[str, Any] = {"url": item.url, "caption": message}
                if item.alt:
                    body["alt_text_custom"] = item.alt
                answer = graph.post(f"/{page}/photos", body)
                post_id = answer.get("post_id") or answer.get("id")
            else:
                body = {"message": message}
                if request.link and not request.media:
                    body["link"] = request.link
                if request.media:
                    body["attached_media"] = [
                        {"media_fbid": self._unpublished_photo(graph, item)}
                        for item in request.media
                    ]
                # Read-after-write: the answer carries the permalink, saving a request.
                answer = graph.post(f"/{page}/feed", {**body, "fields": "id,permalink_url"})
                post_id = answer.get("id")
                found = answer.get("permalink_url")
                link = found if isinstance(found, str) and found else None
        except UnknownOutcomeError as exc:
            # The retry looks for the post before sending again (see ``first_attempt``).
            raise UnknownOutcomeError(exc.message, safe_to_retry=True) from exc
        if not post_id:
            raise PermanentError("Facebook accepted the post but gave it no id")
        return str(post_id), link

    def _unpublished_photo(self, graph: Graph, item: Any) -> str:
        """Upload one photo without publishing it, to attach to the feed post."""
        body: dict[str, Any] = {"url": item.url, "published": False}
        if item.alt:
            body["alt_text_custom"] = item.alt
        photo_id = graph.post(f"/{self.config['page_id']}/photos", body).get("id")
        if not photo_id:
            raise PermanentError("Facebook accepted a photo but gave it no id")
        return str(photo_id)

    def _find(self, graph: Graph, message: str, since: datetime) -> PublishResult | None:
        """Return the Page's post with this message published since *since*, if there is one."""
        posts = graph.get(
            f"/{self.config['page_id']}/published_posts",
            {
                "fields": "id,message,created_time,permalink_url",
                "since": str(int(since.timestamp())),
                "limit": RECENT_POSTS,
            },
        ).get("data")
        for post in posts if isinstance(posts, list) else []:
            if isinstance(post, dict) and same_text(post.get("message"), message):
                url = post.get("permalink_url")
                return PublishResult(
                    external_id=str(post.get("id")), external_url=url if url else None
                )
        return None

    def _permalink(self, graph: Graph, post_id: str) -> str | None:
        """Return the post's address; a failure to read it does not undo the publish."""
        try:
            url = graph.get(f"/{post_id}", {"fields": "permalink_url"}).get("permalink_url")
        except ConnectorError as exc:  # the post exists; its link is only a convenience
            logger.warning("Could not read the permalink of Facebook post %s: %s", post_id, exc)
            return None
        return str(url) if url else None


def _total(edge: Any) -> int:
    """``summary.total_count`` of an edge read with ``.summary(total_count)``."""
    summary = edge.get("summary") if isinstance(edge, dict) else None
    return count_of(summary.get("total_count")) if isinstance(summary, dict) else 0
