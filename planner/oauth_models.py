"""The OAuth tables: apps registered on Mastodon servers, and flows between start and pick.

Kept apart from planner.models so neither file grows past 400 lines; planner.models imports
them so they load wherever the models do.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from planner.models import _utc_field


class MastodonApp(SQLModel, table=True):
    """The app planner registered on one Mastodon server, reused by every later connection."""

    id: int | None = Field(default=None, primary_key=True)
    server: str = Field(max_length=255, unique=True)  # the domain, lower case, maybe ":port"
    client_id: str = Field(max_length=255)
    client_secret: str = Field(sa_column=Column(Text, nullable=False))  # sealed by the secret box
    redirect_uri: str = Field(max_length=2000)
    scopes: str = Field(max_length=255)
    created_at: datetime = _utc_field()


class OAuthFlow(SQLModel, table=True):
    """One authorization in progress: started, called back (picks kept sealed), then finished.

    Only hashes of the ``state`` and of the pick key are stored; the PKCE verifier and the
    picks (they hold tokens) are sealed by the secret box.
    """

    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True)
    platform: str = Field(max_length=32)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    server: str | None = Field(default=None, max_length=255)
    redirect_uri: str = Field(max_length=2000)
    # Started by an API client: no browser session to bind to, only the user.
    from_api: bool = Field(default=False)
    verifier: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = _utc_field(index=True)
    called_back_at: datetime | None = _utc_field(nullable=True, default=None)
    picks_hash: str | None = Field(default=None, max_length=64, unique=True)
    picks: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
