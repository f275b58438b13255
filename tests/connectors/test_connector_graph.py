"""Graph API error replies mapped to the worker's actions by their code, not their status."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from planner.connectors.errors import AuthError, PermanentError, TransientError
from planner.connectors.graph import GRAPH_URL, GRAPH_VERSION, graph_error, rate_limit_wait
from planner.connectors.replies import Response

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def reply(status: int, error: dict | str | None, headers: dict[str, str] | None = None):
    body = b"" if error is None else json.dumps({"error": error}).encode()
    return Response(status, "", headers or {}, body, host="graph.facebook.com", received_at=NOW)


@pytest.mark.parametrize(
    ("status", "error", "kind", "code"),
    [
        (
            400,
            {
                "message": "Session has expired",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 463,
            },
            AuthError,
            "190/463",
        ),
        (401, {"message": "Invalid OAuth access token", "code": 190}, AuthError, "190"),
        (403, {"message": "(#200) Permissions error", "code": 200}, AuthError, "200"),
        (
            400,
            {"message": "(#10) Application does not have permission", "code": 10},
            AuthError,
            "10",
        ),
        (
            400,
            {"message": "(#4) Application request limit reached", "code": 4},
            TransientError,
            "4",
        ),
        (403, {"message": "(#32) Page request limit reached", "code": 32}, TransientError, "32"),
        (
            400,
            {"message": "(#80001) too many calls to this Page", "code": 80001},
            TransientError,
            "80001",
        ),
        (
            500,
            {"message": "An unknown error has occurred.", "type": "OAuthException", "code": 1},
            TransientError,
            "1",
        ),
        (
            400,
            {"message": "Please retry", "code": 2, "type": "FacebookApiException"},
            TransientError,
            "2",
        ),
        (
            400,
            {"message": "Error validating client secret.", "type": "OAuthException", "code": 1},
            PermanentError,
            "1",
        ),
        (400, {"message": "(#100) Invalid parameter", "code": 100}, PermanentError, "100"),
        (
            400,
            {
                "message": "The aspect ratio is not supported.",
                "code": 36003,
                "error_subcode": 2207009,
            },
            PermanentError,
            "36003/2207009",
        ),
    ],
)
def test_graph_errors_are_typed_by_their_code(status, error, kind, code) -> None:
    found = graph_error(reply(status, error))
    assert type(found) is kind
    assert found.code == code
    assert error["message"] in found.message


def test_a_401_without_a_graph_body_is_an_auth_error() -> None:
    assert isinstance(graph_error(reply(401, None)), AuthError)


def test_the_users_own_message_is_preferred() -> None:
    found = graph_error(
        reply(
            400, {"message": "(#100) x", "code": 100, "error_user_msg": "The photo is too small."}
        )
    )
    assert found.message == "The photo is too small."


def test_rate_limit_wait_reads_the_business_use_case_header_in_minutes() -> None:
    usage = {
        "1001": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 12}],
        "1002": [{"type": "pages", "estimated_time_to_regain_access": 3}],
    }
    found = reply(400, {"code": 32}, {"x-business-use-case-usage": json.dumps(usage)})
    assert rate_limit_wait(found) == 12 * 60


def test_rate_limit_wait_falls_back_to_retry_after_then_app_usage() -> None:
    assert rate_limit_wait(reply(400, {"code": 4}, {"retry-after": "90"})) == 90
    full = {"x-app-usage": json.dumps({"call_count": 100, "total_time": 20})}
    assert rate_limit_wait(reply(400, {"code": 4}, full)) == 3600
    half = {"x-app-usage": json.dumps({"call_count": 50})}
    assert rate_limit_wait(reply(400, {"code": 4}, half)) is None


def test_one_graph_version_everywhere() -> None:
    assert GRAPH_URL == f"https://graph.facebook.com/{GRAPH_VERSION}"
