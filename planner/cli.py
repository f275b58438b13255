"""The ``planner`` command: database, users, tokens, demo data, and the web and worker processes."""

from __future__ import annotations

import logging
import signal

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from planner.config import settle_base_url
from planner.db import session_scope, upgrade_database
from planner.models import Role
from planner.services import accounts, tokens, workspaces
from planner.services.errors import ServiceError
from planner.timeutils import utcnow

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    for command in (init_db, create_user, create_token, demo, run, web, worker):
        app.cli.add_command(command)


def _create_app() -> Flask:
    from planner import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """planner: a content calendar with promo-ratio guardrails."""


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the database or upgrade it to the newest schema."""
    upgrade_database(current_app)
    click.echo("Database is up to date.")


@click.command("create-user")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--workspace", "workspace_name", default=None, help="Add the user to this workspace.")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), default="owner", show_default=True
)
@click.option("--timezone", default=None, help="Zone for a workspace created here.")
@with_appcontext
def create_user(
    email: str, password: str, workspace_name: str | None, role: str, timezone: str | None
) -> None:
    """Create a user; with --workspace, add them to it (creating it if it does not exist)."""
    now = utcnow()
    try:
        with session_scope(current_app) as session:
            user = accounts.find_user(session=session, email=email)
            if user is None:
                user = accounts.create_user(
                    session=session,
                    email=email,
                    password=password,
                    now=now,
                    password_method=current_app.config["PASSWORD_HASH_METHOD"],
                )
                click.echo(f"Created user {user.email}.")
            else:
                click.echo(f"User {user.email} exists; keeping their password.")
            if workspace_name:
                ws = workspaces.find_workspace_by_name(session=session, name=workspace_name)
                if ws is None and role != Role.OWNER:
                    raise click.ClickException(
                        f"There is no workspace {workspace_name!r}; a new one needs an owner, "
                        "so create it with --role owner first."
                    )
                if ws is None:
                    ws = workspaces.create_workspace(
                        session=session,
                        owner=user,
                        name=workspace_name,
                        timezone=timezone or current_app.config["DEFAULT_TIMEZONE"],
                        now=now,
                    )
                    click.echo(f"Created workspace {ws.name!r}.")
                else:
                    workspaces.add_member(
                        session=session, workspace=ws, user=user, role=Role(role), now=now
                    )
                click.echo(f"{user.email} is {role} of {ws.name!r}.")
    except ServiceError as exc:
        raise click.ClickException(
            exc.message + "".join(f" {k}: {v}" for k, v in exc.fields.items())
        ) from exc


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="CLI token", show_default=True)
@with_appcontext
def create_token(email: str, name: str) -> None:
    """Create a personal access token and print it once."""
    with session_scope(current_app) as session:
        user = accounts.find_user(session=session, email=email)
        if user is None:
            raise click.ClickException(f"No user with email {email}.")
        _token, plaintext = tokens.create_token(session=session, user=user, name=name, now=utcnow())
    click.echo(plaintext)


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when any user exists already.")
@with_appcontext
def demo(if_empty: bool) -> None:
    """Load a demo workspace with a realistic month of posts."""
    from planner.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo

    with session_scope(current_app) as session:
        created = load_demo(
            session=session,
            now=utcnow(),
            if_empty=if_empty,
            password_method=current_app.config["PASSWORD_HASH_METHOD"],
        )
    if created:
        click.echo(f"Demo workspace loaded. Log in as {DEMO_EMAIL} / {DEMO_PASSWORD}")
    else:
        click.echo(
            f"Data exists already; demo not loaded. Demo login (if loaded before): {DEMO_EMAIL} / {DEMO_PASSWORD}"
        )


def _listen_at(app: Flask, host: str, port: int) -> None:
    """Point links in mail and the calendar feed at this address, unless BASE_URL is set."""
    settle_base_url(app.config, host, port)
    if app.config.get("BASE_URL_DERIVED"):
        click.echo(
            f"Links in emails and the calendar feed use {app.config['BASE_URL']}; "
            "set PLANNER_BASE_URL to the address people reach planner at."
        )


def _serve(app: Flask, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def web(host: str, port: int) -> None:
    """Serve the web UI only (use gunicorn in production: see README)."""
    app = current_app._get_current_object()
    _listen_at(app, host, port)
    click.echo(f"Planner is at http://{host}:{port}/")
    _serve(app, host, port)


@click.command("worker")
@with_appcontext
def worker() -> None:
    """Run the publishing worker (one per installation is enough; more are safe)."""
    from planner.publishing.runner import run_worker

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    run_worker(current_app._get_current_object())


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def run(host: str, port: int) -> None:
    """Serve the web UI and run the publishing worker in this one process (for local use)."""
    from planner.publishing.runner import start_background_worker

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = current_app._get_current_object()
    _listen_at(app, host, port)  # before the worker starts: its mail links use it
    handle = start_background_worker(app)
    # SIGTERM (a service manager, `kill`) ends like Ctrl-C: the server returns and the
    # worker finishes the publishes under way before the process exits.
    signal.signal(signal.SIGTERM, _interrupt)
    click.echo(f"Planner is at http://{host}:{port}/  (publishing worker running)")
    try:
        _serve(app, host, port)
    finally:
        handle.stop()
        logging.getLogger("planner.publishing.runner").info("publishing worker stopped")
