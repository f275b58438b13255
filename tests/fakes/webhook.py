"""A fake webhook receiver that behaves like a generic endpoint, Slack or Discord by path."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.server import FakeServer, RecordedRequest, Reply

DISCORD_MAX_LENGTH = 2000
DISCORD_MAX_FILES = 10
DISCORD_FILE_BYTES = 10 * 1024 * 1024
PATHS = {
    "generic": "/hooks/generic",
    "slack": "/slack/services/T000/B000/XXXXXXXX",
    "discord": "/discord/api/webhooks/123456/token-abc",
}


class FakeWebhook(FakeServer):
    """Receive webhook messages: ``url_for("slack")`` gives a Slack-like address, and so on."""

    def __init__(self, *, guild_id: str | None = "42", channel_id: str = "777") -> None:
        super().__init__()
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.messages: list[dict[str, Any]] = []
        self._ids = itertools.count(900001)

    @property
    def posts(self) -> list[dict[str, Any]]:
        """Return the messages accepted so far (the same as ``messages``)."""
        with self.lock:
            return list(self.messages)

    def url_for(self, format: str) -> str:
        """Return the webhook address that behaves like *format*."""
        return f"{self.url}{PATHS[format]}"

    def rate_limit_next(self, retry_after: float = 0.25, *, times: int = 1) -> None:
        """Answer the next Discord calls with 429 and Discord's JSON body."""
        self.fail_next(
            429,
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
            {"Retry-After": str(math.ceil(retry_after))},
            times=times,
            path="/discord/",
        )

    def respond(self, request: RecordedRequest) -> Reply:
        """Behave like the service the path names."""
        if request.path == PATHS["discord"]:
            return self._discord(request)
        if request.path.startswith("/discord/"):
            return Reply(404, {"message": "Unknown Webhook", "code": 10015})
        if request.path == PATHS["slack"]:
            return self._slack(request)
        if request.path.startswith("/slack/"):
            return Reply(404, "no_service")
        if request.method != "POST":
            return Reply(405, {"error": "Method not allowed"})
        if not isinstance(request.json, dict):
            return Reply(400, {"error": "Body must be a JSON object"})
        return Reply(200, {"ok": True, "id": self._accept("generic", request, request.json)})

    def _accept(
        self,
        format: str,
        request: RecordedRequest,
        payload: Any,
        files: list[dict[str, Any]] | None = None,
    ) -> str:
        message_id = str(next(self._ids))
        with self.lock:
            self.messages.append(
                {
                    "id": message_id,
                    "format": format,
                    "path": request.path,
                    "query": request.query,
                    "headers": request.headers,
                    "json": payload,
                    "files": files or [],
                }
            )
        return message_id

    def _slack(self, request: RecordedRequest) -> Reply:
        payload = request.json
        if payload is None and request.body.startswith(b"payload="):
            payload = dict(parse_qsl(request.body.decode())).get("payload")
        if not isinstance(payload, dict):
            return Reply(400, "invalid_payload")
        if not str(payload.get("text") or "").strip():
            return Reply(400, "no_text")
        self._accept("slack", request, payload)
        return Reply(200, "ok")

    def _discord(self, request: RecordedRequest) -> Reply:
        if request.method == "GET":
            return Reply(
                200,
                {
                    "id": "123456",
                    "type": 1,
                    "name": "planner",
                    "channel_id": self.channel_id,
                    "guild_id": self.guild_id,
                    "token": "token-abc",
                },
            )
        payload, files = request.json, []
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            parsed = _discord_upload(request)
            if isinstance(parsed, Reply):
                return parsed
            payload, files = parsed
        if not isinstance(payload, dict):
            return Reply(400, {"message": "Cannot send an empty message", "code": 50006})
        content = payload.get("content") or ""
        if not content and not files:
            return Reply(400, {"message": "Cannot send an empty message", "code": 50006})
        if len(content) > DISCORD_MAX_LENGTH:
            return Reply(
                400,
                {
                    "message": "Invalid Form Body",
                    "code": 50035,
                    "errors": {
                        "content": {
                            "_errors": [
                                {
                                    "code": "BASE_TYPE_MAX_LENGTH",
                                    "message": "Must be 2000 or fewer in length.",
                                }
                            ]
                        }
                    },
                },
            )
        message_id = self._accept("discord", request, payload, files)
        if request.query.get("wait", "").lower() != "true":
            return Reply(204)
        message: dict[str, Any] = {
            "id": message_id,
            "type": 0,
            "content": content,
            "channel_id": self.channel_id,
            "webhook_id": "123456",
            "attachments": [
                {key: file[key] for key in ("id", "filename", "description", "size")}
                for file in files
            ],
        }
        if self.guild_id:
            message["guild_id"] = self.guild_id
        return Reply(200, message)


def _discord_upload(request: RecordedRequest) -> tuple[Any, list[dict[str, Any]]] | Reply:
    """Read Discord's multipart message: ``payload_json`` plus ``files[n]`` named by attachments."""
    try:
        parts = request.form
        fields = {part.name: part for part in parts if part.filename is None}
        payload = json.loads(fields["payload_json"].text)
    except (ValueError, KeyError):
        return Reply(400, {"message": "Invalid Form Body", "code": 50035})
    uploads = {part.name: part for part in parts if part.filename is not None}
    if len(uploads) > DISCORD_MAX_FILES:
        return Reply(400, {"message": "Maximum number of attachments exceeded", "code": 30032})
    files = []
    for attachment in payload.get("attachments") or []:
        upload = uploads.get(f"files[{attachment.get('id')}]")
        if upload is None:
            return Reply(400, {"message": "Invalid Form Body", "code": 50035})
        if len(upload.value) > DISCORD_FILE_BYTES:
            return Reply(413, {"message": "Request entity too large", "code": 40005})
        files.append(
            {
                "id": str(attachment["id"]),
                "filename": attachment.get("filename") or upload.filename,
                "description": attachment.get("description"),
                "content_type": upload.mime,
                "size": len(upload.value),
                "data": upload.value,
            }
        )
    return payload, files
