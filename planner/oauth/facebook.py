"""Facebook Login for Pages and for the Instagram professional accounts linked to them.

The documented server-side flow: the login dialog, the code exchanged with the app secret for
a short-lived user token, that traded (``fb_exchange_token``) for a long-lived one of about 60
days, then ``/me/accounts`` for the Pages and their Page tokens. Page tokens obtained with a
long-lived user token do not expire; they die only when the password changes or the
permission is withdrawn. PKCE is not used: Meta offers it only in its OIDC variant of the flow,
still marked as "in testing", while the app secret protects this exchange.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

from planner.connectors.errors import PermanentError
from planner.connectors.graph import DIALOG_URL, GRAPH_URL, Graph, graph_error
from planner.connectors.http import HttpClient
from planner.oauth.base import Grant, Pick, Provider

PAGE_SCOPES = ("pages_show_list", "pages_manage_posts", "pages_read_engagement")
# The inbox: reading others' comments under the Page's posts and answering them as the Page.
PAGE_COMMENT_SCOPES = ("pages_read_user_content", "pages_manage_engagement")
# Instagram through Facebook Login also needs business_management when the Page is owned by a
# business portfolio (Meta's "Content Publishing" guide lists it among the requirements);
# instagram_manage_insights lets the media insights give a post's shares.
INSTAGRAM_SCOPES = (
    *PAGE_SCOPES,
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",  # the inbox: reading and answering comments
    "instagram_manage_insights",
    "business_management",
)


class FacebookProvider(Provider):
    """Connect Facebook Pages: one pick per Page the person manages."""

    platform = "facebook"
    label = "Facebook Page"
    family = "facebook"
    scopes: ClassVar[tuple[str, ...]] = (*PAGE_SCOPES, *PAGE_COMMENT_SCOPES)
    uses_pkce = False

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        query = {
            "client_id": self.app.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "response_type": "code",
            "scope": ",".join(self.scopes),
        }
        return f"{DIALOG_URL}?{urlencode(query)}"

    def exchange(
        self, *, code: str, redirect_uri: str, code_verifier: str | None, now: datetime
    ) -> Grant:
        """Trade the code for a short-lived user token, then that for a long-lived one."""
        short = self._token(
            {
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
                "redirect_uri": redirect_uri,
                "code": code,
            }
        )
        long = self._token(
            {
                "grant_type": "fb_exchange_token",
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
                "fb_exchange_token": str(short["access_token"]),
            }
        )
        expires_in = long.get("expires_in")
        expires_at = (
            now + timedelta(seconds=int(expires_in))
            if isinstance(expires_in, int | float) and expires_in > 0
            else None
        )
        return Grant(access_token=str(long["access_token"]), expires_at=expires_at)

    def picks(self, grant: Grant, *, now: datetime) -> list[Pick]:
        """Return one pick per Page, each with its own Page token (which does not expire)."""
        return [
            Pick(
                key=f"facebook:{page['id']}",
                platform="facebook",
                name=str(page.get("name") or page["id"]),
                config={"page_id": str(page["id"]), "page_name": str(page.get("name") or "")},
                secrets={"access_token": str(page["access_token"])},
                expires_at=None,
                detail="Facebook Page",
            )
            for page in self._pages(grant)
        ]

    def _pages(self, grant: Grant) -> list[dict[str, Any]]:
        """The Pages the person manages, every page of results followed."""
        graph = Graph(HttpClient(self.options), grant.access_token)
        pages = graph.pages("/me/accounts", {"fields": "id,name,access_token", "limit": "100"})
        return [page for page in pages if page.get("id") and page.get("access_token")]

    def _token(self, params: dict[str, str]) -> dict[str, Any]:
        response = HttpClient(self.options).request(
            "GET", f"{GRAPH_URL}/oauth/access_token", params=params, check=False
        )
        if not response.ok:
            raise graph_error(response)
        answer = response.json_object()
        if not isinstance(answer.get("access_token"), str):
            raise PermanentError("Facebook answered the token request without a token")
        return answer


class InstagramProvider(FacebookProvider):
    """Connect Instagram professional accounts: one pick per Page with a linked account."""

    platform = "instagram"
    label = "Instagram"
    scopes = INSTAGRAM_SCOPES

    def picks(self, grant: Grant, *, now: datetime) -> list[Pick]:
        """Return one pick per Instagram account linked to one of the person's Pages."""
        found = []
        client = HttpClient(self.options)
        for page in self._pages(grant):
            token = str(page["access_token"])
            linked = Graph(client, token).get(
                f"/{page['id']}", {"fields": "instagram_business_account{id,username}"}
            )
            account = linked.get("instagram_business_account")
            if not isinstance(account, dict) or not account.get("id"):
                continue
            username = str(account.get("username") or "")
            page_name = str(page.get("name") or "")
            found.append(
                Pick(
                    key=f"instagram:{account['id']}",
                    platform="instagram",
                    name=f"@{username}" if username else str(account["id"]),
                    config={
                        "ig_user_id": str(account["id"]),
                        "username": username,
                        "page_id": str(page["id"]),
                        "page_name": page_name,
                    },
                    secrets={"access_token": token},
                    expires_at=None,
                    detail=f"Instagram account linked to the Page {page_name}".strip(),
                )
            )
        return found
