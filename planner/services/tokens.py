"""Personal access tokens for the JSON API: shown once, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlmodel import Session, select, update

from planner.models import ApiToken, User
from planner.services.errors import NotFound
from planner.services.text import single_line

PREFIX = "pln_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, session: Session, user: User, name: str, now: datetime) -> tuple[ApiToken, str]:
    """Create a token; the plaintext is returned once and never stored."""
    plaintext = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=single_line(name, "name")[:80] or "API token",
        token_hash=_hash(plaintext),
        prefix=plaintext[:10],
        created_at=now,
    )
    session.add(token)
    session.flush()
    return token, plaintext


def user_for_token(*, session: Session, plaintext: str, now: datetime) -> User | None:
    """Return the token's user when it is valid and not revoked, noting its use."""
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == _hash(plaintext))).first()
    if token is None or token.revoked_at is not None:
        return None
    token.last_used_at = now
    session.add(token)
    return session.get(User, token.user_id)


def list_tokens(*, session: Session, user: User) -> list[ApiToken]:
    return list(
        session.exec(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )


def revoke_token(*, session: Session, user: User, token_id: int, now: datetime) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("No such token.")
    token.revoked_at = token.revoked_at or now
    session.add(token)
    return token


def revoke_all(*, session: Session, user: User, now: datetime) -> int:
    """Revoke every live token of the user (after a password change); return how many."""
    result = session.exec(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))  # type: ignore[union-attr]
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
