"""Local files and the S3 bucket answer the same calls the same way."""

from __future__ import annotations

import urllib.request

import pytest

from planner.media.signing import BadLink, ExpiredLink, UrlSigner
from planner.media.storage import LocalStorage, MissingFile, check_key
from tests.media.conftest import make_s3


def test_put_get_delete(storage) -> None:
    storage.put("3/abc.jpg", b"bytes", "image/jpeg")
    assert storage.get("3/abc.jpg") == b"bytes"
    storage.put("3/abc.jpg", b"other", "image/jpeg")
    assert storage.get("3/abc.jpg") == b"other"
    storage.delete("3/abc.jpg")
    with pytest.raises(MissingFile):
        storage.get("3/abc.jpg")
    storage.delete("3/abc.jpg")  # deleting twice is harmless


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs.jpg", "a/../b.jpg", "a//b.jpg", "noext"])
def test_keys_planner_never_makes_are_refused(storage, key: str) -> None:
    with pytest.raises(ValueError):
        storage.put(key, b"x", "image/jpeg")
    with pytest.raises(ValueError):
        check_key(key)


def test_a_presigned_s3_url_serves_the_file_for_its_lifetime(s3_endpoint: str) -> None:
    """moto serves presigned URLs but checks neither signature nor expiry; a real bucket does."""
    storage = make_s3(s3_endpoint)
    storage.put("1/p.png", b"png-bytes", "image/png")
    url = storage.signed_url("1/p.png", 60)
    assert url.startswith(s3_endpoint) and "X-Amz-Signature" in url
    with urllib.request.urlopen(url, timeout=5) as answer:
        assert answer.read() == b"png-bytes"
        assert answer.headers["Content-Type"] == "image/png"
    assert "X-Amz-Expires=60" in url


def test_local_signed_links_name_one_key_and_expire(tmp_path) -> None:
    now = [1_000_000.0]
    signer = UrlSigner("secret", "https://planner.example/")
    storage = LocalStorage(tmp_path, signer=signer, clock=lambda: now[0])
    url = storage.signed_url("2/x.webp", 300)
    assert url.startswith("https://planner.example/m/")
    token = url.rsplit("/", 1)[1]
    assert signer.key_for(token, now=now[0] + 299) == "2/x.webp"
    with pytest.raises(ExpiredLink):
        signer.key_for(token, now=now[0] + 300)
    with pytest.raises(BadLink):
        UrlSigner("another secret", "https://x").key_for(token, now=now[0])
    with pytest.raises(BadLink):
        signer.key_for(token[:-2] + "xx", now=now[0])


@pytest.mark.parametrize(
    "key", ["2/x.webp", "12/p7.thumb.webp", "3/café.jpg", "4/" + "a" * 60 + ".jpg"]
)
def test_links_are_signed_as_the_serializer_signs_them(key: str) -> None:
    # The key is derived once rather than per link; the token is still the serializer's own
    # (uncompressed), so only the secret's holder can make one, and tampering is refused.
    from itsdangerous import BadSignature, URLSafeSerializer

    from planner.media.signing import SALT

    signer = UrlSigner("secret", "https://planner.example/")
    token = signer.token(key, expires_at=2_000_000)
    serializer = URLSafeSerializer("secret", salt=SALT)
    assert serializer.loads(token) == {"k": key, "e": 2_000_000}
    if len(key) < 40:  # a payload that does not shrink: byte for byte the serializer's token
        assert token == serializer.dumps({"k": key, "e": 2_000_000})
    assert signer.key_for(token, now=1_999_999) == key
    with pytest.raises(BadSignature):
        URLSafeSerializer("another secret", salt=SALT).loads(token)
    _payload, mac = token.split(".")
    forged = URLSafeSerializer("secret", salt=SALT).dumps({"k": "9/other.jpg", "e": 2_000_000})
    with pytest.raises(BadLink):
        signer.key_for(forged.split(".")[0] + "." + mac, now=0)


def test_local_storage_without_a_signer_gives_no_public_url(tmp_path) -> None:
    assert LocalStorage(tmp_path).signed_url("1/a.jpg", 60) is None
