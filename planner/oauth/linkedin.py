"""Sign in with LinkedIn: the member, and the organization pages the member administers."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from planner.connectors import tokens
from planner.connectors.errors import ConnectorError
from planner.connectors.http import HttpClient
from planner.connectors.linkedin import API, LINKEDIN_VERSION, TOKEN_URL, linkedin_error
from planner.oauth.base import Grant, Pick, Provider

logger = logging.getLogger(__name__)

AUTHORIZE_URL = "https://www.linkedin.com/oauth/v2/authorization"
ORGANIZATION_SCOPE = "r_organization_admin"


class LinkedInProvider(Provider):
    """Members post with ``w_member_social``; pages need the Community Management API scopes."""

    platform = "linkedin"
    label = "LinkedIn"
    family = "linkedin"
    scopes = (
        "openid",
        "profile",
        "w_member_social",
        "w_organization_social",
        "r_organization_social",
        ORGANIZATION_SCOPE,
    )

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        """LinkedIn's consent page (space-separated scopes)."""
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.app.client_id,
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": " ".join(self.scopes),
            }
        )
        return f"{AUTHORIZE_URL}?{query}"

    def exchange(
        self, *, code: str, redirect_uri: str, code_verifier: str | None, now: datetime
    ) -> Grant:
        """Swap the code for a 60-day token (and a 365-day refresh token where granted)."""
        data = self.redeem_code(
            TOKEN_URL,
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=None,
            error=linkedin_error,
        )
        return Grant(
            access_token=str(data.get("access_token") or ""),
            refresh_token=data.get("refresh_token") or None,
            expires_at=tokens.expiry(now, data.get("expires_in")),
            refresh_expires_at=tokens.expiry(now, data.get("refresh_token_expires_in")),
            scope=str(data.get("scope") or ""),
        )

    def picks(self, grant: Grant, *, now: datetime) -> list[Pick]:
        """Return the member, then each organization the member administers."""
        client = HttpClient(self.options)
        me = self._get(client, grant.access_token, f"{API}/v2/userinfo")
        secrets = _secrets(grant)
        member = f"urn:li:person:{me.get('sub')}"
        name = str(me.get("name") or me.get("given_name") or member)
        found = [
            Pick(
                key=member,
                platform=self.platform,
                name=name,
                config={"author_urn": member, "name": name},
                secrets=secrets,
                expires_at=grant.expires_at,
                detail="LinkedIn member",
            )
        ]
        granted = grant.scope.replace(",", " ").split()
        if ORGANIZATION_SCOPE not in granted:
            return found
        try:
            acls = self._get(
                client,
                grant.access_token,
                f"{API}/rest/organizationAcls",
                params={"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"},
            )
        except ConnectorError as exc:  # pages are optional; the member can still connect
            logger.warning("Could not list the LinkedIn pages this member administers: %s", exc)
            return found
        for acl in acls.get("elements") or []:
            urn = str(acl.get("organization") or "") if isinstance(acl, dict) else ""
            if not urn.startswith("urn:li:organization:"):
                continue
            org = self._get(
                client, grant.access_token, f"{API}/rest/organizations/{urn.rsplit(':', 1)[-1]}"
            )
            title = str(org.get("localizedName") or urn)
            found.append(
                Pick(
                    key=urn,
                    platform=self.platform,
                    name=title,
                    config={"author_urn": urn, "name": title},
                    secrets=secrets,
                    expires_at=grant.expires_at,
                    detail="LinkedIn page",
                )
            )
        return found

    def _get(
        self, client: HttpClient, token: str, url: str, params: dict[str, str] | None = None
    ) -> Any:
        response = client.request(
            "GET",
            url,
            params=params,
            headers={
                "Authorization": f"Bearer {token}",
                "LinkedIn-Version": LINKEDIN_VERSION,
                "X-Restli-Protocol-Version": "2.0.0",
            },
            check=False,
        )
        if not response.ok:
            raise linkedin_error(response)
        return response.json_object()


def _secrets(grant: Grant) -> dict[str, str]:
    secrets = {"access_token": grant.access_token}
    if grant.refresh_token:
        secrets["refresh_token"] = grant.refresh_token
    if grant.expires_at is not None:
        secrets["expires_at"] = tokens.iso(grant.expires_at)
    if grant.refresh_expires_at is not None:
        secrets["refresh_expires_at"] = tokens.iso(grant.refresh_expires_at)
    return secrets
