"""The app's connectors bundle, shared by the web app and the worker that runs beside it.

Built on first use rather than at start-up, so the instance key file is created only when a
channel is first touched, and cached on the app so every request and tick share one box.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app

from planner.connectors.bundle import Connectors

EXTENSION = "planner.connectors"
_building = threading.Lock()  # two first requests must not both create the key file


def get_connectors(app: Flask | None = None) -> Connectors:
    """Return *app*'s connectors bundle (the current app's by default), building it once."""
    app = app if app is not None else current_app
    bundle = app.extensions.get(EXTENSION)
    if bundle is None:
        with _building:
            bundle = app.extensions.get(EXTENSION)
            if bundle is None:
                bundle = Connectors.from_config(app.config, app.instance_path)
                app.extensions[EXTENSION] = bundle
    return bundle
