"""Users: registration, passwords, login throttling."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import case, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from planner.models import LoginThrottle, Role, User, UTCDateTime, Workspace
from planner.services import workspaces
from planner.services.errors import ServiceError, ValidationError
from planner.services.text import single_line

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
PASSWORD_METHOD = "pbkdf2:sha256:600000"


class LoginThrottled(ServiceError):
    """Too many login attempts for this email, or from this address, in the window."""

    code = "throttled"
    status = 429


@dataclass(frozen=True)
class LoginPolicy:
    """How many password checks one email, and one client address, get per window."""

    max_failures: int = 5
    max_per_address: int = 20
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
        name=single_line(name, "name"),
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


def _throttle_key(kind: str, value: str) -> str:
    """A fixed-size key, whatever the email or address holds (length, NUL bytes)."""
    return f"{kind}:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _start_counting(session: Session, key: str, now: datetime) -> bool:
    """Insert the key's row with this one attempt, unless it exists; tell whether it was new."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = session.exec(
        dialect.insert(LoginThrottle)
        .values(key=key, attempts=1, window_started_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(LoginThrottle.key)  # psycopg reports no row count for this INSERT
    )
    return inserted.first() is not None


def _take_attempt(session: Session, key: str, limit: int, now: datetime, window: timedelta) -> bool:
    """Count one attempt on *key* unless it reached *limit* in the current window.

    One conditional UPDATE does the check and the count (starting a new window when the last
    one is over), so parallel requests are serialised on the row and the row count says who
    got an attempt; no read-then-write gap lets extra guesses through.
    """
    if _start_counting(session, key, now):
        return True
    expired = LoginThrottle.window_started_at <= now - window
    result = session.exec(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, expired | (LoginThrottle.attempts < limit))
        .values(
            attempts=case((expired, 1), else_=LoginThrottle.attempts + 1),
            window_started_at=case(
                (expired, literal(now, UTCDateTime())), else_=LoginThrottle.window_started_at
            ),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def count_login_attempt(
    *, session: Session, email: str, address: str, now: datetime, policy: LoginPolicy
) -> None:
    """Count a login attempt against the client address and the email, refusing beyond either limit.

    The caller commits before checking the password, so the count is visible to every
    parallel request while the slow hash runs.
    """
    email_key = _throttle_key("email", normalize_email(email))
    address_key = _throttle_key("address", address)
    if not _take_attempt(session, address_key, policy.max_per_address, now, policy.window) or (
        not _take_attempt(session, email_key, policy.max_failures, now, policy.window)
    ):
        raise LoginThrottled("Too many failed attempts. Wait a few minutes and try again.")


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A hash made with the real method, checked when the email is unknown, so both cost the same."""
    return generate_password_hash("not-a-password", method=method)


def authenticate(
    *,
    session: Session,
    email: str,
    password: str,
    address: str,
    password_method: str = PASSWORD_METHOD,
) -> User | None:
    """Return the user for a correct email and password (after ``count_login_attempt``).

    A success forgives the email's failures and gives the address its attempt back.
    """
    email = normalize_email(email)
    user = find_user(session=session, email=email)
    if user is None:
        check_password_hash(_dummy_hash(password_method), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    session.exec(
        update(LoginThrottle)
        .where(LoginThrottle.key == _throttle_key("email", email))
        .values(attempts=0)
        .execution_options(synchronize_session=False)
    )
    session.exec(
        update(LoginThrottle)
        .where(LoginThrottle.key == _throttle_key("address", address), LoginThrottle.attempts > 0)
        .values(attempts=LoginThrottle.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    return user


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
