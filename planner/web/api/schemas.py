"""The API's input, declared: one model per request body, strictly typed, read in one place.

``{"name": 5}`` is refused with 422 on ``name`` rather than saved as "5"; every field at fault is
named at once. Times are read in the workspace's zone, passed as the validation context.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic import ValidationError as PydanticError

from planner.models import Category
from planner.services import evergreen
from planner.services.errors import ServiceError, ValidationError
from planner.services.guardrail_checks import Change
from planner.services.posts import PostInput
from planner.timeutils import parse_iso_instant
from planner.web.boundary import MAX_ID, read_json

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
CategoryName = Literal[tuple(c.value for c in Category)]  # type: ignore[valid-type]
M = TypeVar("M", bound="ApiModel")


class ApiModel(BaseModel):
    """Strict types (no "5" for 5 or 5 for "5"); unknown keys are ignored, as they always were."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


def _instant(value: Any, info: ValidationInfo) -> datetime | None:
    """An ISO 8601 string (local to the workspace without an offset), "" or null for none."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("Give an ISO 8601 date-time string or null.")
    tz: ZoneInfo = (info.context or {})["tz"]
    return parse_iso_instant(value, tz)


def _message(error: dict[str, Any]) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    return message if message.endswith(".") else message + "."


def parse(
    model: type[M],
    data: dict[str, Any] | None = None,
    *,
    tz: ZoneInfo | None = None,
    error: type[ServiceError] = ValidationError,
) -> M:
    """Validate *data* (default: the request's JSON object) against *model*, naming every fault.

    Faults raise *error* (422 unless a route has always answered 400 for a malformed body).
    """
    if data is None:
        data = read_json()
    try:
        return model.model_validate(data, context={"tz": tz})
    except PydanticError as exc:
        fields: dict[str, str] = {}
        for fault in exc.errors():
            name = str(fault["loc"][0]) if fault["loc"] else "body"
            fields.setdefault(name, _message(dict(fault)))
        raise error("Check the fields listed.", fields=fields) from None


class WorkspaceCreate(ApiModel):
    name: str = Field("", max_length=120)
    timezone: str = Field("UTC", max_length=64)


class ChannelCreate(ApiModel):
    name: str = Field("", max_length=80)
    platform: str = Field("", max_length=32)
    config: dict[str, Any] = Field(default_factory=dict)


class ChannelPatch(ApiModel):
    """A channel's name and its own settings (Google Business Profile's button and offers)."""

    name: str | None = Field(None, max_length=80)
    call_to_action: Literal["LEARN_MORE", "ORDER", "SHOP", "CALL", "NONE"] | None = None
    promotions_as_offers: bool | None = None


class OAuthStart(ApiModel):
    """Starting an OAuth connection; only Mastodon needs the server's domain."""

    server: str | None = Field(None, max_length=300)


class MediaRef(ApiModel):
    """An image on a post, in order; an alt text given replaces the image's own."""

    id: Id
    alt: str | None = Field(None, max_length=1500)
    # How Instagram shows an image outside 4:5..1.91:1; absent keeps the saved choice.
    fit: Literal["crop", "pad"] | None = None


class MediaPatch(ApiModel):
    alt: str = Field("", max_length=1500)


class _PostFields(ApiModel):
    scheduled_at: datetime | None = None
    channel_ids: list[Id] = Field(default_factory=list, max_length=1000)
    link: str | None = Field(None, max_length=2000)
    # Absent keeps the saved campaign; null clears it.
    utm_campaign: str | None = Field(None, max_length=100)
    # A repeat rule starts (or, on an occurrence, changes) a series; null ends it.
    rrule: str | None = Field(None, max_length=500)
    # The post's images in order; absent keeps them, [] removes them all.
    media: list[MediaRef] | None = Field(None, max_length=100)
    # {channel id: text} replacing the body on that channel; absent keeps, null clears them.
    variants: dict[Annotated[str, Field(max_length=20)], str] | None = Field(None, max_length=100)

    _read_instant = field_validator("scheduled_at", mode="before")(_instant)


class PostCreate(_PostFields):
    body: str
    category: str

    def to_input(self) -> PostInput:
        return PostInput(
            body=self.body,
            category=self.category,
            scheduled_at=self.scheduled_at,
            channel_ids=tuple(self.channel_ids),
            link=self.link,
            utm_campaign=self.utm_campaign,
            variants=self.variants,
        )


class PostPatch(_PostFields):
    """Only the fields sent change; ``apply_to`` says whether the rest of a series follows."""

    body: str = ""
    category: str = ""
    apply_to: Literal["this", "following"] = "this"

    def sent(self, name: str) -> bool:
        return name in self.model_fields_set

    def merged(self, current: PostInput) -> PostInput:
        """The post's fields after this patch."""
        utm = self.utm_campaign if self.utm_campaign is not None else ""
        return PostInput(
            body=self.body if self.sent("body") else current.body,
            category=self.category if self.sent("category") else current.category,
            scheduled_at=self.scheduled_at if self.sent("scheduled_at") else current.scheduled_at,
            channel_ids=tuple(self.channel_ids)
            if self.sent("channel_ids")
            else current.channel_ids,
            link=self.link if self.sent("link") else current.link,
            utm_campaign=utm if self.sent("utm_campaign") else None,
            variants=(self.variants or {}) if self.sent("variants") else None,
        )


class ChangePreview(ApiModel):
    """A what-if: a post (new, or *post_id* moved) in *category* at *scheduled_at*."""

    category: CategoryName
    scheduled_at: datetime | None = None
    channel_ids: list[Id] = Field(default_factory=list, max_length=1000)
    post_id: Id | None = None

    _read_instant = field_validator("scheduled_at", mode="before")(_instant)

    def to_change(self) -> Change:
        return Change(
            category=self.category,
            scheduled_at=self.scheduled_at,
            channel_ids=tuple(self.channel_ids),
            post_id=self.post_id,
        )


class SlotCreate(ApiModel):
    channel_id: Id
    weekday: int = Field(ge=0, le=6)
    time: time
    category: str | None = Field(None, max_length=20)

    @field_validator("time", mode="before")
    @classmethod
    def _local_time(cls, value: Any) -> time:
        try:
            return time.fromisoformat(value) if isinstance(value, str) else None  # type: ignore[return-value]
        except ValueError:
            raise ValueError("A local time such as 10:00.") from None


class PlanCreate(ApiModel):
    month: str = Field("", max_length=7)


class PlanAccept(ApiModel):
    placements: list[int] | None = Field(None, max_length=10_000)


class ImportCommit(ApiModel):
    lines: list[int] | None = Field(None, max_length=100_000)


class Evergreen(ApiModel):
    min_gap_days: int = evergreen.DEFAULT_GAP_DAYS
    max_uses: int = evergreen.DEFAULT_MAX_USES


class Approval(ApiModel):
    override_reason: str | None = Field(None, max_length=2000)


class Rejection(ApiModel):
    comment: str | None = Field(None, max_length=10_000)


class CommentCreate(ApiModel):
    body: str | None = Field(None, max_length=10_000)


class InboxAnswerCreate(ApiModel):
    body: str | None = Field(None, max_length=10_000)


def _query_id(value: Any) -> Any:
    """A query-string id ("7") read as a number; anything else is left for the type to refuse."""
    if isinstance(value, str):
        if not value.strip():
            return None
        if value.strip().isdigit():
            return int(value.strip())
    return value


class InsightsQuery(ApiModel):
    """``start`` and ``end`` (ISO 8601, local to the workspace without an offset) and a channel.

    Neither date means this month; ``end`` is exclusive (the order is checked by the route).
    """

    start: datetime | None = None
    end: datetime | None = None
    channel_id: Id | None = None

    _read_instants = field_validator("start", "end", mode="before")(_instant)
    _read_channel = field_validator("channel_id", mode="before")(_query_id)


class EngagementWeights(ApiModel):
    """The score's weight of each figure, 0 to 100 (README, "Insights")."""

    replies: float = Field(3.0, ge=0, le=100)
    reposts: float = Field(2.0, ge=0, le=100)
    quotes: float = Field(2.0, ge=0, le=100)
    likes: float = Field(0.5, ge=0, le=100)
