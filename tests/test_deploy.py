"""Production settings (PLATFORM_ENV=production): deploy checks, required secrets, real serving.

Each test runs Django in a subprocess, because settings are read once per process.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.test_health import session_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DEAD_DATABASE_URL = "postgresql://platform:secret@127.0.0.1:1/platform"
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"


def production_env(**overrides: str | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "STATIC_ROOT"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="platform_site.settings",
        PLATFORM_ENV="production",
        PLATFORM_DOMAIN="localhost",
        SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL=DEAD_DATABASE_URL,
        REDIS_URL=DEAD_REDIS_URL,
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_without_a_single_warning():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_fails_on_a_weak_secret_key():
    # The control: the same command does fail on a warning.
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(SECRET_KEY="too-short"),
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize("name", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without(name):
    result = run(["manage.py", "check"], production_env(**{name: None}))
    assert result.returncode != 0
    assert f"{name} must be set when PLATFORM_ENV=production" in result.stderr
    # No silent fallback to the embedded development servers.
    assert "var/postgres" not in result.stderr


PROBE = """
import json, re, django
django.setup()
from django.test import Client

client = Client(raise_request_exception=False)
report = {}
landing = client.get("/", HTTP_HOST="localhost", secure=True)
report["landing"] = landing.status_code
report["hsts"] = landing.headers.get("Strict-Transport-Security", "")
assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', landing.content.decode())
report["assets"] = {
    url: client.get(url, HTTP_HOST="localhost", secure=True).status_code for url in assets
}
login = client.get("/accounts/login/", HTTP_HOST="acme.localhost", secure=True)
report["tenant_login"] = login.status_code
report["csrf_cookie_secure"] = bool(login.cookies["csrftoken"]["secure"]) if "csrftoken" in login.cookies else None
plain = client.get("/accounts/login/", HTTP_HOST="acme.localhost")
report["http_redirect"] = [plain.status_code, plain.headers.get("Location")]
report["healthz_http"] = client.get("/healthz", HTTP_HOST="localhost").status_code
report["debug_page"] = client.get("/no-such-page/", HTTP_HOST="localhost", secure=True).status_code
print(json.dumps(report))
"""


@pytest.mark.django_db
def test_production_serves_pages_with_hashed_static_files_over_https(tmp_path, supplier_a):
    env = production_env(
        DATABASE_URL=session_database_url(),
        REDIS_URL=settings.REDIS_URL,
        STATIC_ROOT=str(tmp_path / "static"),
    )
    collected = run(["manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()

    probe = run(["-c", PROBE], env)
    assert probe.returncode == 0, probe.stderr
    report = json.loads(probe.stdout.strip().splitlines()[-1])

    assert report["landing"] == 200
    assert "max-age=" in report["hsts"]
    assert report["assets"], "the landing page links no static files"
    # Every asset is served under its content-hashed name by WhiteNoise.
    for url, status in report["assets"].items():
        assert status == 200, url
        assert len(Path(url).suffixes) >= 2, f"{url} is not a hashed (manifest) name"
    assert report["tenant_login"] == 200
    assert report["csrf_cookie_secure"] is True
    assert report["http_redirect"] == [301, "https://acme.localhost/accounts/login/"]
    assert report["healthz_http"] == 200  # probes speak plain HTTP inside the network
    assert report["debug_page"] == 404
