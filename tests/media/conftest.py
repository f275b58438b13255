"""The storages the media tests run against: files in a temporary folder and moto's S3 server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from planner.media.signing import UrlSigner
from planner.media.storage import LocalStorage, S3Storage, Storage

S3_KEYS = {"access_key_id": "testing", "secret_access_key": "testing", "region": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's standalone S3 server on a loopback port, for the whole test session."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def make_s3(endpoint: str) -> S3Storage:
    """An S3Storage on a fresh bucket of the moto server."""
    storage = S3Storage(bucket=f"media-{uuid.uuid4().hex[:12]}", endpoint_url=endpoint, **S3_KEYS)
    storage.client.create_bucket(Bucket=storage.bucket)
    return storage


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path) -> Storage:
    """Each media test runs once on local files and once on the S3 server."""
    if request.param == "s3":
        return make_s3(request.getfixturevalue("s3_endpoint"))
    return LocalStorage(tmp_path / "media", signer=UrlSigner("k", "http://planner.test"))


@pytest.fixture(params=["local", "s3"])
def app_config(request: pytest.FixtureRequest, app_config: dict[str, Any]) -> dict[str, Any]:
    """Every app-level media test runs with files under instance/media/ and with a bucket."""
    if request.param == "s3":
        bucket = make_s3(request.getfixturevalue("s3_endpoint")).bucket
        app_config = {
            **app_config,
            "MEDIA_STORAGE": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": request.getfixturevalue("s3_endpoint"),
            "S3_REGION": S3_KEYS["region"],
            "S3_ACCESS_KEY_ID": S3_KEYS["access_key_id"],
            "S3_SECRET_ACCESS_KEY": S3_KEYS["secret_access_key"],
        }
    return app_config
