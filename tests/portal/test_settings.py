import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.celery import _refuse_to_start_without_a_secret_key
from portal.settings import env_bool, env_int, env_list


def test_env_bool_reads_true_and_false(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG") is True
    monkeypatch.setenv("X_FLAG", "off")
    assert env_bool("X_FLAG", default=True) is False
    monkeypatch.delenv("X_FLAG")
    assert env_bool("X_FLAG", default=True) is True


def test_env_bool_refuses_garbage_loudly(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        env_bool("X_FLAG")


def test_env_int_refuses_garbage_loudly(monkeypatch):
    monkeypatch.setenv("X_NUMBER", "12MB")
    with pytest.raises(ImproperlyConfigured, match="X_NUMBER='12MB' is not a whole number"):
        env_int("X_NUMBER", 5)


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("X_LIST", "a.example, b.example ,")
    assert env_list("X_LIST", []) == ["a.example", "b.example"]


def _run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _clean_env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(extra)
    return env


def test_production_configuration_passes_check_deploy_without_warnings(tmp_path):
    env = _clean_env(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="false",
        SECRET_KEY="p" * 20 + "Zx9!q@W#e$R%t^Y&u*I(o)P_a+S=d-F" + "k" * 20,
        ALLOWED_HOSTS="qc.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    result = _run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_bad_environment_value_stops_start_up_with_its_name():
    env = _clean_env(DJANGO_SETTINGS_MODULE="portal.settings", DEBUG="sometimes")
    result = _run_manage("check", env=env)
    assert result.returncode != 0
    assert "DEBUG='sometimes' is not a boolean" in result.stderr


def test_embedded_mode_defaults_to_sqlite_and_eager_tasks():
    env = _clean_env(DJANGO_SETTINGS_MODULE="portal.settings", DEBUG="true")
    env.pop("DATABASE_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
    ]


def test_collectstatic_with_hashed_manifest_succeeds(tmp_path):
    env = _clean_env(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="false",
        SECRET_KEY="collectstatic-test-key-0123456789abcdefghijklmnopqrstuvwxyz",
        STATIC_MANIFEST="true",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    result = _run_manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()


def _start(*, code="import django; django.setup(); print('started')", **variables):
    """Load the settings in a fresh process with `variables` (and a secret key unless told otherwise)."""
    env = _clean_env(DJANGO_SETTINGS_MODULE="portal.settings", **{"DEBUG": "false", **variables})
    env.setdefault("SECRET_KEY", "start-up-test-key-0123456789abcdefghijklmnopqrstuvwxyz")
    if env["SECRET_KEY"] == "":
        del env["SECRET_KEY"]
    return subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_web_application_without_secret_key_and_debug_off_refuses_to_start_naming_the_variable():
    result = _start(SECRET_KEY="", code="import portal.wsgi; print('started')")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr
    assert "started" not in result.stdout


def test_the_worker_without_secret_key_refuses_to_start(settings):
    settings.SECRET_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is not set"):
        _refuse_to_start_without_a_secret_key()


def test_commands_that_sign_nothing_run_without_secret_key():
    env = _clean_env(DJANGO_SETTINGS_MODULE="portal.settings", DEBUG="false")
    env.pop("SECRET_KEY", None)
    result = _run_manage("makemigrations", "--check", "--dry-run", env=env)
    assert (result.returncode, result.stdout.strip()) == (0, "No changes detected"), result.stderr


def test_start_up_without_secret_key_in_debug_uses_the_development_key():
    result = _start(SECRET_KEY="", DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_start_up_with_a_secret_key_and_good_values_starts():
    result = _start(LOG_LEVEL="warning", LOG_FORMAT="JSON", TIME_ZONE="Europe/Paris")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LOG_LEVEL", "verbose", "LOG_LEVEL='verbose' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT='xml' is not one of text, json"),
        ("TIME_ZONE", "Mars/Olympus", "TIME_ZONE='Mars/Olympus' is not a time zone"),
        ("TIME_ZONE", "../etc/passwd", "TIME_ZONE='../etc/passwd' is not a time zone"),
        ("DATABASE_URL", "mysqlx://user:hunter2@db/portal", "DATABASE_URL is not a database URL"),
        ("DB_CONN_MAX_AGE", "forever", "DB_CONN_MAX_AGE='forever' is not a whole number"),
    ],
)
def test_start_up_with_a_malformed_variable_is_refused_naming_it(variable, value, message):
    result = _start(**{variable: value})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr
    assert "hunter2" not in result.stderr


def test_an_import_parse_limit_below_one_stops_start_up_with_its_name():
    env = _clean_env(DJANGO_SETTINGS_MODULE="portal.settings", DEBUG="true", IMPORT_PARSE_SECONDS="0")
    result = _run_manage("check", env=env)
    assert result.returncode != 0
    assert "IMPORT_PARSE_SECONDS and IMPORT_PARSE_MEMORY_MB must be at least 1" in result.stderr
