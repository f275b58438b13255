"""The worker's tick: claim due deliveries and publish them (built out by the publishing issue)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask


def tick(app: Flask, *, now: datetime) -> int:
    """Process what is due at *now*; returns how many deliveries were handled."""
    return 0
