"""A channel's own settings, apart from its credentials: today Google Business Profile's
call-to-action button and whether promotional posts go out as offers."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from planner.connectors.google_business import CALLS_TO_ACTION
from planner.models import Channel
from planner.services import audit
from planner.services.channels import get_channel
from planner.services.errors import ValidationError
from planner.services.workspaces import Access, require_owner

# Platform -> the settings a workspace owner may change (all read by its connector from config).
SETTINGS: dict[str, tuple[str, ...]] = {
    "google_business": ("call_to_action", "promotions_as_offers"),
}
CALL_TO_ACTION_LABELS = {
    "LEARN_MORE": "Learn more",
    "ORDER": "Order",
    "SHOP": "Shop",
    "CALL": "Call",
    "NONE": "None",
}


def has_settings(channel: Channel) -> bool:
    return channel.platform in SETTINGS


def change_settings(
    *,
    session: Session,
    acc: Access,
    channel_id: int,
    call_to_action: str | None = None,
    promotions_as_offers: bool | None = None,
    now: datetime,
) -> Channel:
    """Save the settings given (None leaves one as it is); owners only, and audited."""
    require_owner(acc)
    channel = get_channel(session=session, workspace_id=acc.workspace.id, channel_id=channel_id)
    given = {
        name: value
        for name, value in (
            ("call_to_action", call_to_action),
            ("promotions_as_offers", promotions_as_offers),
        )
        if value is not None
    }
    allowed = SETTINGS.get(channel.platform, ())
    wrong = {
        name: f"A {channel.platform} channel has no {name} setting."
        for name in given
        if name not in allowed
    }
    if wrong:
        raise ValidationError("This channel does not have these settings.", fields=wrong)
    if "call_to_action" in given:
        action = str(given["call_to_action"]).strip().upper()
        if action not in CALLS_TO_ACTION:
            message = "Choose Learn more, Order, Shop, Call or None."
            raise ValidationError(message, fields={"call_to_action": message})
        given["call_to_action"] = action
    if not given:
        return channel
    channel.config = {**channel.config, **given}  # a new dict, so the JSON column is saved
    session.add(channel)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="channel_settings_changed",
        detail={"channel_id": channel.id, **given},
        now=now,
    )
    return channel
