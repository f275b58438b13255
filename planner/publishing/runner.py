"""APScheduler wiring: the scheduler is only a clock that calls the worker's tick.

The schedule itself lives in our own tables (APScheduler removes a one-off job before running it,
so a crash would lose the post); one interval job claims what is due on each tick.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from planner.timeutils import utcnow

logger = logging.getLogger(__name__)


@dataclass
class WorkerHandle:
    """A running scheduler that can be stopped cleanly."""

    scheduler: BackgroundScheduler
    app: Flask

    def stop(self, wait: bool = True) -> None:
        """Stop claiming, then (with *wait*) let the running tick finish its publishes."""
        from planner.publishing.worker import request_stop

        request_stop(self.app)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)


def _tick(app: Flask) -> None:
    from planner.publishing.worker import tick

    try:
        tick(app, now=utcnow())
    except Exception:  # a failed tick must not kill the clock; the next tick tries again
        logger.exception("publishing tick failed")


def _engagement(app: Flask) -> None:
    from planner.publishing.engagement_job import run

    try:
        run(app, now=utcnow())
    except Exception:  # like the tick: the next run tries again
        logger.exception("engagement job failed")


def start_background_worker(app: Flask) -> WorkerHandle:
    """Start the clock in a background thread of this process (for ``planner run`` and tests)."""
    from planner.publishing.worker import stop_event

    stop_event(app).clear()
    # A tick that overruns the interval is expected under a backlog (the next one is skipped);
    # APScheduler would otherwise log every run at INFO and every skip as a warning.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        _tick,
        "interval",
        args=[app],
        seconds=float(app.config["WORKER_TICK_SECONDS"]),
        id="publishing-tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=utcnow(),
    )
    # Reading published posts' figures is its own job, so a slow platform never delays a publish.
    scheduler.add_job(
        _engagement,
        "interval",
        args=[app],
        seconds=float(app.config["ENGAGEMENT_TICK_SECONDS"]),
        id="engagement",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.start()
    logger.info("publishing worker started (tick every %ss)", app.config["WORKER_TICK_SECONDS"])
    return WorkerHandle(scheduler, app)


def run_worker(app: Flask) -> None:
    """Run the worker in the foreground until SIGTERM or SIGINT, then stop cleanly."""
    stop = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        logger.info("signal %s received: finishing in-flight deliveries and stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    handle = start_background_worker(app)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        handle.stop(wait=True)
        logger.info("publishing worker stopped")
