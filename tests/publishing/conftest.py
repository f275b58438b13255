"""Fixtures for publishing tests: fake platforms, channels, approved posts and the worker's tick."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, func, select

from planner.connectors_app import get_connectors
from planner.models import (
    Channel,
    Delivery,
    Post,
    PostStatus,
    RecurringSeries,
    SeriesOccurrence,
)
from planner.publishing.worker import tick
from planner.services import channels as channel_service
from planner.services import deliveries, workspaces
from planner.services.workspaces import Access
from planner.timeutils import get_zone, to_local
from tests.conftest import NOW, Auth, Member
from tests.factories import add_post, make_oauth_channel
from tests.fakes.fixtures import fake_bluesky, fake_mastodon, fake_meta, fake_webhook  # noqa: F401
from tests.fakes.meta import FakeMeta


class Desk:
    """One owner's workspace, with shortcuts to add channels and approved posts and to tick."""

    def __init__(self, app: Flask, session: Session, member: Member) -> None:
        self.app, self.session, self.member = app, session, member

    @property
    def acc(self) -> Access:
        return workspaces.access(
            session=self.session, user=self.member.user, workspace_id=self.member.workspace.id
        )

    def channel(self, platform: str, config: dict[str, Any], name: str = "") -> Channel:
        channel = channel_service.create_channel(
            session=self.session,
            acc=self.acc,
            name=name or platform,
            platform=platform,
            config=config,
            connectors=get_connectors(self.app),
            now=NOW,
        )
        self.session.commit()
        return channel

    def bluesky(self, fake: Any, name: str = "") -> Channel:
        """A Bluesky channel logged in to the fake PDS *fake*."""
        config = {"service_url": fake.url, "handle": fake.handle, "app_password": fake.password}
        return self.channel("bluesky", config, name)

    def approved_post(
        self, channels: Iterable[Channel], *, at: datetime = NOW, body: str = "Fresh bread"
    ) -> Post:
        """An approved post with its deliveries queued, as review's approve leaves it."""
        ids = [c.id for c in channels]
        post = add_post(
            self.session,
            self.member,
            at=at,
            category="promotional",
            body=body,
            status=PostStatus.APPROVED,
            channels=ids,
            created_at=NOW - timedelta(days=1),
            commit=False,
        )
        deliveries.schedule_for_post(session=self.session, post=post, channel_ids=ids, now=NOW)
        self.session.commit()
        return post

    def tick(self, now: datetime = NOW) -> int:
        return tick(self.app, now=now)

    def deliveries(self, post: Post) -> list[Delivery]:
        self.session.expire_all()
        return list(
            self.session.exec(
                select(Delivery).where(Delivery.post_id == post.id).order_by(Delivery.id)
            )
        )

    def delivery(self, post: Post) -> Delivery:
        [delivery] = self.deliveries(post)
        return delivery

    def post(self, post: Post) -> Post:
        self.session.expire_all()
        return self.session.get(Post, post.id)

    def reload(self, obj: Any) -> Any:
        self.session.expire_all()
        return self.session.get(type(obj), obj.id)


# A rule saved before UNTIL was checked: in a zone east of UTC its end lies past year 9999.
UNTIL_9999 = "FREQ=WEEKLY;UNTIL=99991231T235959Z"


def stored_series(
    session: Session, member: Member, rrule: str, *, start: datetime, horizon_days: int = 366
) -> RecurringSeries:
    """A series written straight to the database, as one saved before its rule was checked.

    Its first post exists and nothing after it is materialised yet, so the next tick extends it.
    """
    workspace = member.workspace
    workspace.settings = {**(workspace.settings or {}), "recurrence_horizon_days": horizon_days}
    session.add(workspace)
    post = Post(
        workspace_id=workspace.id,
        author_id=member.user.id,
        body="Weekly special",
        category="promotional",
        scheduled_at=start,
        status=PostStatus.DRAFT,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(post)
    session.flush()
    series = RecurringSeries(
        workspace_id=workspace.id,
        created_by_id=member.user.id,
        rrule=rrule,
        starts_local=to_local(start, get_zone(workspace.timezone)).replace(tzinfo=None),
        body=post.body,
        category=post.category,
        channel_ids=[],
        materialised_until=start,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(series)
    session.flush()
    session.add(SeriesOccurrence(post_id=post.id, series_id=series.id, occurrence_at=start))
    session.commit()
    return series


def occurrence_count(session: Session, series: RecurringSeries) -> int:
    session.expire_all()
    return session.exec(
        select(func.count())
        .select_from(SeriesOccurrence)
        .where(SeriesOccurrence.series_id == series.id)
    ).one()


@pytest.fixture()
def desk(app: Flask, session: Session, auth: Auth) -> Desk:
    app.config.update(RETRY_BASE_SECONDS=60, CONNECTOR_TIMEOUT_SECONDS=2.0, WORKER_THREADS=4)
    return Desk(app, session, auth.user())


@pytest.fixture()
def page(desk: Desk, fake_meta: FakeMeta) -> Channel:  # noqa: F811 - fake_meta is the fixture
    """A Facebook Page channel on the Graph fake, made as the OAuth pick makes it."""
    desk.app.config.update(
        HOST_OVERRIDES={"graph.facebook.com": fake_meta.url}, ALLOW_PRIVATE_HOSTS=True
    )
    desk.app.extensions.pop("planner.connectors", None)  # rebuilt with the overrides
    fake_page = fake_meta.page("1001")
    return make_oauth_channel(
        desk.app,
        desk.session,
        desk.member,
        platform="facebook",
        config={"page_id": "1001", "page_name": fake_page.name, "access_token": fake_page.token},
        expires_at=None,
        name="Corner Bakery",
    )
