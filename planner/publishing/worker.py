"""The worker's tick: tidy up, then claim due deliveries and publish them through a thread pool.

Any number of workers may tick against one database: claims are atomic (see ``claims``), so
each delivery is published by one of them. A stop request (SIGTERM, SIGINT) ends claiming at
once and lets the publishes already under way finish and be recorded.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime

from flask import Flask
from sqlmodel import Session

from planner.publishing import claims, context, upkeep
from planner.publishing.attempt import publish_one
from planner.publishing.context import TickContext

logger = logging.getLogger(__name__)

STOP_KEY = "planner.publishing.stop"
SERIES_KEY = "planner.publishing.series_extended_at"
TOKENS_KEY = "planner.publishing.tokens_checked_at"
# A tick keeps claiming while work is due, but hands back to the clock after this long so that
# lease recovery and the lateness sweep run regularly even under a large backlog.
TICK_BUDGET_SECONDS = 30.0


def stop_event(app: Flask) -> threading.Event:
    """Return the event that, once set, makes this app's ticks stop claiming."""
    return app.extensions.setdefault(STOP_KEY, threading.Event())


def request_stop(app: Flask) -> None:
    """Stop claiming new deliveries; publishes already under way still finish."""
    stop_event(app).set()


def tick(app: Flask, *, now: datetime) -> int:
    """Process what is due at *now*; returns how many deliveries were handled."""
    ctx = context.build(app, now=now)
    # Housekeeping never raises: whatever fails there is logged, and publishing still runs.
    if upkeep.tidy(ctx, now=now, series_last_run=app.extensions.get(SERIES_KEY)):
        app.extensions[SERIES_KEY] = now
    if upkeep.keep_tokens_alive(ctx, now=now, last_run=app.extensions.get(TOKENS_KEY)):
        app.extensions[TOKENS_KEY] = now
    return _publish_due(ctx, stop_event(app))


def _publish_due(ctx: TickContext, stop: threading.Event) -> int:
    """Keep up to two deliveries per thread in flight, claiming more as they finish."""
    window = ctx.threads * 2
    started = ctx.clock()
    handled = 0
    exhausted = False
    in_flight: set[Future[bool]] = set()
    with ThreadPoolExecutor(ctx.threads, thread_name_prefix="publish") as pool:
        while True:
            out_of_time = (ctx.clock() - started).total_seconds() > TICK_BUDGET_SECONDS
            if len(in_flight) <= ctx.threads and not (exhausted or out_of_time or stop.is_set()):
                wanted = window - len(in_flight)
                token = _claim_token()
                ids = _claim(ctx, wanted, token)
                exhausted = len(ids) < wanted
                in_flight |= {pool.submit(publish_one, ctx, i, token) for i in ids}
            if not in_flight:
                return handled
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                handled += 1
                if (error := future.exception()) is not None:
                    logger.error(
                        "Recording a publish failed; the delivery's lease will bring it back",
                        exc_info=error,
                    )


def _claim_token() -> str:
    """Name one claim: which machine and process made it (for logs), and a unique part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _claim(ctx: TickContext, limit: int, token: str) -> list[int]:
    """Claim up to *limit* due deliveries and mark their posts as being published."""
    with Session(ctx.engine, expire_on_commit=False) as session:
        ids = claims.claim_due(session, now=ctx.clock(), limit=limit, lease=ctx.lease, token=token)
        session.commit()
        claims.start_posts(session, delivery_ids=ids, now=ctx.clock())
        session.commit()
    if ids:
        logger.debug("Claimed %d deliveries as %s", len(ids), token)
    return ids
