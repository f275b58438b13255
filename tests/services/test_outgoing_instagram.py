"""Submitting a post to Instagram: an image is required, and each must fit 4:5..1.91:1 or have
a crop or pad chosen; other channels do not care."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlmodel import Session

from planner.connectors_app import get_connectors
from planner.media.settings import limits_from_config
from planner.media_app import get_media_storage
from planner.services import media as media_service
from planner.services import outgoing
from planner.services.errors import ValidationError
from tests.conftest import NOW, Auth
from tests.factories import (
    access_of,
    add_post,
    ahead,
    attach_media,
    make_channel,
    make_oauth_channel,
)
from tests.fakes.images import jpeg

INSTAGRAM = {"ig_user_id": "17841400000001", "username": "cornerbakery", "access_token": "t"}


def check(app: Flask, session: Session, member, post, channel_ids) -> None:
    outgoing.require_saved_fit(
        post,
        channel_ids,
        session=session,
        workspace=member.workspace,
        connectors=get_connectors(app),
        now=NOW,
    )


def stored(app: Flask, session: Session, member, width: int, height: int) -> int:
    media = media_service.upload(
        session=session,
        acc=access_of(member),
        storage=get_media_storage(app),
        data=jpeg(width, height),
        filename="photo.jpg",
        alt="A loaf",
        limits=limits_from_config(app.config),
        now=NOW,
    )
    session.commit()
    return media.id


@pytest.fixture
def member(auth: Auth):
    return auth.user()


def test_a_post_without_images_cannot_go_to_instagram(app: Flask, session: Session, member) -> None:
    channel = make_oauth_channel(
        app, session, member, platform="instagram", config=INSTAGRAM, expires_at=None
    )
    post = add_post(session, member, at=ahead(), channels=[channel.id])
    with pytest.raises(ValidationError) as caught:
        check(app, session, member, post, [channel.id])
    assert "Instagram needs at least one image" in caught.value.fields["media"]


def test_a_wide_image_needs_a_crop_or_pad_for_instagram_only(
    app: Flask, session: Session, member
) -> None:
    channel = make_oauth_channel(
        app, session, member, platform="instagram", config=INSTAGRAM, expires_at=None
    )
    outbox = make_channel(session, member.workspace, "Outbox")
    post = add_post(session, member, at=ahead(), channels=[channel.id, outbox.id])
    attach_media(session, post, [stored(app, session, member, 1000, 400)])
    check(app, session, member, post, [outbox.id])  # the outbox takes any shape
    with pytest.raises(ValidationError) as caught:
        check(app, session, member, post, [channel.id, outbox.id])
    assert caught.value.fields["media"] == (
        "Image 1 (photo.jpg) is 1000 × 400: Instagram needs 4:5 to 1.91:1; choose Crop or Pad "
        "for it."
    )


@pytest.mark.parametrize("fit", ["crop", "pad"])
def test_a_wide_image_with_a_fit_chosen_can_go_to_instagram(
    app: Flask, session: Session, member, fit: str
) -> None:
    channel = make_oauth_channel(
        app, session, member, platform="instagram", config=INSTAGRAM, expires_at=None
    )
    post = add_post(session, member, at=ahead(), channels=[channel.id])
    attach_media(session, post, [stored(app, session, member, 1000, 400)], fit=fit)
    check(app, session, member, post, [channel.id])
