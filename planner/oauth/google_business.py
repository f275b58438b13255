"""Google sign-in (offline access, PKCE) for Business Profile locations."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from planner.connectors import tokens
from planner.connectors.errors import PermanentError
from planner.connectors.google_business import TOKEN_URL, google_error
from planner.connectors.http import HttpClient
from planner.oauth.base import Grant, Pick, Provider

AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
ACCOUNTS_URL = "https://mybusinessaccountmanagement.googleapis.com/v1/accounts"
INFORMATION_API = "https://mybusinessbusinessinformation.googleapis.com/v1"
SCOPE = "https://www.googleapis.com/auth/business.manage"


class GoogleBusinessProvider(Provider):
    """Each location of each account the signed-in user manages is one pick."""

    platform = "google_business"
    label = "Google Business Profile"
    family = "google"
    scopes = (SCOPE,)
    uses_pkce = True

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        """Google's consent page, asking for a refresh token (offline, consent every time)."""
        values = {
            "client_id": self.app.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(self.scopes),
            "access_type": "offline",
            "prompt": "consent",
            "include_granted_scopes": "true",
            "state": state,
        }
        if code_challenge:
            values |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
        return f"{AUTHORIZE_URL}?{urlencode(values)}"

    def exchange(
        self, *, code: str, redirect_uri: str, code_verifier: str | None, now: datetime
    ) -> Grant:
        """Swap the code (with the PKCE verifier) for an hourly token and a refresh token."""
        data = self.redeem_code(
            TOKEN_URL,
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=code_verifier,
            error=google_error,
        )
        if not data.get("refresh_token"):
            raise PermanentError(
                "Google gave no refresh token; remove planner's access in your Google account "
                "settings and connect again"
            )
        return Grant(
            access_token=str(data.get("access_token") or ""),
            refresh_token=str(data["refresh_token"]),
            expires_at=tokens.expiry(now, data.get("expires_in")),
            scope=str(data.get("scope") or ""),
        )

    def picks(self, grant: Grant, *, now: datetime) -> list[Pick]:
        """Return one pick per location, listed account by account."""
        client = HttpClient(self.options)
        secrets = {"access_token": grant.access_token, "refresh_token": grant.refresh_token or ""}
        if grant.expires_at is not None:
            secrets["expires_at"] = tokens.iso(grant.expires_at)
        found: list[Pick] = []
        for account in self._get(client, grant, ACCOUNTS_URL).get("accounts") or []:
            account_name = str(account.get("name") or "")
            if not account_name.startswith("accounts/"):
                continue
            locations = self._get(
                client,
                grant,
                f"{INFORMATION_API}/{account_name}/locations",
                {"readMask": "name,title,storefrontAddress", "pageSize": "100"},
            )
            for location in locations.get("locations") or []:
                location_name = str(location.get("name") or "")
                title = str(location.get("title") or location_name)
                found.append(
                    Pick(
                        key=f"{account_name}/{location_name}",
                        platform=self.platform,
                        name=title,
                        config={
                            "account": account_name,
                            "location": location_name,
                            "title": title,
                        },
                        secrets=secrets,
                        expires_at=grant.expires_at,  # hourly, renewed by the worker
                        detail=_address(location.get("storefrontAddress"))
                        or str(account.get("accountName") or ""),
                    )
                )
        return found

    def _get(
        self, client: HttpClient, grant: Grant, url: str, params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        response = client.request(
            "GET",
            url,
            params=params,
            headers={"Authorization": f"Bearer {grant.access_token}"},
            check=False,
        )
        if not response.ok:
            raise google_error(response)
        return response.json_object()


def _address(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    lines = [str(line) for line in value.get("addressLines") or []]
    lines += [str(value[key]) for key in ("locality", "postalCode") if value.get(key)]
    return ", ".join(lines)
