"""Threads Login: a short-lived token swapped for a 60-day one, for the signed-in profile."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from planner.connectors import tokens
from planner.connectors.http import HttpClient
from planner.connectors.threads import API, GRAPH, graph_error
from planner.oauth.base import Grant, Pick, Provider

AUTHORIZE_URL = "https://threads.net/oauth/authorize"


class ThreadsProvider(Provider):
    """The profile that signs in is the one channel it can become."""

    platform = "threads"
    label = "Threads"
    family = "threads"
    # threads_manage_insights: the media insights engagement is read from; threads_read_replies
    # and threads_manage_replies: the inbox's replies, and answering them.
    scopes = (
        "threads_basic",
        "threads_content_publish",
        "threads_manage_insights",
        "threads_read_replies",
        "threads_manage_replies",
    )

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        """Threads' consent page (comma-separated scopes, no PKCE)."""
        query = urlencode(
            {
                "client_id": self.app.client_id,
                "redirect_uri": redirect_uri,
                "scope": ",".join(self.scopes),
                "response_type": "code",
                "state": state,
            }
        )
        return f"{AUTHORIZE_URL}?{query}"

    def exchange(
        self, *, code: str, redirect_uri: str, code_verifier: str | None, now: datetime
    ) -> Grant:
        """Swap the code for a short-lived token, then that for a long-lived (60 days) one."""
        client = HttpClient(self.options)
        short = self.redeem_code(
            f"{GRAPH}/oauth/access_token",
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=None,
            error=graph_error,
        )
        response = client.request(
            "GET",
            f"{GRAPH}/access_token",
            params={
                "grant_type": "th_exchange_token",
                "client_secret": self.app.client_secret,
                "access_token": str(short.get("access_token") or ""),
            },
            check=False,
        )
        if not response.ok:
            raise graph_error(response)
        long = response.json_object()
        return Grant(
            access_token=str(long.get("access_token") or ""),
            expires_at=tokens.expiry(now, long.get("expires_in")),
            scope=",".join(self.scopes),
            extra={"user_id": str(short.get("user_id") or "")},
        )

    def picks(self, grant: Grant, *, now: datetime) -> list[Pick]:
        """Return the signed-in profile (``GET /me?fields=id,username``)."""
        response = HttpClient(self.options).request(
            "GET",
            f"{API}/me",
            params={"fields": "id,username", "access_token": grant.access_token},
            check=False,
        )
        if not response.ok:
            raise graph_error(response)
        me = response.json_object()
        user_id = str(me.get("id") or grant.extra.get("user_id") or "")
        username = str(me.get("username") or user_id)
        secrets = {"access_token": grant.access_token}
        if grant.expires_at is not None:
            secrets["expires_at"] = tokens.iso(grant.expires_at)
        return [
            Pick(
                key=user_id,
                platform=self.platform,
                name=f"@{username}",
                config={"user_id": user_id, "username": username},
                secrets=secrets,
                expires_at=grant.expires_at,
                detail="Threads profile",
            )
        ]
