"""The tables of images on posts: the workspace's media library and each post's ordered images.

Kept apart from planner.models so neither file grows past 400 lines; the migrations' env.py
and the services that use them import this module.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from planner.models import _utc_field


class Media(SQLModel, table=True):
    """One cleaned image of a workspace, stored under ``storage_key`` with its thumbnail."""

    __table_args__ = (Index("ix_media_workspace_created", "workspace_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    filename: str = Field(default="", max_length=255)
    mime: str = Field(max_length=40)
    width: int
    height: int
    size_bytes: int
    alt: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    storage_key: str = Field(max_length=255)
    thumb_key: str = Field(max_length=255)
    sha256: str = Field(max_length=64, index=True)
    created_at: datetime = _utc_field()
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class PostMedia(SQLModel, table=True):
    """An image on a post, at *position* (0 first) in the order the post shows them."""

    post_id: int = Field(foreign_key="post.id", primary_key=True, ondelete="CASCADE")
    media_id: int = Field(foreign_key="media.id", primary_key=True, index=True, ondelete="CASCADE")
    position: int = Field(default=0)
    # For Instagram, an image outside 4:5..1.91:1 is "crop"ped or "pad"ded as the person chose.
    fit: str | None = Field(default=None, max_length=8)
