"""The demo supervisor: web server, Celery worker and Celery beat in one terminal.

``make demo`` runs ``python -m platform_site.demo`` after migrating, bootstrapping and seeding.
It starts the three processes, prefixes and interleaves their output, and on Ctrl-C (SIGINT),
SIGTERM or SIGHUP stops all three: a polite SIGTERM first (the worker finishes its task), then
SIGKILL to whatever is left of each process group after a grace period. If one of the three
dies on its own, the others are stopped too and the exit status is non-zero.

The embedded PostgreSQL and Redis (see ``platform_site.embedded``) are NOT stopped: they keep
the demo data under ``var/`` and the next ``make demo`` reuses them. ``python -m
platform_site.demo stop-services`` (``make stop-services``, also run by ``make clean-var``)
stops them.

Standard library only, so that it can supervise without importing Django.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PLATFORM_VAR_DIR", BASE_DIR / "var"))
GRACE_SECONDS = 15
COLOURS = {"web": "\033[36m", "worker": "\033[33m", "beat": "\033[35m", "demo": "\033[32m"}
RESET = "\033[0m"


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the supervisor itself is killed (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    reader: threading.Thread | None = None
    extra_env: dict[str, str] = field(default_factory=dict)


class Supervisor:
    def __init__(self, children: list[Child], *, colour: bool):
        self.children = children
        self.colour = colour
        self.stop_requested = threading.Event()
        self.output_lock = threading.Lock()
        self.width = max(len(child.name) for child in children + [Child("demo", [])])

    def say(self, name: str, line: str) -> None:
        label = name.ljust(self.width)
        if self.colour:
            label = f"{COLOURS.get(name, '')}{label}{RESET}"
        with self.output_lock:
            sys.stdout.write(f"{label} | {line}\n")
            sys.stdout.flush()

    def _pump(self, child: Child) -> None:
        assert child.process is not None and child.process.stdout is not None
        for raw in iter(child.process.stdout.readline, b""):
            self.say(child.name, raw.decode("utf-8", errors="replace").rstrip("\n"))

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for child in self.children:
            child.process = subprocess.Popen(
                child.argv,
                cwd=BASE_DIR,
                env={**env, **child.extra_env},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                # Own session: the terminal's Ctrl-C reaches only us, and we stop the children
                # in order; their whole process group can be killed at the end.
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
            child.reader = threading.Thread(target=self._pump, args=(child,), daemon=True)
            child.reader.start()
            self.say(
                "demo", f"started {child.name} (pid {child.process.pid}): {' '.join(child.argv)}"
            )

    def _request_stop(self, signum, frame) -> None:
        self.stop_requested.set()

    def run(self) -> int:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._request_stop)
        self.start()
        self.say("demo", "web, worker and beat are running; press Ctrl-C to stop all three")
        failed: Child | None = None
        while not self.stop_requested.is_set():
            for child in self.children:
                if child.process.poll() is not None:
                    failed = child
                    break
            if failed:
                self.say("demo", f"{failed.name} exited with status {failed.process.returncode}")
                break
            self.stop_requested.wait(0.5)
        self.stop()
        return 1 if failed else 0

    def stop(self) -> None:
        self.say("demo", "stopping web, worker and beat …")
        for child in self.children:
            if child.process.poll() is None:
                try:
                    child.process.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + GRACE_SECONDS
        for child in self.children:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say("demo", f"{child.name} did not stop within {GRACE_SECONDS} s; killing it")
        for child in self.children:
            # The leader may be gone while pool processes or a reloader child linger: the whole
            # process group goes.
            try:
                os.killpg(child.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                child.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            if child.reader is not None:
                child.reader.join(timeout=2)
        self.say(
            "demo",
            "stopped. The embedded PostgreSQL and Redis keep running with the demo data "
            "(make stop-services stops them); `make demo` again reuses everything.",
        )


def demo_children(*, host: str, port: int) -> list[Child]:
    python = sys.executable
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return [
        Child("web", [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"]),
        Child(
            "worker",
            [
                python,
                "-m",
                "celery",
                "-A",
                "platform_site",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                os.environ.get("DEMO_WORKER_CONCURRENCY", "2"),
                "--hostname",
                f"demo-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
        ),
        Child(
            "beat",
            [
                python,
                "-m",
                "celery",
                "-A",
                "platform_site",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(VAR_DIR / "celerybeat-schedule"),
            ],
        ),
    ]


# --- Embedded servers -------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def services_stop() -> None:
    """Stop the embedded PostgreSQL (fast shutdown) and Redis under ``var/``; keep their data."""
    pgdata = VAR_DIR / "postgres"
    pid_file = pgdata / "postmaster.pid"
    if pid_file.exists():
        import importlib.util

        # Only its binaries are needed: find the package without importing it.
        pgserver_dir = Path(importlib.util.find_spec("pgserver").origin).parent
        pg_ctl = pgserver_dir / "pginstall" / "bin" / "pg_ctl"
        # pgserver runs the server as the user "pgserver" when we are root.
        user = "pgserver" if os.geteuid() == 0 else None
        result = subprocess.run(
            [str(pg_ctl), "-D", str(pgdata), "-m", "fast", "-w", "-t", "30", "stop"],
            user=user,
            capture_output=True,
            text=True,
        )
        print(f"embedded PostgreSQL: {(result.stdout or result.stderr).strip()}")
    redis_pid = VAR_DIR / "redis" / "redis.pid"
    if redis_pid.exists():
        try:
            pid = int(redis_pid.read_text().strip())
        except ValueError:
            pid = 0
        if pid and _pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            print(
                "embedded Redis: "
                + ("stopped" if _wait_gone(pid, 10) else f"pid {pid} still running")
            )
        redis_pid.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="run", choices=["run", "stop-services"])
    parser.add_argument("--host", default=os.environ.get("DEMO_HOST", "0.0.0.0"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args(argv)
    if args.command == "stop-services":
        services_stop()
        return 0
    supervisor = Supervisor(
        demo_children(host=args.host, port=args.port),
        colour=sys.stdout.isatty() and not os.environ.get("NO_COLOR"),
    )
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
