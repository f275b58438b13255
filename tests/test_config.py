from __future__ import annotations

import pytest

from planner import create_app
from planner.config import DEV_SECRET_KEY, InsecureConfigError, env_overrides


def test_env_overrides_convert_known_types() -> None:
    found = env_overrides(
        {
            "PLANNER_DATABASE_URL": "postgresql://x/y",
            "PLANNER_MAX_ATTEMPTS": "7",
            "PLANNER_WORKER_TICK_SECONDS": "0.5",
            "PLANNER_ALLOW_PRIVATE_HOSTS": "1",
            "OTHER": "ignored",
        }
    )
    assert found == {
        "DATABASE_URL": "postgresql://x/y",
        "MAX_ATTEMPTS": 7,
        "WORKER_TICK_SECONDS": 0.5,
        "ALLOW_PRIVATE_HOSTS": True,
    }


def test_refuses_development_secret_in_production(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("PLANNER_SECRET_KEY", raising=False)
    monkeypatch.delenv("PLANNER_DEBUG", raising=False)
    with pytest.raises(InsecureConfigError):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": DEV_SECRET_KEY})


def test_env_secret_is_accepted_and_wins_over_defaults(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PLANNER_SECRET_KEY", "a-real-secret")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "a-real-secret"


def test_instance_config_file_is_read(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("PLANNER_SECRET_KEY", raising=False)
    (tmp_path / "config.py").write_text("SECRET_KEY = 'from-instance'\nMAX_ATTEMPTS = 9\n")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config["MAX_ATTEMPTS"] == 9


def test_environment_beats_the_instance_file_which_beats_the_defaults(
    tmp_path, monkeypatch
) -> None:
    (tmp_path / "config.py").write_text("MAX_ATTEMPTS = 9\nRETRY_BASE_SECONDS = 30\n")
    monkeypatch.setenv("PLANNER_SECRET_KEY", "a-real-secret")
    monkeypatch.setenv("PLANNER_MAX_ATTEMPTS", "3")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["MAX_ATTEMPTS"] == 3  # environment
    assert app.config["RETRY_BASE_SECONDS"] == 30  # instance/config.py
    assert app.config["WORKER_TICK_SECONDS"] == 1  # default


def test_development_secret_is_allowed_when_debugging(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("PLANNER_SECRET_KEY", raising=False)
    monkeypatch.setenv("PLANNER_DEBUG", "1")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": DEV_SECRET_KEY})
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY


def test_create_app_opens_no_connection_and_starts_nothing(tmp_path) -> None:
    import threading

    before = threading.active_count()
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "inst")})
    assert threading.active_count() == before
    # No database file appears until something asks for it.
    assert not (tmp_path / "inst" / "planner.sqlite3").exists()
    assert "planner.engine" in app.extensions
