"""What one tick of the worker needs, built once from the app and shared by its threads."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import Engine

from planner.connectors.bundle import Connectors
from planner.connectors_app import get_connectors
from planner.db import get_engine
from planner.media_app import get_media_storage
from planner.publishing.media import (
    CardLoader,
    ImageHost,
    MediaLoader,
    image_host,
    no_card,
    no_media,
    stored_card,
    stored_media,
)
from planner.publishing.policy import RetryPolicy
from planner.services.notifications import Notice


@dataclass(frozen=True)
class TickContext:
    """Settings, secrets and the clock for one tick; no Flask context is needed from here on."""

    engine: Engine
    connectors: Connectors
    policy: RetryPolicy
    lease: timedelta
    threads: int
    clock: Callable[[], datetime]
    send_notices: Callable[[Sequence[Notice]], object]
    # Reads a post's images for sending (planner.publishing.media); none by default.
    load_media: MediaLoader = no_media
    # Stores a rendition and returns its signed address (Instagram's JPEG); None: cannot.
    host_image: ImageHost | None = None
    # Reads a post's link card, read when it was saved (planner.publishing.media); none by default.
    load_card: CardLoader = no_card


def tick_clock(now: datetime) -> Callable[[], datetime]:
    """Return a clock that starts at *now* and advances with the monotonic clock.

    The tick is handed its ``now`` (tests pass any instant they like); times recorded later in
    the same tick, such as when each delivery was published, move on from there.
    """
    started = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - started)


def build(app: Flask, *, now: datetime) -> TickContext:
    """Read the worker's settings from *app* (the connectors bundle is the web app's own)."""
    from planner.mail import send

    config = app.config
    clock = tick_clock(now)
    return TickContext(
        engine=get_engine(app),
        connectors=get_connectors(app),
        policy=RetryPolicy.from_config(config),
        lease=timedelta(seconds=float(config["LEASE_SECONDS"])),
        threads=max(1, int(config["WORKER_THREADS"])),
        clock=clock,
        # Emails go out after the transaction that caused them has committed.
        send_notices=lambda notices: send(app, notices, now=clock()),
        load_media=stored_media(get_media_storage(app)),
        host_image=image_host(get_media_storage(app)),
        load_card=stored_card(get_media_storage(app)),
    )
