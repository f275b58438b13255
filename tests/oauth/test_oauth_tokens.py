"""Token lifetimes: renewed before expiry, announced once when they cannot be, refused -> reauth.

Testnet's connector (tests/fakes/tiny_oauth.py) is handed to the app in its connectors
bundle, in a variant that renews, cannot renew, is refused, or cannot reach the platform.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from planner.connectors_app import get_connectors
from planner.models import AuditEvent, Channel, ChannelStatus, Notification, Role
from planner.oauth_models import OAuthFlow
from planner.publishing import context, upkeep
from planner.publishing.worker import TOKENS_KEY, tick
from planner.timeutils import utcnow
from tests.conftest import Auth, Member
from tests.factories import make_oauth_channel
from tests.fakes.tiny_oauth import FakeTestnet, TestnetConnector, install


def variant(renewal: str, **more: object) -> type[TestnetConnector]:
    return type(f"Testnet{renewal.title()}", (TestnetConnector,), {"renewal": renewal, **more})


def channel_expiring(
    app: Flask,
    session: Session,
    member: Member,
    renewal: str,
    expires_at: datetime,
    **more: object,
) -> Channel:
    install(app, connector=variant(renewal, **more))
    config = {"page_id": "p1", "access_token": "t0", "expires_at": expires_at.isoformat()}
    return make_oauth_channel(
        app, session, member, platform="testnet", config=config, expires_at=expires_at
    )


def run(app: Flask, now: datetime, last_run: datetime | None = None) -> bool:
    return upkeep.keep_tokens_alive(context.build(app, now=now), now=now, last_run=last_run)


def reloaded(session: Session, channel: Channel) -> Channel:
    session.expire_all()
    return session.get(Channel, channel.id)


def mails(app: Flask) -> list[str]:
    folder = Path(app.instance_path) / "mail"
    return sorted(p.read_text() for p in folder.glob("*.eml")) if folder.exists() else []


def test_a_token_within_its_margin_is_renewed_and_saved_sealed(
    app: Flask, auth: Auth, session: Session
) -> None:
    now = utcnow()
    channel = channel_expiring(app, session, auth.user(), "renew", now + timedelta(days=2))
    assert run(app, now) is True
    channel = reloaded(session, channel)
    assert channel.token_expires_at == datetime.fromisoformat(
        (now + timedelta(days=30)).isoformat()
    )
    state = get_connectors(app).box.open(channel.state)
    assert state["access_token"] == "renewed" and "renewed" not in channel.state
    assert channel.expiry_notified_at is None and channel.status == ChannelStatus.OK
    assert session.exec(select(Notification)).all() == [] and mails(app) == []


def test_a_token_far_from_expiry_is_left_alone(app: Flask, auth: Auth, session: Session) -> None:
    now = utcnow()
    channel = channel_expiring(app, session, auth.user(), "refuse", now + timedelta(days=8))
    run(app, now)
    channel = reloaded(session, channel)
    assert channel.status == ChannelStatus.OK and channel.state == ""


def test_an_hourly_token_is_not_tried_nor_announced_before_its_short_margin(
    app: Flask, auth: Auth, session: Session
) -> None:
    now = utcnow()
    channel = channel_expiring(
        app,
        session,
        auth.user(),
        "cannot",
        now + timedelta(hours=3),
        refresh_margin=timedelta(minutes=10),
    )
    run(app, now)
    assert reloaded(session, channel).expiry_notified_at is None
    run(app, now + timedelta(hours=2, minutes=55))
    assert reloaded(session, channel).expiry_notified_at is not None


def test_a_token_that_cannot_be_renewed_is_announced_once_to_the_owners(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    now = utcnow()
    owner = auth.user()
    editor = auth.user(workspace=owner.workspace, role=Role.EDITOR)
    channel = channel_expiring(app, session, owner, "cannot", now + timedelta(days=3))
    run(app, now)
    run(app, now + timedelta(minutes=10))
    (note,) = session.exec(select(Notification)).all()
    assert note.user_id == owner.user.id and note.kind == "token_expiring"
    assert "Page loses its access in about 3 days" in note.message
    (mail,) = mails(app)
    assert "Subject: [Shop] Reconnect soon: Page" in mail and "/channels/" in mail
    assert reloaded(session, channel).status == ChannelStatus.OK

    auth.login(client, owner)
    page = client.get("/channels/").get_data(as_text=True)
    assert "will lose its access soon" in page and "Reconnect Page" in page
    theirs = auth.login(app.test_client(), editor)
    assert "will lose its access soon" not in theirs.get("/").get_data(as_text=True)


def test_reconnecting_a_channel_whose_tokens_come_from_oauth_offers_the_sign_in(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    owner = auth.user()
    channel = channel_expiring(app, session, owner, "cannot", utcnow() + timedelta(days=3))
    auth.login(client, owner)
    page = client.get(f"/channels/{channel.id}/reconnect").get_data(as_text=True)
    assert 'action="/channels/oauth/testnet/start"' in page and "Sign in again" in page


def test_a_refused_renewal_marks_the_channel_needs_reauth(
    app: Flask, auth: Auth, session: Session
) -> None:
    now = utcnow()
    channel = channel_expiring(app, session, auth.user(), "refuse", now + timedelta(days=1))
    run(app, now)
    channel = reloaded(session, channel)
    assert channel.status == ChannelStatus.NEEDS_REAUTH
    assert "refused to renew the access: The token was revoked" in channel.status_detail
    assert "channel_needs_reauth" in session.exec(select(AuditEvent.action)).all()


def test_an_expired_token_that_cannot_be_renewed_needs_reauth(
    app: Flask, auth: Auth, session: Session
) -> None:
    now = utcnow()
    channel = channel_expiring(app, session, auth.user(), "cannot", now - timedelta(minutes=1))
    run(app, now)
    assert reloaded(session, channel).status == ChannelStatus.NEEDS_REAUTH


def test_a_platform_that_cannot_be_reached_is_tried_again_later(
    app: Flask, auth: Auth, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    now = utcnow()
    expires = now + timedelta(hours=2)
    channel = channel_expiring(app, session, auth.user(), "fail", expires)
    run(app, now)
    channel = reloaded(session, channel)
    assert channel.status == ChannelStatus.OK and channel.expiry_notified_at is None
    assert "Testnet is down" in caplog.text


def test_the_worker_checks_tokens_at_most_every_five_minutes(
    app: Flask, auth: Auth, session: Session
) -> None:
    now = utcnow()
    assert run(app, now, last_run=now - timedelta(minutes=4)) is False
    channel = channel_expiring(app, session, auth.user(), "renew", now + timedelta(hours=2))
    tick(app, now=now)
    assert app.extensions[TOKENS_KEY] == now
    assert reloaded(session, channel).token_expires_at > now + timedelta(days=29)


def test_flows_nobody_finished_are_forgotten_by_the_worker(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    with FakeTestnet() as fake:
        install(app, fake)
        auth.login(client, auth.user())
        client.post("/channels/oauth/testnet/start")
        client.post("/channels/oauth/testnet/start")
    (older, newer) = session.exec(select(OAuthFlow).order_by(OAuthFlow.id)).all()
    older.created_at = utcnow() - timedelta(minutes=26)
    session.add(older)
    session.commit()
    run(app, utcnow())
    session.expire_all()
    assert [f.id for f in session.exec(select(OAuthFlow))] == [newer.id]
