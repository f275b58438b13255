"""The text a post sends to each of its channels, and whether it fits there.

One place for composition, per-channel variants, tagged links, length and image count by each
platform's own rules: review checks it before approving, the import preview per row, the review
queue and the composer show it, and the worker sends it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Protocol

from sqlmodel import Session, col, select

from planner.connectors.base import Connector
from planner.connectors.bundle import UNUSABLE, Connectors
from planner.models import Channel, Post, Workspace
from planner.services.errors import ValidationError
from planner.services.media import images_for_posts, instagram_ready
from planner.timeutils import get_zone
from planner.utm import month_of, outgoing, utm_settings

logger = logging.getLogger(__name__)


class Draft(Protocol):
    """What the outgoing text is made of: a saved ``Post`` or a ``PostInput`` not yet saved."""

    @property
    def body(self) -> str: ...

    @property
    def link(self) -> str | None: ...

    @property
    def scheduled_at(self) -> datetime | None: ...

    @property
    def utm_campaign(self) -> str | None: ...

    @property
    def variants(self) -> Mapping[str, str] | None: ...


def body_for(post: Draft, channel_id: int | None) -> str:
    """The text *post* sends to one channel: its variant for that channel, else the body."""
    variant = (post.variants or {}).get(str(channel_id))
    return variant if variant and variant.strip() else post.body


@dataclass(frozen=True)
class ChannelText:
    """What one channel receives and how it counts it.

    ``text`` and ``link`` go to the connector (links tagged for the platform); ``composed`` is
    the text as the channel shows it, from the channel's variant where the post has one.
    ``counted`` is false when the channel's settings cannot be read, and then ``length``,
    ``limit`` and ``url_length`` are unknown.
    """

    channel: Channel
    text: str
    link: str | None
    composed: str
    counted: bool
    limit: int | None = None
    url_length: int | None = None  # Mastodon counts every link as this many characters
    text_problem: str | None = None  # too long for the platform, or its settings cannot be read
    too_many_images: str | None = None  # "Bluesky takes at most 4 images; this post has 5."
    variant: bool = False  # the channel gets its own text rather than the post's body
    image_limit: int | None = None
    connector: Connector | None = field(default=None, repr=False, compare=False)

    @property
    def problem(self) -> str | None:
        """Everything that keeps the post from this channel, or None when it fits."""
        found = [p for p in (self.text_problem, self.too_many_images) if p]
        return " ".join(found) if found else None

    @cached_property
    def length(self) -> int | None:
        """The length as the platform counts it; worked out when asked, as counting is slow."""
        return None if self.connector is None else self.connector.count(self.text, self.link)

    @property
    def too_long(self) -> str | None:
        """The platform's own words when the text is over its limit ("312 of 300 characters")."""
        return self.text_problem if self.counted else None


def channels_of(*, session: Session, channel_ids: Sequence[int]) -> list[Channel]:
    """The channels with these ids, in the order their texts are listed (by id)."""
    return list(
        session.exec(
            select(Channel).where(col(Channel.id).in_(list(channel_ids))).order_by(col(Channel.id))
        )
    )


class Outgoing:
    """Works out outgoing texts for many posts, building each channel's connector once."""

    def __init__(self, *, workspace: Workspace, connectors: Connectors, now: datetime) -> None:
        self.zone = get_zone(workspace.timezone)
        self.settings = utm_settings(workspace.settings)
        self.connectors, self.now = connectors, now
        self._built: dict[int | None, tuple[str, Connector | None]] = {}

    def _channel(self, channel: Channel) -> tuple[int | None, str, Connector | None]:
        """The channel's id, platform and connector, read from the channel once per channel:
        an import asks for every channel of each of its thousands of rows."""
        key = channel.id
        if key not in self._built:
            try:
                connector = self.connectors.for_channel(channel)
            except UNUSABLE as exc:
                logger.warning("Cannot count for channel %s: %s", key, exc)
                connector = None
            self._built[key] = (channel.platform, connector)
        platform, connector = self._built[key]
        return key, platform, connector

    def connector(self, channel: Channel) -> Connector | None:
        """The channel's connector, or None when its settings cannot be used (logged once)."""
        return self._channel(channel)[2]

    def _sent(
        self, post: Draft, channel_id: int | None, platform: str, month: str
    ) -> tuple[str, str, str | None]:
        """The body *post* uses for a channel, and the text and link that channel is sent."""
        body = body_for(post, channel_id)
        text, link = outgoing(
            body,
            post.link,
            platform=platform,
            settings=self.settings,
            campaign=post.utm_campaign,
            month=month,
        )
        return body, text, link

    def too_long(self, post: Draft, channels: Iterable[Channel]) -> list[tuple[Channel, str]]:
        """The channels *post* is too long for, each with the platform's words.

        Only the lengths are worked out, for checking many posts at once (an import's rows);
        a channel that cannot count is left out, as the channel page tells its owner.
        """
        month = month_of(post.scheduled_at, self.zone, now=self.now)
        found = []
        for channel in channels:
            channel_id, platform, connector = self._channel(channel)
            if connector is None:
                continue
            _body, text, link = self._sent(post, channel_id, platform, month)
            if problem := connector.check_length(text, link):
                found.append((channel, problem))
        return found

    def texts_for(
        self, post: Draft, channels: Iterable[Channel], *, images: int = 0
    ) -> list[ChannelText]:
        """Return what each of *channels* receives from *post* (see ``texts_for``)."""
        month = month_of(post.scheduled_at, self.zone, now=self.now)
        found = []
        for channel in channels:
            channel_id, platform, connector = self._channel(channel)
            body, text, link = self._sent(post, channel_id, platform, month)
            if connector is None:
                found.append(
                    ChannelText(
                        channel=channel,
                        text=text,
                        link=link,
                        composed=text if not link or link in text else f"{text}\n{link}",
                        counted=False,
                        text_problem=f"Cannot read the settings of {channel.name}; reconnect it.",
                        variant=body is not post.body,
                    )
                )
                continue
            found.append(
                ChannelText(
                    channel=channel,
                    text=text,
                    link=link,
                    composed=connector.compose(text, link),
                    counted=True,
                    limit=connector.limit(),
                    url_length=connector.url_length,
                    text_problem=connector.check_length(text, link),
                    too_many_images=connector.check_images(images),
                    variant=body is not post.body,
                    image_limit=connector.images(),
                    connector=connector,
                )
            )
        return found


def texts_for(
    post: Draft,
    channels: Iterable[Channel],
    *,
    workspace: Workspace,
    connectors: Connectors,
    now: datetime,
    images: int = 0,
) -> list[ChannelText]:
    """Return what each of *channels* receives from *post*, counted the way its platform counts.

    A link to the workspace's own site is tagged for each platform, in the body too; *images*
    is how many images the post carries, checked against each channel's maximum.
    """
    return Outgoing(workspace=workspace, connectors=connectors, now=now).texts_for(
        post, channels, images=images
    )


def require_fit(
    post: Draft,
    channels: Iterable[Channel],
    *,
    workspace: Workspace,
    connectors: Connectors,
    now: datetime,
    images: int = 0,
) -> None:
    """Refuse a post too long for one of its channels, or for a channel that cannot count it,
    or with more images than one of its channels takes."""
    texts = texts_for(
        post, channels, workspace=workspace, connectors=connectors, now=now, images=images
    )
    too_long = [t.text_problem for t in texts if t.text_problem]
    too_many = [t.too_many_images for t in texts if t.too_many_images]
    messages, fields = [], {}
    if too_long:
        detail = "; ".join(too_long)
        messages.append(
            f"This post is too long for one of its channels ({detail}). Shorten it first."
        )
        fields["body"] = f"Too long: {detail}."
    if too_many:
        detail = " ".join(too_many)
        messages.append(f"{detail} Change the images or remove that channel first.")
        fields["media"] = detail
    if messages:
        raise ValidationError(" ".join(messages), fields=fields)


def require_saved_fit(
    post: Post,
    channel_ids: Sequence[int],
    *,
    session: Session,
    workspace: Workspace,
    connectors: Connectors,
    now: datetime,
) -> None:
    """Refuse a saved post that does not fit one of its channels, counting its stored images.

    For Instagram the images' shapes count too: one outside 4:5 to 1.91:1 needs a crop or pad.
    """
    images = images_for_posts(session=session, post_ids=[post.id]).get(post.id, [])
    channels = channels_of(session=session, channel_ids=channel_ids)
    require_fit(
        post, channels, workspace=workspace, connectors=connectors, now=now, images=len(images)
    )
    if any(channel.platform == "instagram" for channel in channels):
        problem = instagram_ready(images)
        if problem is not None:
            raise ValidationError(problem, fields={"media": problem})
