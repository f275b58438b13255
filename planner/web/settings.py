"""Settings: the workspace, its members and invitations, API tokens, password, switching."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlmodel import Session

from planner.db import get_session
from planner.models import Role, User
from planner.publishing import policy
from planner.services import accounts, audit, recurrence, review, tokens, workspaces
from planner.services.errors import Conflict
from planner.services.workspaces import Access
from planner.timeutils import utcnow, zone_names
from planner.web.boundary import as_id
from planner.web.context import owner_only, switch_to, with_access
from planner.web.forms import (
    EmptyForm,
    InviteForm,
    PasswordForm,
    RoleForm,
    TokenForm,
    WorkspaceForm,
    choices,
)
from planner.web.forms_support import act, commit_or_show

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.route("/", methods=["GET", "POST"])
@with_access
def workspace(acc: Access):
    form = WorkspaceForm(obj=acc.workspace if request.method == "GET" else None)
    form.timezone.choices = choices((z, z) for z in zone_names())
    if request.method == "GET":
        settings = acc.workspace.settings or {}
        form.second_pair_of_eyes.data = review.second_pair_of_eyes(acc.workspace)
        form.allowed_lateness_minutes.data = int(
            policy.allowed_lateness(settings).total_seconds() // 60
        )
        form.recurrence_horizon_days.data = recurrence.horizon(acc.workspace).days
    if form.validate_on_submit():
        owner_only(acc)
        ok, _ws = commit_or_show(
            form,
            lambda db: workspaces.update_workspace(
                session=db,
                acc=acc,
                name=form.name.data,
                timezone=form.timezone.data,
                now=utcnow(),
                second_pair_of_eyes=form.second_pair_of_eyes.data,
                allowed_lateness_minutes=form.allowed_lateness_minutes.data,
                recurrence_horizon_days=form.recurrence_horizon_days.data,
            ),
        )
        if ok:
            flash("Workspace saved.", "success")
            return redirect(url_for("settings.workspace"))
    return render_template("settings/workspace.html", form=form, acc=acc)


@bp.get("/members")
@with_access
def members(acc: Access):
    db = get_session()
    now = utcnow()
    return render_template(
        "settings/members.html",
        acc=acc,
        members=workspaces.members(session=db, workspace_id=acc.workspace.id),
        invitations=workspaces.pending_invitations(
            session=db, workspace_id=acc.workspace.id, now=now
        )
        if acc.is_owner
        else [],
        invite_form=InviteForm(),
        role_form=RoleForm(),
        form=EmptyForm(),
        new_link=request.args.get("link"),
    )


@bp.post("/members/invite")
@with_access
def invite(acc: Access):
    owner_only(acc)
    form = InviteForm()
    if not form.validate_on_submit():
        flash("Choose a role for the invitation.", "error")
        return redirect(url_for("settings.members"))
    db = get_session()
    _inv, token = workspaces.create_invitation(
        session=db,
        acc=acc,
        role=Role(form.role.data),
        email=form.email.data or "",
        now=utcnow(),
        ttl_hours=current_app.config["INVITE_TTL_HOURS"],
    )
    db.commit()
    link = url_for("auth.invite", token=token, _external=True)
    flash("Invitation created. Copy the link below and send it; it works once.", "success")
    return render_template("settings/invite_link.html", link=link, role=form.role.data)


@bp.post("/members/<id:user_id>/role")
@with_access
def change_role(acc: Access, user_id: int):
    owner_only(acc)
    form = RoleForm()
    if form.validate_on_submit():
        act(
            lambda db: workspaces.change_role(
                session=db, acc=acc, user_id=user_id, role=Role(form.role.data), now=utcnow()
            ),
            done="Role changed.",
            refused=(Conflict,),
        )
    return redirect(url_for("settings.members"))


@bp.post("/members/<id:user_id>/remove")
@with_access
def remove_member(acc: Access, user_id: int):
    owner_only(acc)
    act(
        lambda db: workspaces.remove_member(session=db, acc=acc, user_id=user_id, now=utcnow()),
        done="Member removed.",
        refused=(Conflict,),
    )
    return redirect(url_for("settings.members"))


@bp.post("/invitations/<id:invitation_id>/revoke")
@with_access
def revoke_invitation(acc: Access, invitation_id: int):
    owner_only(acc)
    db = get_session()
    workspaces.revoke_invitation(session=db, acc=acc, invitation_id=invitation_id)
    db.commit()
    flash("Invitation withdrawn.", "success")
    return redirect(url_for("settings.members"))


@bp.route("/tokens", methods=["GET", "POST"])
@with_access
def api_tokens(acc: Access):
    db = get_session()
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        _tok, created = tokens.create_token(
            session=db, user=current_user, name=form.name.data, now=utcnow()
        )
        db.commit()
        form = TokenForm(formdata=None)
    return render_template(
        "settings/tokens.html",
        form=form,
        created=created,
        tokens=tokens.list_tokens(session=db, user=current_user),
        revoke_form=EmptyForm(),
    )


@bp.post("/tokens/<id:token_id>/revoke")
@with_access
def revoke_token(acc: Access, token_id: int):
    db = get_session()
    tokens.revoke_token(session=db, user=current_user, token_id=token_id, now=utcnow())
    db.commit()
    flash("Token revoked; it stops working at once.", "success")
    return redirect(url_for("settings.api_tokens"))


@bp.route("/password", methods=["GET", "POST"])
def password():
    form = PasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        ok, _none = commit_or_show(form, lambda db: _change_password(db, user, form))
        if ok:
            login_user(user)  # this session carries on under the new generation; others end
            flash("Password changed. You were logged out everywhere else.", "success")
            return redirect(url_for("calendar.month"))
    return render_template("settings/password.html", form=form), (422 if form.errors else 200)


def _change_password(db: Session, user: User, form: PasswordForm) -> None:
    """Change the password (ending other sessions) and, when ticked, revoke every API token."""
    accounts.change_password(
        session=db,
        user=user,
        current=form.current_password.data,
        new=form.new_password.data,
        password_method=current_app.config["PASSWORD_HASH_METHOD"],
    )
    if form.revoke_tokens.data:
        tokens.revoke_all(session=db, user=user, now=utcnow())


@bp.route("/workspaces/new", methods=["GET", "POST"])
def new_workspace():
    form = WorkspaceForm()
    form.timezone.choices = choices((z, z) for z in zone_names())
    if request.method == "GET":
        form.timezone.data = current_app.config["DEFAULT_TIMEZONE"]
    if form.validate_on_submit():
        ok, ws = commit_or_show(
            form,
            lambda db: workspaces.create_workspace(
                session=db,
                owner=current_user,
                name=form.name.data,
                timezone=form.timezone.data,
                now=utcnow(),
            ),
        )
        if ok:
            switch_to(ws.id)
            flash(f"{ws.name} created.", "success")
            return redirect(url_for("calendar.month"))
    return render_template("settings/new_workspace.html", form=form)


@bp.post("/workspaces/switch")
def switch():
    wanted = as_id(request.form.get("workspace_id", ""))
    db = get_session()
    if wanted is not None:
        # 404 if not a member
        acc = workspaces.access(session=db, user=current_user, workspace_id=wanted)
        switch_to(acc.workspace.id)
        flash(f"Now planning for {acc.workspace.name}.", "info")
    return redirect(url_for("calendar.month"))


@bp.get("/activity")
@with_access
def activity(acc: Access):
    db = get_session()
    events = audit.workspace_history(session=db, workspace_id=acc.workspace.id)
    names = accounts.display_names(session=db, user_ids=(e.actor_id for e in events))
    return render_template("settings/activity.html", events=events, names=names)
