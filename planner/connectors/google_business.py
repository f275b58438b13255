"""Publish local posts to a Google Business Profile location.

Access tokens last an hour: the connector renews them with the channel's refresh token before
publishing when they are about to die, and once more when Google answers 401. A promotional
post can go out as an OFFER (the channel's ``promotions_as_offers``); a link becomes the
call-to-action button chosen per channel (``call_to_action``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from planner.connectors import tokens
from planner.connectors.base import (
    Connector,
    PublishRequest,
    PublishResult,
    require_text,
)
from planner.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    PermanentError,
    TransientError,
)
from planner.connectors.http import HttpClient
from planner.connectors.replies import ERROR_TEXT_LIMIT, Response, retry_after_seconds
from planner.timeutils import utcnow

logger = logging.getLogger(__name__)

TOKEN_URL = "https://oauth2.googleapis.com/token"
API = "https://mybusiness.googleapis.com/v4"
MAX_CHARACTERS = 1500
EVENT_TITLE_LIMIT = 58
REFRESH_BEFORE = timedelta(minutes=5)
OFFER_DAYS = 7
RECENT_POSTS = 20
IMAGE_TYPES = ("image/jpeg", "image/png")
CALLS_TO_ACTION = ("LEARN_MORE", "ORDER", "SHOP", "CALL", "NONE")
PROMOTIONAL = "promotional"


class GoogleBusinessConnector(Connector):
    """One location (``accounts/{a}/locations/{l}``) of a Business Profile account."""

    platform = "google_business"
    label = "Google Business Profile"
    max_length = MAX_CHARACTERS
    image_limit = 1
    oauth_only: ClassVar[bool] = True
    # Local posts have no replies, reposts or likes: Google's only per-post figures
    # (localPosts.reportInsights) are LOCAL_POST_VIEWS_SEARCH and
    # LOCAL_POST_ACTIONS_CALL_TO_ACTION, views and button clicks, and the Performance API
    # that replaces it counts per location, not per post. So engagement() reads nothing.
    gives_engagement: ClassVar[bool] = False
    # The worker's token upkeep renews the hourly token this close to its end (long-lived
    # tokens elsewhere: a week), so a revoked grant is found before a post needs it.
    refresh_margin: ClassVar[timedelta] = REFRESH_BEFORE * 2
    secret_fields = ("access_token", "refresh_token", "expires_at")
    config_fields = (
        "account",
        "location",
        "title",
        "call_to_action",
        "promotions_as_offers",
        "language_code",
        *secret_fields,
    )

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """Require the location and a refresh token; check the call-to-action choice."""
        errors: dict[str, str] = {}
        again = "Connect the Google Business location again"
        account = require_text(config, "account", again, errors)
        location = require_text(config, "location", again, errors)
        refresh = require_text(config, "refresh_token", again, errors)
        if account and not account.startswith("accounts/"):
            errors["account"] = "A Google Business account looks like accounts/123"
        if location and not location.startswith("locations/"):
            errors["location"] = "A Google Business location looks like locations/456"
        action = str(config.get("call_to_action") or "LEARN_MORE").strip().upper()
        if action not in CALLS_TO_ACTION:
            errors["call_to_action"] = "Choose Learn more, Order, Shop, Call or none"
        if errors:
            raise ConfigError(errors)
        cleaned: dict[str, Any] = {
            "account": account,
            "location": location,
            "refresh_token": refresh,
            "call_to_action": action,
            "promotions_as_offers": _flag(config.get("promotions_as_offers")),
            "language_code": str(config.get("language_code") or "en").strip() or "en",
        }
        for name in ("title", "access_token", "expires_at"):
            if isinstance(config.get(name), str) and config[name].strip():
                cleaned[name] = config[name].strip()
        return cleaned

    def compose(self, text: str, link: str | None) -> str:
        """The link rides on the call-to-action button when there is one, not in the summary."""
        if link and self._link_on_button():
            return text
        return super().compose(text, link)

    def credentials_expire_at(self) -> datetime | None:
        """When the hourly access token dies; the refresh token renews it until revoked."""
        return tokens.parse_time(tokens.current(self, "expires_at"))

    def refresh_credentials(self, *, now: datetime) -> bool:
        """Get a new hourly access token with the refresh token; a revoked one is ``AuthError``."""
        app = self.options.oauth_apps.get("google")
        if app is None:
            raise AuthError("Google sign-in is not configured (PLANNER_GOOGLE_CLIENT_ID)")
        body, headers = tokens.form(
            {
                "grant_type": "refresh_token",
                "refresh_token": str(tokens.current(self, "refresh_token")),
                "client_id": app.client_id,
                "client_secret": app.client_secret,
            }
        )
        response = HttpClient(self.options).request(
            "POST", TOKEN_URL, data=body, headers=headers, check=False
        )
        if response.status in (400, 401):
            raise AuthError(f"Google refused to renew access: {_message(response)}")
        data = _checked(response)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthError("Google did not renew the access token; reconnect the location")
        expires = tokens.expiry(now, data.get("expires_in"))
        self._set_state(access_token=token, expires_at=tokens.iso(expires) if expires else None)
        return True

    def check(self) -> str:
        """Return the location's title after making sure its posts can be read."""
        client = HttpClient(self.options)
        self._fresh_token(utcnow())
        _checked(self._call(client, "GET", self._posts_url(), params={"pageSize": "1"}))
        return str(self.config.get("title") or self.config["location"])

    def publish(self, request: PublishRequest) -> PublishResult:
        """Create the local post once: look first on a retry, refreshing the token as needed."""
        now = utcnow()
        summary = self._refuse_if_too_long(request.text, request.link)
        self._refuse_too_many_images(request.media)
        client = HttpClient(self.options)
        self._fresh_token(now)
        since = tokens.look_since(self, request)
        if since is not None:
            found = self._find(client, summary, since)
            if found is not None:
                logger.info(
                    "Delivery %s was already on Google as %s",
                    request.delivery_id,
                    found.get("name"),
                )
                tokens.forget_first_attempt(self, request)
                return _result(found)
        body = self.local_post(request, summary)
        with tokens.sending(self, request, now):
            response = self._call(client, "POST", self._posts_url(), json=body, safe_to_retry=True)
            post = _checked(response)
        logger.info("Published delivery %s to Google as %s", request.delivery_id, post.get("name"))
        return _result(post)

    def local_post(self, request: PublishRequest, summary: str) -> dict[str, Any]:
        """Return the LocalPost body: STANDARD with a button, or an OFFER for a promotion."""
        body: dict[str, Any] = {
            "languageCode": self.config.get("language_code", "en"),
            "summary": summary,
        }
        if request.media:
            item = request.media[0]
            if not item.url:
                raise PermanentError(
                    "Google fetches photos from a public address; configure media storage "
                    "that gives signed URLs to post photos to Google"
                )
            if item.mime not in IMAGE_TYPES:
                raise PermanentError(f"Google takes JPEG or PNG photos, not {item.mime}")
            body["media"] = [{"mediaFormat": "PHOTO", "sourceUrl": item.url}]
        if request.category == PROMOTIONAL and self.config.get("promotions_as_offers"):
            start = request.scheduled_at.date()
            end = start + timedelta(days=OFFER_DAYS)
            body["topicType"] = "OFFER"
            body["event"] = {
                "title": _title(request.text),
                "schedule": {"startDate": _date(start), "endDate": _date(end)},
            }
            body["offer"] = {"redeemOnlineUrl": request.link} if request.link else {}
            return body
        body["topicType"] = "STANDARD"
        action = self.config.get("call_to_action", "LEARN_MORE")
        if action == "CALL":
            body["callToAction"] = {"actionType": "CALL"}
        elif request.link and action != "NONE":
            body["callToAction"] = {"actionType": action, "url": request.link}
        return body

    def _link_on_button(self) -> bool:
        return self.config.get("call_to_action", "LEARN_MORE") not in ("CALL", "NONE")

    def _fresh_token(self, now: datetime) -> None:
        """Renew the access token when there is none or it dies within five minutes."""
        expires = tokens.parse_time(tokens.current(self, "expires_at"))
        if (
            not tokens.current(self, "access_token")
            or expires is None
            or expires < now + REFRESH_BEFORE
        ):
            self.refresh_credentials(now=now)

    def _find(self, client: HttpClient, summary: str, since: datetime) -> dict[str, Any] | None:
        """Return the location's post with this summary created since *since*, if any."""
        data = _checked(
            self._call(client, "GET", self._posts_url(), params={"pageSize": str(RECENT_POSTS)})
        )
        posts = data.get("localPosts")
        return tokens.first_match(
            (
                (post.get("summary"), tokens.parse_time(post.get("createTime")), post)
                for post in (posts if isinstance(posts, list) else [])
                if isinstance(post, dict)
            ),
            summary,
            since,
        )

    def _call(self, client: HttpClient, method: str, url: str, **kwargs: Any) -> Response:
        """Send with the access token; on 401 renew it once and send again (nothing was made)."""
        response = client.request(method, url, headers=self._auth(), check=False, **kwargs)
        if response.status == 401:
            self.refresh_credentials(now=utcnow())
            response = client.request(method, url, headers=self._auth(), check=False, **kwargs)
        return response

    def _posts_url(self) -> str:
        return f"{API}/{self.config['account']}/{self.config['location']}/localPosts"

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens.current(self, 'access_token')}"}


def _result(post: Mapping[str, Any]) -> PublishResult:
    url = post.get("searchUrl")
    return PublishResult(
        external_id=str(post.get("name") or "") or None,
        external_url=url if isinstance(url, str) else None,
    )


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _title(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "Offer")
    return first if len(first) <= EVENT_TITLE_LIMIT else first[: EVENT_TITLE_LIMIT - 1] + "…"


def _date(day: Any) -> dict[str, int]:
    return {"year": day.year, "month": day.month, "day": day.day}


def _message(response: Response) -> str:
    try:
        data = response.json()
    except PermanentError:
        data = None
    text = ""
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            text = str(error.get("message") or error.get("status") or "")
        elif isinstance(error, str):
            detail = data.get("error_description")
            text = f"{detail} ({error})" if detail and detail != error else error
    return (text or response.text.strip() or f"HTTP {response.status}")[:ERROR_TEXT_LIMIT]


def _checked(response: Response) -> dict[str, Any]:
    if response.ok:
        return response.json_object()
    raise google_error(response)


def google_error(response: Response) -> ConnectorError:
    """Map Google's ``{"error": {"code", "message", "status", "details"}}`` to error classes."""
    message = _message(response)
    if response.status in (401, 403):
        return AuthError(message, status=response.status)
    if response.status == 429 or response.status >= 500:
        return TransientError(
            message,
            status=response.status,
            retry_after=retry_after_seconds(response.headers, response.received_at),
        )
    return PermanentError(f"Google refused the request: {message}", status=response.status)
