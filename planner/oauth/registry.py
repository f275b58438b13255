"""The explicit list of platforms that connect with OAuth."""

from __future__ import annotations

from planner.oauth.base import Provider

# Filled by each platform's module being listed here (no registration by import side effect).
PROVIDERS: dict[str, type[Provider]] = {}
