"""The explicit list of platforms that connect with OAuth."""

from __future__ import annotations

from planner.oauth.base import Provider
from planner.oauth.facebook import FacebookProvider, InstagramProvider

# Filled by each platform's module being listed here (no registration by import side effect).
PROVIDERS: dict[str, type[Provider]] = {
    "facebook": FacebookProvider,
    "instagram": InstagramProvider,
}
