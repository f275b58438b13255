"""Register, log in, log out, accept an invitation."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlmodel import Session

from planner.db import get_session
from planner.models import User, Workspace
from planner.services import accounts, workspaces
from planner.services.accounts import LoginPolicy, LoginThrottled
from planner.services.errors import NotFound, ValidationError
from planner.timeutils import utcnow, zone_names
from planner.web.context import local_url, switch_to
from planner.web.forms import EmptyForm, InviteAcceptForm, LoginForm, RegisterForm, choices
from planner.web.forms_support import apply_field_errors

bp = Blueprint("auth", __name__)


def load_user(user_id: str) -> User | None:
    """Load the user named by a session's ``id:generation``; an ended generation loads no one."""
    user_part, _sep, generation = user_id.partition(":")
    try:
        user = get_session().get(User, int(user_part))
    except ValueError:
        return None
    if user is None or generation != str(user.session_generation):
        return None
    return user


def _start_session(user: User, workspace_id: int | None = None) -> None:
    session.clear()  # a fresh session at login: nothing from before survives
    login_user(user)
    if workspace_id is not None:
        switch_to(workspace_id)


def _password_method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def _check_login(db: Session, email: str, password: str) -> User | None:
    """Count the attempt, then check the password; the count is committed before the slow hash.

    Committing first means parallel guesses all see each other's attempts (and, on SQLite, no
    write lock is held while hashing). Raises LoginThrottled beyond the limits.
    """
    cfg = current_app.config
    policy = LoginPolicy(
        max_failures=cfg["LOGIN_MAX_FAILURES"],
        max_per_address=cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        window=timedelta(seconds=cfg["LOGIN_FAILURE_WINDOW_SECONDS"]),
    )
    address = request.remote_addr or ""
    accounts.count_login_attempt(
        session=db, email=email, address=address, now=utcnow(), policy=policy
    )
    db.commit()
    return accounts.authenticate(
        session=db,
        email=email,
        password=password,
        address=address,
        password_method=_password_method(),
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("calendar.month"))
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            user = _check_login(db, form.email.data, form.password.data)
        except LoginThrottled as exc:
            db.commit()
            form.password.errors.append(exc.message)
            return render_template("auth/login.html", form=form), 429
        db.commit()
        if user is None:
            form.password.errors.append("Email or password is not right.")
            return render_template("auth/login.html", form=form), 401
        _start_session(user)
        return redirect(local_url(request.args.get("next")) or url_for("calendar.month"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # A copied cookie must not outlive the logout: end this user's generation everywhere.
        db = get_session()
        accounts.end_sessions(session=db, user=current_user._get_current_object())
        db.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    form.timezone.choices = choices((z, z) for z in zone_names())
    if request.method == "GET" and not form.timezone.data:
        form.timezone.data = current_app.config["DEFAULT_TIMEZONE"]
    if form.validate_on_submit():
        db = get_session()
        try:
            user, ws = accounts.register(
                session=db,
                email=form.email.data,
                password=form.password.data,
                workspace_name=form.workspace.data,
                timezone=form.timezone.data,
                name=form.name.data or "",
                now=utcnow(),
                password_method=_password_method(),
            )
        except ValidationError as exc:
            db.rollback()
            apply_field_errors(form, exc, {"name": "workspace"})
        else:
            db.commit()
            _start_session(user, ws.id)
            flash(f"Welcome! {ws.name} is ready. Add a channel, then plan your month.", "success")
            return redirect(url_for("calendar.month"))
    return render_template("auth/register.html", form=form), (422 if form.errors else 200)


def _invitation_not_valid(exc: NotFound):
    return render_template(
        "errors/error.html", title="Invitation not valid", message=exc.message
    ), 404


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invite(token: str):
    db = get_session()
    now = utcnow()
    try:
        inv = workspaces.find_invitation(session=db, token=token, now=now)
    except NotFound as exc:
        return _invitation_not_valid(exc)
    ws = db.get(Workspace, inv.workspace_id)
    if current_user.is_authenticated:
        if request.method == "POST":
            if EmptyForm().validate_on_submit():
                try:
                    workspaces.accept_invitation(
                        session=db, token=token, user=current_user, now=now
                    )
                except NotFound as exc:
                    db.rollback()
                    return _invitation_not_valid(exc)
                db.commit()
                switch_to(ws.id)
                flash(f"You joined {ws.name}.", "success")
                return redirect(url_for("calendar.month"))
        return render_template("auth/invite.html", invitation=inv, workspace=ws, form=None)
    form = InviteAcceptForm()
    if request.method == "GET" and inv.email:
        form.email.data = inv.email
    if form.validate_on_submit():
        existing = accounts.find_user(session=db, email=form.email.data)
        try:
            if existing is not None:
                user = _check_login(db, form.email.data, form.password.data)
                if user is None:
                    db.commit()
                    form.password.errors.append(
                        "This email has an account; enter its password to join."
                    )
                    return render_template(
                        "auth/invite.html", invitation=inv, workspace=ws, form=form
                    ), 401
            else:
                user = accounts.create_user(
                    session=db,
                    email=form.email.data,
                    password=form.password.data,
                    name=form.name.data or "",
                    now=now,
                    password_method=_password_method(),
                )
            workspaces.accept_invitation(session=db, token=token, user=user, now=now)
        except (ValidationError, LoginThrottled) as exc:
            db.rollback()
            apply_field_errors(form, exc, {})
        except NotFound as exc:  # someone else used the link a moment ago
            db.rollback()
            return _invitation_not_valid(exc)
        else:
            db.commit()
            _start_session(user, ws.id)
            flash(f"Welcome to {ws.name}.", "success")
            return redirect(url_for("calendar.month"))
    return render_template("auth/invite.html", invitation=inv, workspace=ws, form=form)
