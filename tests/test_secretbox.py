"""Channel credentials at rest: a key made once, rotation, and a clear error for a wrong key."""

from __future__ import annotations

import multiprocessing
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


def _load_after(barrier, folder: str, results) -> None:
    barrier.wait()
    try:
        results.put(load_keys(None, folder)[0])
    except Exception as exc:  # reported to the test, which fails on any
        results.put(f"error: {exc!r}")


def test_processes_starting_together_on_a_fresh_instance_share_one_complete_key(tmp_path) -> None:
    ctx = multiprocessing.get_context("fork")
    for attempt in range(5):
        folder = tmp_path / f"instance{attempt}"
        barrier, results = ctx.Barrier(8), ctx.Queue()
        workers = [
            ctx.Process(target=_load_after, args=(barrier, str(folder), results)) for _ in range(8)
        ]
        for worker in workers:
            worker.start()
        keys = [results.get(timeout=30) for _ in workers]
        for worker in workers:
            worker.join()
        assert len(set(keys)) == 1, keys
        assert keys[0] == (folder / "encryption.key").read_text()
        Fernet(keys[0].encode())  # a whole key, not an empty or partial one
        assert [p.name for p in folder.iterdir()] == ["encryption.key"]  # no temporary left


def test_an_empty_key_file_is_refused_with_a_clear_message(tmp_path) -> None:
    (tmp_path / "encryption.key").write_text("")
    with pytest.raises(SecretBoxError, match="empty"):
        load_keys(None, tmp_path)
