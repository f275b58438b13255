"""Channels page: list, add (owners), settings, reconnect, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from planner.connectors_app import get_connectors
from planner.db import get_session
from planner.services import channel_settings, oauth_flow
from planner.services import channels as channel_service
from planner.services.errors import ValidationError
from planner.services.text import as_sentence
from planner.services.workspaces import Access
from planner.timeutils import utcnow
from planner.web.context import owner_only, with_access
from planner.web.forms import (
    ChannelForm,
    EmptyForm,
    GoogleSettingsForm,
    ReconnectForm,
    choices,
)
from planner.web.forms_support import apply_field_errors
from planner.web.oauth import allow_sign_in

if TYPE_CHECKING:
    from planner.models import Channel

bp = Blueprint("channels", __name__, url_prefix="/channels")

# The form fields each platform reads into its config.
PLATFORM_FIELDS = {
    "outbox": (),
    "webhook": ("url", "format"),
    "mastodon": ("instance_url", "access_token"),
    "bluesky": ("service_url", "handle", "app_password"),
}


@bp.get("/")
@with_access
def index(acc: Access):
    channels = channel_service.list_channels(session=get_session(), workspace_id=acc.workspace.id)
    page = render_template(
        "channels/index.html",
        channels=channels,
        form=EmptyForm(),
        labels=dict(channel_service.platforms()),
        connectables=oauth_flow.connectables(
            connectors=get_connectors(), base_url=current_app.config["BASE_URL"]
        ),
    )
    return allow_sign_in(make_response(page))


@bp.route("/new", methods=["GET", "POST"])
@with_access
def new(acc: Access):
    owner_only(acc)
    form = ChannelForm()
    form.platform.choices = choices(channel_service.platforms(manual=True))
    if form.validate_on_submit():
        platform = form.platform.data
        config = {
            name: getattr(form, name).data
            for name in PLATFORM_FIELDS.get(platform, ())
            if getattr(form, name).data not in (None, "")
        }
        db = get_session()
        try:
            channel = channel_service.create_channel(
                session=db,
                acc=acc,
                name=form.name.data,
                platform=platform,
                config=config,
                connectors=get_connectors(),
                now=utcnow(),
            )
        except ValidationError as exc:
            db.rollback()
            apply_field_errors(
                form, exc, {f"config.{n}": n for fields in PLATFORM_FIELDS.values() for n in fields}
            )
        else:
            db.commit()
            _check_and_tell(acc, channel, "Channel added.")
            return redirect(url_for("channels.index"))
    return render_template("channels/new.html", form=form, platform_fields=PLATFORM_FIELDS), (
        422 if form.errors else 200
    )


@bp.route("/<id:channel_id>/reconnect", methods=["GET", "POST"])
@with_access
def reconnect(acc: Access, channel_id: int):
    """Replace a channel's credentials; posts waiting for it go out on the next tick."""
    owner_only(acc)
    db = get_session()
    channel = channel_service.get_channel(
        session=db, workspace_id=acc.workspace.id, channel_id=channel_id
    )
    if get_connectors().platform(channel.platform).oauth_only:
        # Its tokens come from the platform's sign-in: connecting the same account renews them.
        page = render_template("channels/reconnect_oauth.html", channel=channel, form=EmptyForm())
        return allow_sign_in(make_response(page))
    fields = PLATFORM_FIELDS.get(channel.platform, ())
    form = ReconnectForm(data=None if request.method == "POST" else _public_config(channel))
    for name in {n for names in PLATFORM_FIELDS.values() for n in names} - set(fields):
        delattr(form, name)  # other platforms' fields are neither shown nor validated
    if form.validate_on_submit():
        config = {name: getattr(form, name).data for name in fields}
        try:
            channel_service.reconnect_channel(
                session=db,
                acc=acc,
                channel_id=channel.id,
                config=config,
                connectors=get_connectors(),
                now=utcnow(),
            )
        except ValidationError as exc:
            db.rollback()
            apply_field_errors(form, exc, {f"config.{n}": n for n in fields})
        else:
            db.commit()
            _check_and_tell(acc, channel, f"{channel.name} is reconnected.")
            return redirect(url_for("channels.index"))
    server = _mastodon_server(channel)
    page = render_template(
        "channels/reconnect.html",
        form=form,
        channel=channel,
        fields=[getattr(form, name) for name in fields],
        sign_in_server=server,
        sign_in_form=EmptyForm(),
    )
    response = make_response(page, 422 if form.errors else 200)
    return allow_sign_in(response) if server else response


def _mastodon_server(channel: Channel) -> str | None:
    """A Mastodon channel's server, for signing in there again instead of pasting a token."""
    if channel.platform != "mastodon":
        return None
    host = urlsplit(str(channel.config.get("instance_url") or "")).netloc
    return host or None


@bp.route("/<id:channel_id>/settings", methods=["GET", "POST"])
@with_access
def settings(acc: Access, channel_id: int):
    """A Google Business Profile channel's call-to-action button and offers."""
    owner_only(acc)
    db = get_session()
    channel = channel_service.get_channel(
        session=db, workspace_id=acc.workspace.id, channel_id=channel_id
    )
    if not channel_settings.has_settings(channel):
        flash(f"{channel.name} has no settings of its own.", "error")
        return redirect(url_for("channels.index"))
    saved = {
        "call_to_action": channel.config.get("call_to_action") or "LEARN_MORE",
        "promotions_as_offers": bool(channel.config.get("promotions_as_offers")),
    }
    form = GoogleSettingsForm(data=None if request.method == "POST" else saved)
    form.call_to_action.choices = choices(list(channel_settings.CALL_TO_ACTION_LABELS.items()))
    if form.validate_on_submit():
        try:
            channel_settings.change_settings(
                session=db,
                acc=acc,
                channel_id=channel.id,
                call_to_action=form.call_to_action.data,
                promotions_as_offers=form.promotions_as_offers.data,
                now=utcnow(),
            )
        except ValidationError as exc:
            db.rollback()
            apply_field_errors(form, exc, {})
        else:
            db.commit()
            flash(f"Settings of {channel.name} saved.", "success")
            return redirect(url_for("channels.index"))
    return render_template("channels/settings.html", form=form, channel=channel), (
        422 if form.errors else 200
    )


def _check_and_tell(acc: Access, channel, done: str) -> None:
    """Test a just-saved channel at once, so a typo shows now rather than at 9:00 on Tuesday.

    The outbox needs no test. The test also reads a Mastodon server's own length limit.
    """
    if channel.platform == "outbox":
        flash(done, "success")
        return
    db = get_session()
    result = channel_service.check_channel(
        session=db, acc=acc, channel_id=channel.id, connectors=get_connectors(), now=utcnow()
    )
    db.commit()
    if result.ok:
        flash(f"{done} Connected as {result.detail}; posts for it go out at their time.", "success")
    else:
        message = as_sentence(result.error["message"])
        flash(f"{done} But the connection test failed: {message} Check its settings.", "error")


def _public_config(channel):
    """Prefill what is not secret (a server address, a handle); secrets are typed again."""
    return {k: v for k, v in channel.config.items() if isinstance(v, str)}


@bp.post("/<id:channel_id>/test")
@with_access
def test(acc: Access, channel_id: int):
    """Ask the platform whether the channel works (and refresh its limits), then say so."""
    if EmptyForm().validate_on_submit():
        db = get_session()
        result = channel_service.check_channel(
            session=db, acc=acc, channel_id=channel_id, connectors=get_connectors(), now=utcnow()
        )
        db.commit()
        if result.ok:
            flash(f"Connected: {result.detail}", "success")
        else:
            flash(f"The test failed: {as_sentence(result.error['message'])}", "error")
    return redirect(url_for("channels.index"))


@bp.post("/<id:channel_id>/delete")
@with_access
def delete(acc: Access, channel_id: int):
    owner_only(acc)
    db = get_session()
    channel_service.delete_channel(session=db, acc=acc, channel_id=channel_id, now=utcnow())
    db.commit()
    flash("Channel removed. Its posts stay, without this channel.", "success")
    return redirect(url_for("channels.index"))
