"""Channel credentials at rest: a key made once, rotation, and a clear error for a wrong key."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet

from planner.secretbox import SecretBox, SecretBoxError, load_keys


def test_a_key_is_generated_once_into_the_instance_folder(tmp_path) -> None:
    first = load_keys(None, tmp_path)
    again = load_keys(None, tmp_path)
    key_file = tmp_path / "encryption.key"
    assert first == again and len(first) == 1
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert SecretBox(again).open(SecretBox(first).seal({"token": "t"})) == {"token": "t"}


def test_configured_keys_win_and_rotate_newest_first(tmp_path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed_with_old = SecretBox([old]).seal({"app_password": "abcd-efgh"})
    assert "abcd" not in sealed_with_old
    keys = load_keys(f"{new}, {old}", tmp_path)
    assert keys == [new, old] and not (tmp_path / "encryption.key").exists()
    box = SecretBox(keys)
    assert box.open(sealed_with_old) == {"app_password": "abcd-efgh"}
    rotated = box.rotate(sealed_with_old)
    assert SecretBox([new]).open(rotated) == {"app_password": "abcd-efgh"}


def test_a_wrong_key_says_so_instead_of_crashing() -> None:
    sealed = SecretBox([Fernet.generate_key().decode()]).seal({"access_token": "x"})
    with pytest.raises(SecretBoxError, match="cannot be decrypted"):
        SecretBox([Fernet.generate_key().decode()]).open(sealed)
