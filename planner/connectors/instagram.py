"""Publish to an Instagram professional account through the Graph API (Facebook Login).

Instagram takes no text-only posts and fetches every image itself from a public address: a
container is made per image (``POST /{ig-user-id}/media``), Instagram downloads and checks it,
and the post appears only with ``media_publish``. Each account may publish 50 posts in a
rolling 24 hours; a post beyond that waits (``QuotaWait``) instead of failing.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from datetime import datetime, timedelta
from typing import Any, NoReturn

from planner.connectors import meta_inbox
from planner.connectors.base import Engagement, MediaItem, PublishRequest, PublishResult, count_of
from planner.connectors.errors import (
    AuthError,
    ConnectorError,
    PermanentError,
    QuotaWait,
    TransientError,
    UnknownOutcomeError,
)
from planner.connectors.graph import PERMISSION_CODES, Graph, insight_value
from planner.connectors.meta_common import GraphConnector, read_node, same_text
from planner.media import renditions
from planner.timeutils import utcnow

logger = logging.getLogger(__name__)

MAX_CHARACTERS = 2200
MAX_HASHTAGS = 30
MAX_MENTIONS = 20
MAX_IMAGES = 10
HASHTAG = re.compile(r"(?<![\w&])#\w+")
MENTION = re.compile(r"(?<![\w@])@[\w.]+")
# A container lives 24 hours; one older than this is not worth publishing any more.
CONTAINER_LIFE = timedelta(hours=23)
DEFAULT_QUOTA_WAIT = 3600.0
QUOTA_WINDOW = timedelta(hours=24)
NOT_READY = "9007"  # media_publish before the container is FINISHED
LIMIT_REACHED = "9/2207042"  # media_publish past the account's 24-hour publishing limit
DAILY_POSTS = 50
SHARES = "shares"  # the media insight: how many times the media was shared
# Graph codes of a media whose insights Instagram will not give: 100 (unsupported media) and
# the permission codes (a connection made before planner asked for instagram_manage_insights).
NO_INSIGHTS = frozenset({"100", *(str(code) for code in PERMISSION_CODES)})


class InstagramConnector(GraphConnector):
    """Containers, then ``media_publish``; the container id is kept so a retry reuses it."""

    platform = "instagram"
    label = "Instagram"
    max_length = MAX_CHARACTERS
    image_limit = MAX_IMAGES
    id_field = "ig_user_id"
    config_fields = ("ig_user_id", "username", "page_id", "page_name", "access_token")
    gives_engagement = True
    inbox = True  # comments under the account's media, answered as replies: see meta_inbox
    replies = meta_inbox.instagram_replies
    mentions = meta_inbox.no_mentions
    reply = meta_inbox.instagram_reply
    # Instagram's limit is usage based (4800 calls a day times the account's impressions);
    # 200 reads an hour per account is a conservative share of it.
    read_limit = 200
    read_window_seconds = 3600.0
    reads_per_engagement = 2  # the media (likes, comments), then its shares insight

    def check_length(self, text: str, link: str | None = None) -> str | None:
        """Check the caption's 2,200 characters, 30 hashtags and 20 mentions, all at once."""
        problems = []
        length_problem = super().check_length(text, link)
        if length_problem is not None:
            problems.append(length_problem)
        caption = self.compose(text, link)
        hashtags = len(HASHTAG.findall(caption))
        if hashtags > MAX_HASHTAGS:
            problems.append(f"{hashtags} of {MAX_HASHTAGS} hashtags on Instagram")
        mentions = len(MENTION.findall(caption))
        if mentions > MAX_MENTIONS:
            problems.append(f"{mentions} of {MAX_MENTIONS} mentions on Instagram")
        return "; ".join(problems) or None

    def check_images(self, count: int) -> str | None:
        """Instagram has no text-only posts: at least one image, at most ten."""
        if count == 0:
            return "Instagram needs at least one image; add a photo or leave Instagram out."
        return super().check_images(count)

    def rendition(self, item: MediaItem) -> MediaItem:
        """A JPEG within 4:5 to 1.91:1, cropped or padded as the owner chose for this image."""
        try:
            made = renditions.for_instagram(item.data, fit=item.fit, digest=item.digest)
        except renditions.RenditionError as exc:
            raise PermanentError(str(exc)) from exc
        if made.data == item.data:
            return item
        return dataclasses.replace(
            item, data=made.data, mime=made.mime, width=made.width, height=made.height, sha256=None
        )

    def check(self) -> str:
        """Verify the token and return the account's @username."""
        account = self.graph().get(f"/{self.config['ig_user_id']}", {"fields": "id,username"})
        return f"@{account.get('username') or self.config.get('username') or account.get('id')}"

    def publish(self, request: PublishRequest) -> PublishResult:
        """Publish once: look first on a retry, reuse a saved container, wait out the quota."""
        caption = self._refuse_if_too_long(request.text, request.link)
        self._refuse_too_many_images(request.media)
        graph = self.graph()
        now = utcnow()  # connectors are not handed the clock (as Bluesky)
        since = self.first_attempt(request, now)
        if since is not None:
            found = self._find(graph, caption, since)
            if found is not None:
                logger.info("Delivery %s was already on Instagram", request.delivery_id)
                self._done(request)
                return found
        self._check_quota(graph, now)
        container = self._container(graph, request, caption, now)
        self._wait_until_finished(graph, request, container)
        user = self.config["ig_user_id"]
        try:
            # Read-after-write: the answer carries the new media's permalink, saving a request.
            answer = graph.post(
                f"/{user}/media_publish", {"creation_id": container, "fields": "id,permalink"}
            )
        except UnknownOutcomeError as exc:
            raise UnknownOutcomeError(exc.message, safe_to_retry=True) from exc
        except PermanentError as exc:
            if (exc.code or "").startswith(NOT_READY):
                raise TransientError(
                    f"Instagram is not ready to publish the images yet: {exc.message}"
                ) from exc
            if exc.code == LIMIT_REACHED:  # posts made elsewhere used the quota up
                self.options.quota_memo.forget(f"instagram:{user}")
                self._wait_for_quota(graph, now, DAILY_POSTS)
            raise
        media_id = str(answer.get("id") or "")
        if not media_id:
            raise PermanentError("Instagram published the post but gave it no id")
        self.options.quota_memo.note_published(f"instagram:{user}")
        self._done(request)
        logger.info("Published delivery %s to Instagram as %s", request.delivery_id, media_id)
        link = answer.get("permalink")
        if not isinstance(link, str) or not link:
            link = self._permalink(graph, media_id)
        return PublishResult(external_id=media_id, external_url=link)

    def engagement(self, external_id: str) -> Engagement:
        """Read a media's likes and comments, and its shares from the media's insights."""
        graph = self.graph()
        media = read_node(graph, external_id, "like_count,comments_count", "Instagram")
        likes = count_of(media.get("like_count"))
        comments = count_of(media.get("comments_count"))
        shares = self._shares(graph, external_id)
        return Engagement(
            replies=comments,
            reposts=shares or 0,
            likes=likes,
            raw={"like_count": likes, "comments_count": comments, "shares": shares},
        )

    def _shares(self, graph: Graph, media_id: str) -> int | None:
        """Return the media's ``shares`` insight, or None where Instagram gives none.

        Insights refuse a media inside an album or posted before the account turned
        professional (code 100), and a connection made without ``instagram_manage_insights``
        (code 10); the likes and comments read from the media itself stand without them.
        """
        try:
            data = graph.get(f"/{media_id}/insights", {"metric": SHARES}).get("data")
        except (PermanentError, AuthError) as exc:
            if (exc.code or "").split("/")[0] not in NO_INSIGHTS:
                raise
            logger.info("Instagram gives no shares for media %s: %s", media_id, exc.message)
            return None
        for entry in data if isinstance(data, list) else []:
            if isinstance(entry, dict) and entry.get("name") == SHARES:
                return insight_value(entry)
        return None  # "an empty data set instead of 0" while the figure is not ready

    def _container(self, graph: Graph, request: PublishRequest, caption: str, now: datetime) -> str:
        """Return the delivery's container: the saved one while it lives, else a new one."""
        saved = (self.state.get("containers") or {}).get(str(request.delivery_id))
        if isinstance(saved, dict) and isinstance(saved.get("id"), str):
            try:
                made = datetime.fromisoformat(str(saved.get("created")))
            except ValueError:
                made = None
            if made is not None and now - made < CONTAINER_LIFE:
                return saved["id"]
        urls = [self._image_url(request, item) for item in request.media]
        alts = [item.alt for item in request.media]
        user = self.config["ig_user_id"]
        try:
            if len(urls) == 1:
                container = self._create(graph, image_url=urls[0], caption=caption, alt=alts[0])
            else:
                children = [
                    self._create(graph, image_url=url, alt=alt, is_carousel_item=True)
                    for url, alt in zip(urls, alts, strict=True)
                ]
                answer = graph.post(
                    f"/{user}/media",
                    {"media_type": "CAROUSEL", "children": ",".join(children), "caption": caption},
                )
                container = str(answer.get("id") or "")
        except UnknownOutcomeError as exc:
            # An unpublished container is harmless (it expires in a day): make another later.
            raise TransientError(f"{exc.message}; nothing was published") from exc
        if not container:
            raise PermanentError("Instagram accepted the images but gave no container id")
        containers = dict(self.state.get("containers") or {})
        containers[str(request.delivery_id)] = {"id": container, "created": now.isoformat()}
        self._set_state(containers=containers)
        return container

    def _create(self, graph: Graph, *, image_url: str, alt: str, **fields: Any) -> str:
        body: dict[str, Any] = {"image_url": image_url, **fields}
        if alt:
            body["alt_text"] = alt
        answer = graph.post(f"/{self.config['ig_user_id']}/media", body)
        return str(answer.get("id") or "")

    def _image_url(self, request: PublishRequest, item: MediaItem) -> str:
        """The address Instagram fetches: the original's, or the hosted rendition's if it differs."""
        made = self.rendition(item)
        if made is item and item.url:
            return item.url
        url = request.host_image(made.data, made.mime) if request.host_image else None
        if not url:
            raise PermanentError(
                "Instagram fetches images by address, but this image has none; "
                "set PLANNER_BASE_URL (or S3 storage) so planner can give it one."
            )
        return url

    def _wait_until_finished(self, graph: Graph, request: PublishRequest, container: str) -> None:
        """Look at the container until Instagram has fetched and checked every image."""
        waits = (*self.options.media_poll_seconds, None)
        for wait in waits:
            answer = graph.get(f"/{container}", {"fields": "status_code,status"})
            status = str(answer.get("status_code") or "")
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status in ("ERROR", "EXPIRED"):
                self._forget_container(request)
                detail = answer.get("status") or status.lower()
                raise PermanentError(f"Instagram could not use the images: {detail}")
            if wait is not None:
                time.sleep(wait)
        raise TransientError(
            f"Instagram is still processing the images (container {container}); trying again later"
        )

    def _check_quota(self, graph: Graph, now: datetime) -> None:
        """Raise ``QuotaWait`` when the account's 24-hour publishing quota is used up.

        A recent reading with room to spare is trusted (see ``quota_memo``), so a backlog
        does not ask before every post.
        """
        user = self.config["ig_user_id"]
        memo = self.options.quota_memo
        if memo.has_room(f"instagram:{user}", now):
            return
        data = graph.get(f"/{user}/content_publishing_limit", {"fields": "config,quota_usage"}).get(
            "data"
        )
        entry = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        config = entry.get("config")
        config = config if isinstance(config, dict) else {}
        total, used = config.get("quota_total"), entry.get("quota_usage")
        if not isinstance(total, int) or not isinstance(used, int):
            return
        memo.note_reading(f"instagram:{user}", now, total=total, used=used)
        if used < total:
            return
        self._wait_for_quota(graph, now, total)

    def _wait_for_quota(self, graph: Graph, now: datetime, total: int) -> NoReturn:
        """Raise the ``QuotaWait`` that says until when the account's posts are used up."""
        wait = self._quota_wait(graph, now, total)
        until = (now + timedelta(seconds=wait)).strftime("%H:%M UTC")
        raise QuotaWait(
            f"Instagram allows {total} posts per 24 hours and this account has used them all; "
            f"waiting until about {until} to publish.",
            retry_after=wait,
        )

    def _quota_wait(self, graph: Graph, now: datetime, total: int) -> float:
        """Seconds until the oldest post of the last 24 hours drops out (an hour if unknown)."""
        try:
            media = graph.get(
                f"/{self.config['ig_user_id']}/media",
                {"fields": "id,timestamp", "limit": str(total)},
            ).get("data")
        except ConnectorError as exc:
            logger.info("Could not read the account's recent posts: %s", exc)
            return DEFAULT_QUOTA_WAIT
        items = media if isinstance(media, list) else []
        stamps = [_timestamp(item.get("timestamp")) for item in items if isinstance(item, dict)]
        times = [when for when in stamps if when is not None and now - when < QUOTA_WINDOW]
        if not times:
            return DEFAULT_QUOTA_WAIT
        return max(60.0, (min(times) + QUOTA_WINDOW - now).total_seconds())

    def _find(self, graph: Graph, caption: str, since: datetime) -> PublishResult | None:
        """Return the account's post with this caption made since *since*, if any."""
        media = graph.get(
            f"/{self.config['ig_user_id']}/media",
            {"fields": "id,caption,timestamp,permalink", "limit": "50"},
        ).get("data")
        for item in media if isinstance(media, list) else []:
            if not isinstance(item, dict):
                continue
            when = _timestamp(item.get("timestamp"))
            if when is not None and when >= since - timedelta(minutes=1):
                if same_text(item.get("caption"), caption):
                    link = item.get("permalink")
                    return PublishResult(
                        external_id=str(item.get("id")), external_url=str(link) if link else None
                    )
        return None

    def _permalink(self, graph: Graph, media_id: str) -> str | None:
        try:
            link = graph.get(f"/{media_id}", {"fields": "permalink"}).get("permalink")
        except ConnectorError as exc:  # the post exists; its link is only a convenience
            logger.warning("Could not read the permalink of Instagram media %s: %s", media_id, exc)
            return None
        return str(link) if link else None

    def _forget_container(self, request: PublishRequest) -> None:
        containers = dict(self.state.get("containers") or {})
        if containers.pop(str(request.delivery_id), None) is not None:
            self._set_state(containers=containers)

    def _done(self, request: PublishRequest) -> None:
        self._forget_container(request)
        self.forget_attempt(request)


def _timestamp(value: Any) -> datetime | None:
    """Read Graph's ``2025-03-14T09:30:00+0000`` timestamps."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
