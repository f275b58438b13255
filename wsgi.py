"""WSGI entry point: ``gunicorn wsgi:app``. Serves the web UI only; run ``planner worker`` beside it."""

from planner import create_app

app = create_app()
