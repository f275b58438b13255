from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from planner.connectors.base import ConnectorOptions, PublishRequest
from planner.connectors.errors import PermanentError
from planner.connectors.outbox import OutboxConnector


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_publish_appends_one_json_line(
    options: ConnectorOptions, make_request: Callable[..., PublishRequest]
) -> None:
    connector = OutboxConnector({}, options=options)
    result = connector.publish(make_request(text="Croissants 🥐", link="https://shop.example/c"))
    assert result.external_id == "outbox:7"
    assert result.external_url is None
    assert options.outbox_dir is not None
    [entry] = lines(options.outbox_dir / "channel-2.jsonl")
    assert entry["text"] == "Croissants 🥐\nhttps://shop.example/c"
    assert entry["idempotency_key"] == "key-7"
    assert entry["scheduled_at"] == "2025-03-14T09:30:00+00:00"
    assert {"delivery_id", "post_id", "channel_id", "category", "published_at"} <= set(entry)


def test_same_key_is_written_once(
    options: ConnectorOptions, make_request: Callable[..., PublishRequest]
) -> None:
    connector = OutboxConnector({}, options=options)
    first = connector.publish(make_request())
    again = connector.publish(make_request(attempt=2))
    connector.publish(make_request(delivery_id=8, idempotency_key="key-8"))
    assert again == first
    assert options.outbox_dir is not None
    assert [e["delivery_id"] for e in lines(options.outbox_dir / "channel-2.jsonl")] == [7, 8]


def test_a_line_cut_short_by_a_crash_does_not_block_the_outbox(
    options: ConnectorOptions, make_request: Callable[..., PublishRequest]
) -> None:
    assert options.outbox_dir is not None
    options.outbox_dir.mkdir(parents=True)
    path = options.outbox_dir / "channel-2.jsonl"
    path.write_text('{"delivery_id": 1, "idem', encoding="utf-8")
    OutboxConnector({}, options=options).publish(make_request())
    assert json.loads(path.read_text(encoding="utf-8").splitlines()[1])["delivery_id"] == 7


def test_check_creates_the_directory(options: ConnectorOptions) -> None:
    assert "outbox" in OutboxConnector({}, options=options).check()
    assert options.outbox_dir is not None and options.outbox_dir.is_dir()


def test_without_a_directory_publishing_fails_permanently(
    make_request: Callable[..., PublishRequest],
) -> None:
    with pytest.raises(PermanentError):
        OutboxConnector({}).publish(make_request())


def test_outbox_has_no_limit(options: ConnectorOptions) -> None:
    connector = OutboxConnector({}, options=options)
    assert connector.limit() is None
    assert connector.check_length("x" * 100_000) is None
    assert connector.count("👍🏽 hi") == 4
