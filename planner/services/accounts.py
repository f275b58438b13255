"""Users: registration, passwords, login throttling."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from planner.models import LoginFailure, Role, User, Workspace
from planner.services import workspaces
from planner.services.errors import ServiceError, ValidationError

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
PASSWORD_METHOD = "pbkdf2:sha256:600000"
# A real hash to compare against when the email is unknown, so timing does not reveal accounts.
_DUMMY_HASH = generate_password_hash("not-a-password", method="pbkdf2:sha256:1000")


class LoginThrottled(ServiceError):
    """Too many failed logins for this email in the window."""

    code = "throttled"
    status = 429


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=5)


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding space."""
    return email.strip().lower()


def check_email(email: str) -> str:
    email = normalize_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ValidationError(
            "Enter a valid email address.", fields={"email": "Enter a valid email address."}
        )
    return email


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD:
        msg = f"Use at least {MIN_PASSWORD} characters."
        raise ValidationError(msg, fields={field: msg})


def hash_password(password: str, method: str = PASSWORD_METHOD) -> str:
    return generate_password_hash(password, method=method)


def find_user(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalize_email(email))).first()


def create_user(
    *,
    session: Session,
    email: str,
    password: str,
    now: datetime,
    name: str = "",
    password_method: str = PASSWORD_METHOD,
) -> User:
    """Create a user, refusing a duplicate email or a short password."""
    email = check_email(email)
    check_password_strength(password)
    if find_user(session=session, email=email):
        msg = "An account with this email already exists."
        raise ValidationError(msg, fields={"email": msg})
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password, password_method),
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def register(
    *,
    session: Session,
    email: str,
    password: str,
    workspace_name: str,
    timezone: str,
    now: datetime,
    name: str = "",
    password_method: str = PASSWORD_METHOD,
) -> tuple[User, Workspace]:
    """Create a user and their first workspace, with the user as its owner."""
    user = create_user(
        session=session,
        email=email,
        password=password,
        now=now,
        name=name,
        password_method=password_method,
    )
    workspace = workspaces.create_workspace(
        session=session, owner=user, name=workspace_name, timezone=timezone, now=now
    )
    return user, workspace


def authenticate(
    *,
    session: Session,
    email: str,
    password: str,
    now: datetime,
    policy: LoginPolicy = LoginPolicy(),
) -> User | None:
    """Return the user for a correct email and password, recording and throttling failures."""
    email = normalize_email(email)
    since = now - policy.window
    recent = session.exec(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.email == email, LoginFailure.at >= since)
    ).one()
    if recent >= policy.max_failures:
        raise LoginThrottled("Too many failed attempts. Wait a few minutes and try again.")
    user = find_user(session=session, email=email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    elif check_password_hash(user.password_hash, password):
        session.exec(delete(LoginFailure).where(LoginFailure.email == email))
        return user
    session.add(LoginFailure(email=email, at=now))
    return None


def change_password(
    *,
    session: Session,
    user: User,
    current: str,
    new: str,
    password_method: str = PASSWORD_METHOD,
) -> None:
    """Change a password after checking the current one, ending every other session."""
    if not check_password_hash(user.password_hash, current):
        msg = "That is not your current password."
        raise ValidationError(msg, fields={"current_password": msg})
    check_password_strength(new, "new_password")
    user.password_hash = hash_password(new, password_method)
    session.add(user)
    end_sessions(session=session, user=user)


def end_sessions(*, session: Session, user: User) -> None:
    """Raise the user's session generation, so every session cookie issued so far stops working.

    The increment is one UPDATE, so two logouts at once cannot both write the same generation.
    """
    session.flush()
    session.exec(
        update(User)
        .where(User.id == user.id)
        .values(session_generation=User.session_generation + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(user, ["session_generation"])


def ensure_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        msg = "Role must be owner, editor or contributor."
        raise ValidationError(msg, fields={"role": msg}) from None


def display_names(*, session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Map user ids to display names, former members included (history outlives membership)."""
    ids = {uid for uid in user_ids if uid is not None}
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    return {u.id: u.display_name for u in users}
