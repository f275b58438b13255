"""Publish to LinkedIn as a member or an organization through the versioned Posts API.

Commentary is LinkedIn's "little text": its reserved characters are escaped so the text reads
as written. A retry looks at the author's latest posts before posting again, because the Posts
API takes no idempotency key.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

from planner.connectors import linkedin_inbox, tokens
from planner.connectors import text as textlib
from planner.connectors.base import (
    Connector,
    Engagement,
    MediaItem,
    PublishRequest,
    PublishResult,
    count_of,
    require_text,
)
from planner.connectors.errors import (
    AuthError,
    ConfigError,
    PermanentError,
    PostGoneError,
    TransientError,
    UnknownOutcomeError,
)
from planner.connectors.http import HttpClient
from planner.connectors.linkedin_errors import checked, error_message, linkedin_error
from planner.connectors.replies import Response
from planner.timeutils import utcnow

logger = logging.getLogger(__name__)

API = "https://api.linkedin.com"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
# The monthly API version every call names (LinkedIn supports each for about a year).
LINKEDIN_VERSION = "202505"
MAX_CHARACTERS = 3000
MAX_IMAGES = 20  # multiImage takes 2 to 20
RECENT_POSTS = 10
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif")
REFRESH_BEFORE = timedelta(days=7)
RESERVED = frozenset("|{}@[]()<>#\\*_~")
AUTHOR_PREFIXES = ("urn:li:person:", "urn:li:organization:")
UGC_POST = "urn:li:ugcPost:"  # older and video posts; the Posts API makes urn:li:share


def escape_commentary(text: str) -> str:
    """Backslash-escape LinkedIn's reserved characters so the commentary shows them as typed."""
    return "".join(f"\\{char}" if char in RESERVED else char for char in text)


class LinkedInConnector(Connector):
    """A member (``urn:li:person:…``) or an organization page (``urn:li:organization:…``)."""

    platform = "linkedin"
    label = "LinkedIn"
    max_length = MAX_CHARACTERS
    answer_max_length = linkedin_inbox.COMMENT_LIMIT
    image_limit = MAX_IMAGES
    oauth_only: ClassVar[bool] = True
    secret_fields = ("access_token", "refresh_token", "expires_at", "refresh_expires_at")
    config_fields = ("author_urn", "name", *secret_fields)
    gives_engagement = True
    inbox = True  # reading the comments on our posts and answering them: see linkedin_inbox
    replies = linkedin_inbox.replies
    mentions = linkedin_inbox.mentions
    reply = linkedin_inbox.reply
    # LinkedIn publishes no figure (each app's limits show in its developer portal);
    # 200 reads an hour per account is a conservative guess.
    read_limit = 200
    read_window_seconds = 3600.0
    # A post's comments, then the replies under the comments that have some.
    inbox_reads_per_post = 2
    reads_per_engagement = 2  # social actions, then an organization post's share statistics

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """Require the author's URN and a token, as the OAuth pick gives them."""
        errors: dict[str, str] = {}
        author = require_text(config, "author_urn", "Connect the LinkedIn account again", errors)
        token = require_text(config, "access_token", "Connect the LinkedIn account again", errors)
        if author and not author.startswith(AUTHOR_PREFIXES):
            errors["author_urn"] = "A LinkedIn author is a urn:li:person or urn:li:organization"
        if errors:
            raise ConfigError(errors)
        cleaned = {"author_urn": author, "access_token": token}
        for name in ("name", "refresh_token", "expires_at", "refresh_expires_at"):
            if isinstance(config.get(name), str) and config[name].strip():
                cleaned[name] = config[name].strip()
        return cleaned

    def count(self, text: str, link: str | None = None) -> int:
        """Count the commentary as sent: each escaped reserved character takes two."""
        return textlib.graphemes(escape_commentary(self.compose(text, link)))

    def credentials_expire_at(self) -> datetime | None:
        """When the access token dies (60 days after it was given) unless renewed."""
        return tokens.parse_time(tokens.current(self, "expires_at"))

    def refresh_credentials(self, *, now: datetime) -> bool:
        """Renew the access token with the refresh token, where LinkedIn granted a live one.

        False without one (or once it has run out, 365 days after sign-in): then only signing
        in again gives a new token.
        """
        refresh = tokens.current(self, "refresh_token")
        refresh_expires = tokens.parse_time(tokens.current(self, "refresh_expires_at"))
        app = self.options.oauth_apps.get("linkedin")
        if not refresh or app is None or (refresh_expires is not None and refresh_expires <= now):
            return False
        body, headers = tokens.form(
            {
                "grant_type": "refresh_token",
                "refresh_token": str(refresh),
                "client_id": app.client_id,
                "client_secret": app.client_secret,
            }
        )
        response = HttpClient(self.options).request(
            "POST", TOKEN_URL, data=body, headers=headers, check=False
        )
        if response.status in (400, 401):
            raise AuthError(f"LinkedIn refused to renew the token: {error_message(response)}")
        data = checked(response)
        expires = tokens.expiry(now, data.get("expires_in"))
        refresh_expires = tokens.expiry(now, data.get("refresh_token_expires_in"))
        self._set_state(
            access_token=str(data.get("access_token") or ""),
            expires_at=tokens.iso(expires) if expires else None,
            refresh_token=str(data.get("refresh_token") or refresh),
            refresh_expires_at=tokens.iso(refresh_expires)
            if refresh_expires
            else tokens.current(self, "refresh_expires_at"),
        )
        return True

    def check(self) -> str:
        """Return the author's name; a member's token is checked against ``/v2/userinfo``."""
        self._refresh_if_due(utcnow())
        if self.config["author_urn"].startswith("urn:li:person:"):
            checked(self._call(HttpClient(self.options), "GET", f"{API}/v2/userinfo"))
        return str(self.config.get("name") or self.config["author_urn"])

    def publish(self, request: PublishRequest) -> PublishResult:
        """Post once: look first on a retry, upload images, then create the post."""
        now = utcnow()
        commentary = escape_commentary(self._refuse_if_too_long(request.text, request.link))
        self._refuse_too_many_images(request.media)
        client = HttpClient(self.options)
        self._refresh_if_due(now)
        since = tokens.look_since(self, request)
        if since is not None:
            found = self._find(client, commentary, since, unsure=tokens.was_unsure(self, request))
            if found is not None:
                logger.info("Delivery %s was already on LinkedIn as %s", request.delivery_id, found)
                tokens.forget_first_attempt(self, request)
                return _result(found)
        body: dict[str, Any] = {
            "author": self.config["author_urn"],
            "commentary": commentary,
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        content = self._content(client, request)
        if content:
            body["content"] = content
        with tokens.sending(self, request, now):
            response = self._call(
                client, "POST", f"{API}/rest/posts", json=body, safe_to_retry=True
            )
            if not response.ok:
                raise linkedin_error(response)
        urn = response.headers.get("x-restli-id") or ""
        if not urn:
            raise PermanentError("LinkedIn created the post but did not say its id")
        logger.info("Published delivery %s to LinkedIn as %s", request.delivery_id, urn)
        return _result(urn)

    def engagement(self, external_id: str) -> Engagement:
        """Read a post's social actions (likes, comments with their replies) and its reshares."""
        client = HttpClient(self.options)
        response = self._call(
            client,
            "GET",
            f"{API}/rest/socialActions/{quote(external_id, safe='')}",
        )
        if response.status in (404, 410):
            raise PostGoneError(f"The post is gone from LinkedIn ({error_message(response)})")
        if response.status == 403:  # a member's figures need r_member_social, rarely granted
            raise PermanentError(
                f"LinkedIn does not let planner read this account's figures ({error_message(response)})",
                status=403,
            )
        actions = checked(response)
        likes = actions.get("likesSummary")
        comments = actions.get("commentsSummary")
        like_count = count_of(likes.get("totalLikes")) if isinstance(likes, dict) else 0
        comment_count = (
            count_of(comments.get("aggregatedTotalComments")) if isinstance(comments, dict) else 0
        )
        reposts = self._reposts(client, external_id)
        return Engagement(
            replies=comment_count,
            reposts=reposts or 0,
            likes=like_count,
            raw={
                "totalLikes": like_count,
                "aggregatedTotalComments": comment_count,
                "shareCount": reposts,
            },
        )

    def _reposts(self, client: HttpClient, urn: str) -> int | None:
        """Return an organization post's reshares from its share statistics; None if not given.

        Social actions carry no reshares. LinkedIn gives them to an organization's
        administrators; a member's own post statistics need ``r_member_postAnalytics``, which
        planner does not ask for. Statistics cover the past 12 months only.
        """
        author = self.config["author_urn"]
        if not author.startswith("urn:li:organization:"):
            return None
        kind, field = ("ugcPosts", "ugcPost") if urn.startswith(UGC_POST) else ("shares", "share")
        # Rest.li 2.0 lists keep their parentheses and commas; only the URNs are encoded.
        url = (
            f"{API}/rest/organizationalEntityShareStatistics?q=organizationalEntity"
            f"&organizationalEntity={quote(author, safe='')}&{kind}=List({quote(urn, safe='')})"
        )
        response = self._call(client, "GET", url)
        if response.status == 403:  # a page connected without the reporting permission
            logger.info(
                "LinkedIn gives no share statistics for %s: %s", urn, error_message(response)
            )
            return None
        elements = checked(response).get("elements")
        for element in elements if isinstance(elements, list) else []:
            if isinstance(element, dict) and element.get(field) == urn:
                totals = element.get("totalShareStatistics")
                return count_of(totals.get("shareCount")) if isinstance(totals, dict) else None
        return None

    def _refresh_if_due(self, now: datetime) -> None:
        expires = tokens.parse_time(tokens.current(self, "expires_at"))
        if expires is not None and expires < now + REFRESH_BEFORE:
            try:
                self.refresh_credentials(now=now)
            except TransientError as exc:
                logger.warning("Could not renew the LinkedIn token yet: %s", exc)

    def _content(self, client: HttpClient, request: PublishRequest) -> dict[str, Any] | None:
        """Return the post's images (uploaded now) or its link as an article, if any."""
        if len(request.media) == 1:
            item = request.media[0]
            return {"media": {"id": self._upload(client, item), "altText": item.alt[:4086]}}
        if request.media:
            images = [
                {"id": self._upload(client, item), "altText": item.alt[:4086]}
                for item in request.media
            ]
            return {"multiImage": {"images": images}}
        if request.link:
            return {"article": {"source": request.link, "title": request.link[:400]}}
        return None

    def _upload(self, client: HttpClient, item: MediaItem) -> str:
        """Upload one image through the Images API and return its ``urn:li:image``."""
        if item.mime not in IMAGE_TYPES:
            raise PermanentError(f"LinkedIn takes JPEG, PNG or GIF images, not {item.mime}")
        response = self._call(
            client,
            "POST",
            f"{API}/rest/images",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": self.config["author_urn"]}},
            safe_to_retry=True,  # an image no post uses is harmless
        )
        value = checked(response).get("value")
        value = value if isinstance(value, dict) else {}
        upload_url, image = value.get("uploadUrl"), value.get("image")
        if not isinstance(upload_url, str) or not isinstance(image, str):
            raise PermanentError("LinkedIn gave no upload address for the image")
        uploaded = client.request(
            "PUT",
            upload_url,
            data=item.data,
            headers={**self._auth(), "Content-Type": item.mime},
            safe_to_retry=True,
            check=False,
        )
        if not uploaded.ok:
            raise linkedin_error(uploaded)
        return image

    def _find(
        self, client: HttpClient, commentary: str, since: datetime, *, unsure: bool
    ) -> str | None:
        """Return the URN of the author's post with this commentary made since *since*."""
        response = self._call(
            client,
            "GET",
            f"{API}/rest/posts",
            params={
                "q": "author",
                "author": self.config["author_urn"],
                "count": str(RECENT_POSTS),
                "sortBy": "LAST_MODIFIED",
            },
            headers={"X-RestLi-Method": "FINDER"},
        )
        if response.status == 403 and unsure:
            # Reading a member's posts needs r_member_social, which LinkedIn grants to few apps.
            raise UnknownOutcomeError(
                "An earlier attempt may have posted this, and LinkedIn does not let planner "
                f"read this author's posts to check ({error_message(response)})",
                safe_to_retry=False,
            )
        if response.status == 403:
            return None  # the last attempt was refused outright: nothing to find
        elements = checked(response).get("elements")
        return tokens.first_match(
            (
                (post.get("commentary"), _from_millis(post.get("createdAt")), str(post.get("id")))
                for post in (elements if isinstance(elements, list) else [])
                if isinstance(post, dict)
            ),
            commentary,
            since,
        )

    def _call(
        self,
        client: HttpClient,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Response:
        all_headers = {
            **self._auth(),
            "LinkedIn-Version": LINKEDIN_VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
            **(headers or {}),
        }
        return client.request(method, url, headers=all_headers, check=False, **kwargs)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens.current(self, 'access_token')}"}


def _result(urn: str) -> PublishResult:
    return PublishResult(
        external_id=urn, external_url=f"https://www.linkedin.com/feed/update/{quote(urn, safe=':')}"
    )


def _from_millis(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    return None
