"""Connecting channels with OAuth 2.0: one provider per platform, no Flask (like connectors)."""
