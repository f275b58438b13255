"""AT Protocol details the Bluesky connector relies on: token errors, DID documents, timestamps."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from planner.connectors.http import clean_url
from planner.connectors.replies import Response, error_code

logger = logging.getLogger(__name__)

# Errors that mean "this token is no good any more", as opposed to a refusal of the request.
TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})


def token_rejected(response: Response) -> bool:
    """Return True when the reply says the session token is no good any more (not a refusal)."""
    if response.status == 401:
        return True
    return response.status == 400 and error_code(response) in TOKEN_ERRORS


def pds_endpoint(did_doc: Any) -> str | None:
    """Return the account's own server from its DID document, where records must be written."""
    if not isinstance(did_doc, dict):
        return None
    for service in did_doc.get("service") or []:
        if (
            isinstance(service, dict)
            and service.get("type") == "AtprotoPersonalDataServer"
            and isinstance(service.get("serviceEndpoint"), str)
        ):
            try:
                return clean_url(service["serviceEndpoint"]).rstrip("/")
            except ValueError:
                logger.warning("Ignoring an unusable PDS address in a Bluesky DID document")
    return None


def timestamp(moment: datetime) -> str:
    """Return *moment* as the AT Protocol likes it: UTC, milliseconds, and a Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
