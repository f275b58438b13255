"""Workspaces, memberships, roles and invitations."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, func, select, update

from planner.models import Invitation, Membership, Role, User, Workspace
from planner.services import audit
from planner.services.errors import Conflict, Forbidden, NotFound, ValidationError
from planner.services.text import single_line
from planner.timeutils import is_valid_zone

MANAGERS = {Role.OWNER, Role.EDITOR}


@dataclass(frozen=True)
class Access:
    """A user's standing in one workspace, passed to services that check permissions."""

    user: User
    workspace: Workspace
    role: Role

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def can_review(self) -> bool:
        return self.role in MANAGERS


def check_name(name: str, field: str = "name") -> str:
    name = single_line(name, field)
    if not name:
        raise ValidationError("Give it a name.", fields={field: "Give it a name."})
    if len(name) > 120:
        raise ValidationError("Keep the name under 120 characters.", fields={field: "Too long."})
    return name


def check_timezone(tz: str) -> str:
    if not is_valid_zone(tz):
        msg = f"Unknown time zone {tz!r}; use an IANA name such as Europe/London."
        raise ValidationError(msg, fields={"timezone": msg})
    return tz


def create_workspace(
    *, session: Session, owner: User, name: str, timezone: str, now: datetime
) -> Workspace:
    """Create a workspace with *owner* as its owner."""
    workspace = Workspace(name=check_name(name), timezone=check_timezone(timezone), created_at=now)
    session.add(workspace)
    session.flush()
    session.add(
        Membership(user_id=owner.id, workspace_id=workspace.id, role=Role.OWNER, created_at=now)
    )
    audit.record(
        session=session,
        workspace_id=workspace.id,
        actor_id=owner.id,
        action="workspace_created",
        detail={"name": workspace.name},
        now=now,
    )
    session.flush()
    return workspace


def find_workspace_by_name(*, session: Session, name: str) -> Workspace | None:
    return session.exec(select(Workspace).where(Workspace.name == name.strip())).first()


def memberships(*, session: Session, user: User) -> list[tuple[Workspace, Role]]:
    """Return the user's workspaces with their role, by name."""
    rows = session.exec(
        select(Workspace, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user.id)
        .order_by(Workspace.name, Workspace.id)
    ).all()
    return [(ws, Role(role)) for ws, role in rows]


def access(*, session: Session, user: User, workspace_id: int) -> Access:
    """Return the user's access to a workspace, or NotFound when they are not a member."""
    row = session.exec(
        select(Workspace, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user.id, Workspace.id == workspace_id)
    ).first()
    if row is None:
        raise NotFound("No such workspace.")
    return Access(user=user, workspace=row[0], role=Role(row[1]))


def require_owner(acc: Access) -> None:
    if not acc.is_owner:
        raise Forbidden("Only the workspace owner can do that.")


def add_member(
    *, session: Session, workspace: Workspace, user: User, role: Role, now: datetime
) -> Membership:
    """Add or update a membership (used by the CLI and invitations)."""
    existing = session.exec(
        select(Membership).where(
            Membership.workspace_id == workspace.id, Membership.user_id == user.id
        )
    ).first()
    if existing:
        if role != Role.OWNER:
            _lock_owners(session, workspace.id)
            if _is_last_owner(session, _fresh(session, existing)):
                raise Conflict(
                    f"{user.email} is the only owner of {workspace.name}; add another first."
                )
        existing.role = role
        session.add(existing)
        return existing
    member = Membership(user_id=user.id, workspace_id=workspace.id, role=role, created_at=now)
    session.add(member)
    session.flush()
    return member


def members(*, session: Session, workspace_id: int) -> list[tuple[User, Membership]]:
    rows = session.exec(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(User.email)
    ).all()
    return list(rows)


def _owner_count(session: Session, workspace_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Membership)
        .where(Membership.workspace_id == workspace_id, Membership.role == Role.OWNER)
    ).one()


def _lock_owners(session: Session, workspace_id: int) -> None:
    """Take the workspace's lock for this transaction, so owner counts and changes agree.

    A no-op UPDATE is the portable lock: a row lock on PostgreSQL, the write lock on SQLite.
    Two owners demoting each other at once are then serialised: the second sees one owner left.
    """
    session.exec(
        update(Workspace)
        .where(Workspace.id == workspace_id)
        .values(name=Workspace.name)
        .execution_options(synchronize_session=False)
    )


def _fresh(session: Session, member: Membership) -> Membership:
    """Re-read a membership as the database has it now (after taking the lock)."""
    return session.exec(
        select(Membership)
        .where(Membership.id == member.id)
        .execution_options(populate_existing=True)
    ).one()


def _is_last_owner(session: Session, member: Membership) -> bool:
    return member.role == Role.OWNER and _owner_count(session, member.workspace_id) <= 1


def _membership(session: Session, workspace_id: int, user_id: int) -> Membership:
    member = session.exec(
        select(Membership)
        .where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
        .execution_options(populate_existing=True)
    ).first()
    if member is None:
        raise NotFound("No such member.")
    return member


def _require_owner_now(session: Session, acc: Access) -> None:
    """Lock the workspace's owners, then check the actor is still one of them."""
    require_owner(acc)
    _lock_owners(session, acc.workspace.id)
    me = _membership(session, acc.workspace.id, acc.user.id)
    if me.role != Role.OWNER:
        raise Forbidden("Only the workspace owner can do that.")


def change_role(
    *, session: Session, acc: Access, user_id: int, role: Role, now: datetime
) -> Membership:
    """Change a member's role; the last owner cannot be demoted, even by two owners at once."""
    _require_owner_now(session, acc)
    member = _membership(session, acc.workspace.id, user_id)
    if role != Role.OWNER and _is_last_owner(session, member):
        raise Conflict("A workspace needs at least one owner; make someone else owner first.")
    old = member.role
    member.role = role
    session.add(member)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="role_changed",
        detail={"user_id": user_id, "from": old, "to": role.value},
        now=now,
    )
    return member


def remove_member(*, session: Session, acc: Access, user_id: int, now: datetime) -> None:
    """Remove a member; the last owner cannot be removed, even by two owners at once."""
    _require_owner_now(session, acc)
    member = _membership(session, acc.workspace.id, user_id)
    if _is_last_owner(session, member):
        raise Conflict("A workspace needs at least one owner; make someone else owner first.")
    session.delete(member)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="member_removed",
        detail={"user_id": user_id},
        now=now,
    )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(
    *,
    session: Session,
    acc: Access,
    role: Role,
    now: datetime,
    email: str = "",
    ttl_hours: int = 72,
) -> tuple[Invitation, str]:
    """Create a one-time invitation; returns it with the plaintext token (shown once)."""
    require_owner(acc)
    role = Role(role)
    token = secrets.token_urlsafe(24)
    invite = Invitation(
        workspace_id=acc.workspace.id,
        email=email.strip().lower(),
        role=role,
        token_hash=_hash_token(token),
        created_by_id=acc.user.id,
        created_at=now,
        expires_at=now + timedelta(hours=ttl_hours),
    )
    session.add(invite)
    session.flush()
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="member_invited",
        detail={"role": role.value, "email": invite.email},
        now=now,
    )
    return invite, token


def pending_invitations(*, session: Session, workspace_id: int, now: datetime) -> list[Invitation]:
    return list(
        session.exec(
            select(Invitation)
            .where(
                Invitation.workspace_id == workspace_id,
                Invitation.accepted_at.is_(None),  # type: ignore[union-attr]
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at)
        )
    )


def find_invitation(*, session: Session, token: str, now: datetime) -> Invitation:
    """Return the open invitation for *token*, or NotFound if unknown, used or expired."""
    invite = session.exec(
        select(Invitation).where(Invitation.token_hash == _hash_token(token))
    ).first()
    if invite is None or invite.accepted_at is not None or invite.expires_at <= now:
        raise NotFound("This invitation link is not valid any more. Ask for a new one.")
    return invite


def accept_invitation(*, session: Session, token: str, user: User, now: datetime) -> Workspace:
    """Join the invited workspace with the invited role; the link then stops working.

    The link is spent by a conditional UPDATE whose row count says who won, so of many
    concurrent acceptances exactly one joins; the others get NotFound.
    """
    invite = find_invitation(session=session, token=token, now=now)
    spent = session.exec(
        update(Invitation)
        .where(
            Invitation.id == invite.id,
            Invitation.accepted_at.is_(None),  # type: ignore[union-attr]
            Invitation.expires_at > now,
        )
        .values(accepted_at=now, accepted_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise NotFound("This invitation link is not valid any more. Ask for a new one.")
    session.refresh(invite)
    workspace = session.get(Workspace, invite.workspace_id)
    existing = session.exec(
        select(Membership).where(
            Membership.workspace_id == invite.workspace_id, Membership.user_id == user.id
        )
    ).first()
    if existing is None:
        session.add(
            Membership(
                user_id=user.id, workspace_id=invite.workspace_id, role=invite.role, created_at=now
            )
        )
    audit.record(
        session=session,
        workspace_id=invite.workspace_id,
        actor_id=user.id,
        action="member_joined",
        detail={"role": invite.role},
        now=now,
    )
    session.flush()
    return workspace


def revoke_invitation(*, session: Session, acc: Access, invitation_id: int) -> None:
    require_owner(acc)
    invite = session.get(Invitation, invitation_id)
    if invite is None or invite.workspace_id != acc.workspace.id:
        raise NotFound("No such invitation.")
    session.delete(invite)


def update_workspace(
    *,
    session: Session,
    acc: Access,
    name: str,
    timezone: str,
    now: datetime,
    second_pair_of_eyes: bool | None = None,
    allowed_lateness_minutes: int | None = None,
    recurrence_horizon_days: int | None = None,
) -> Workspace:
    """Rename the workspace, change its zone and (when given) its review and timing settings."""
    require_owner(acc)
    ws = acc.workspace
    fields: dict[str, str] = {}
    limits = {
        "allowed_lateness_minutes": (allowed_lateness_minutes, 0, 1440),
        "recurrence_horizon_days": (recurrence_horizon_days, 1, 366),
    }
    for key, (value, low, high) in limits.items():
        if value is not None and not low <= value <= high:
            fields[key] = f"Use a whole number from {low} to {high}."
    if fields:
        raise ValidationError("Check the highlighted fields.", fields=fields)
    ws.name = check_name(name)
    ws.timezone = check_timezone(timezone)
    detail: dict[str, object] = {"name": ws.name, "timezone": ws.timezone}
    changes = {
        "second_pair_of_eyes": None if second_pair_of_eyes is None else bool(second_pair_of_eyes),
        "allowed_lateness_minutes": allowed_lateness_minutes,
        "recurrence_horizon_days": recurrence_horizon_days,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    # A new dict, not an in-place change: the JSON column only notices reassignment.
    ws.settings = {**(ws.settings or {}), **changes}
    detail.update(changes)
    session.add(ws)
    audit.record(
        session=session,
        workspace_id=ws.id,
        actor_id=acc.user.id,
        action="workspace_updated",
        detail=detail,
        now=now,
    )
    return ws
