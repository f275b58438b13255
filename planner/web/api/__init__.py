"""JSON API v1: the same services as the UI, authenticated with personal access tokens."""

from __future__ import annotations

from flask import Blueprint


def blueprint() -> Blueprint:
    """Return the API blueprint with every route module's routes attached."""
    from planner.web.api import (  # noqa: F401  (each adds its routes to bp)
        core,
        guardrails,
        imports,
        media,
        oauth,
        planning,
        publishing,
        review,
    )
    from planner.web.api.base import bp

    return bp
