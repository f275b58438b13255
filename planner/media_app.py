"""The app's media storage, shared by the web app and the worker, built once from config."""

from __future__ import annotations

import threading

from flask import Flask, current_app

from planner.media.settings import MediaLimits, limits_from_config, storage_from_config
from planner.media.storage import Storage

EXTENSION = "planner.media"
_building = threading.Lock()


def get_media_storage(app: Flask | None = None) -> Storage:
    """Return *app*'s media storage (the current app's by default), building it once."""
    app = app if app is not None else current_app
    storage = app.extensions.get(EXTENSION)
    if storage is None:
        with _building:
            storage = app.extensions.get(EXTENSION)
            if storage is None:
                storage = storage_from_config(app.config, app.instance_path)
                app.extensions[EXTENSION] = storage
    return storage


def get_media_limits(app: Flask | None = None) -> MediaLimits:
    """The upload limits in *app*'s settings (PLANNER_MEDIA_MAX_BYTES)."""
    app = app if app is not None else current_app
    return limits_from_config(app.config)
