"""The explicit list of platforms that connect with OAuth."""

from __future__ import annotations

from planner.oauth.base import Provider
from planner.oauth.facebook import FacebookProvider, InstagramProvider
from planner.oauth.google_business import GoogleBusinessProvider
from planner.oauth.linkedin import LinkedInProvider
from planner.oauth.threads import ThreadsProvider

# Filled by each platform's module being listed here (no registration by import side effect).
PROVIDERS: dict[str, type[Provider]] = {
    "facebook": FacebookProvider,
    "instagram": InstagramProvider,
    "threads": ThreadsProvider,
    "linkedin": LinkedInProvider,
    "google_business": GoogleBusinessProvider,
}
