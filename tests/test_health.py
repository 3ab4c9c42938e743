"""/healthz: 200 only when both PostgreSQL and Redis answer, on every host a probe may use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

BASE_DIR = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def dead_redis_caches(location: str) -> dict:
    return {"default": {**settings.CACHES["default"], "LOCATION": location}}


@pytest.mark.parametrize(
    "host",
    ["localhost", "acme.localhost", "delta.localhost", "10.0.0.7:8000", "web"],
    ids=["platform", "supplier", "dealer", "probe-by-ip", "probe-by-service-name"],
)
def test_healthy_when_database_and_redis_answer(host, supplier_a, dealer):
    response = Client(HTTP_HOST=host).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "redis": True}


@pytest.mark.parametrize(
    "location",
    ["unix:///nonexistent/dead-redis.sock", "redis://127.0.0.1:1/0"],
    ids=["dead-unix-socket", "dead-tcp-port"],
)
def test_unavailable_when_redis_is_unreachable(location, platform_client, settings):
    settings.CACHES = dead_redis_caches(location)
    response = platform_client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": True, "redis": False}


def _health_in_subprocess(**env_overrides: str) -> tuple[int, dict]:
    """GET /healthz in a fresh process whose settings point at other servers."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "platform_site.settings",
        "DATABASE_URL": session_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        **env_overrides,
    }
    code = (
        "import json, django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client(HTTP_HOST='10.0.0.7:8000', raise_request_exception=False).get('/healthz')\n"
        "print(json.dumps([r.status_code, json.loads(r.content)]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    return status, body


def session_database_url() -> str:
    """The URL of the database this test session uses (the test database)."""
    from django.db import connection

    params = connection.get_connection_params()
    host, port = params.get("host") or "", params.get("port") or 5432
    name = params.get("dbname") or params.get("database")
    auth = f"{params.get('user', '')}:{params.get('password') or ''}"
    if host.startswith("/"):
        return f"postgresql://{auth}@/{name}?host={host}&port={port}"
    return f"postgresql://{auth}@{host}:{port}/{name}"


def test_unavailable_when_the_database_is_unreachable():
    status, body = _health_in_subprocess(
        DATABASE_URL="postgresql://postgres@127.0.0.1:1/platform?connect_timeout=2"
    )
    assert status == 503
    assert body == {"status": "unavailable", "database": False, "redis": True}


def test_a_fresh_process_against_the_live_servers_is_healthy():
    # The control for the test above: same subprocess, real servers.
    status, body = _health_in_subprocess()
    assert (status, body) == (200, {"status": "ok", "database": True, "redis": True})
