"""planner: a self-hosted content calendar for small businesses, with promo-ratio guardrails."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the web app: load config in a fixed order and wire each concern. Nothing starts here."""
    from planner import cli, config, db, web

    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "PLANNER_INSTANCE_PATH"
    )
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve())
        if instance_path
        else str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(config.DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(config.env_overrides())
    if test_config:
        app.config.from_mapping(test_config)
    config.check_secure(app.config)
    config.engagement_schedule(app.config["ENGAGEMENT_SCHEDULE"])  # a bad value stops start-up
    config.settle_base_url(app.config)

    db.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app
