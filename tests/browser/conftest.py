"""Fixtures of the browser tests: the whole site served by a real threaded WSGI server on a free
port of 127.0.0.1, and a headless Chromium driven by Playwright.

- pytest-django's ``live_server`` needs ``transactional_db``, which flushes the session's public
  tenants; the server here runs inside ``committed_db`` instead and sees the test database.
  Each browser connection is served by its own thread with its own database connection,
  closed when the browser's connection ends.
- ``settings.PLATFORM_PORT`` is the server's port while the module runs, so links in emails
  and pages (``Tenant.base_url``) point at it. Chromium resolves ``<slug>.localhost`` itself.
- Playwright's sync API keeps an event loop running in the test thread, which makes Django
  refuse ORM calls there (``SynchronousOnlyOperation``). ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set
  while the browser is open, and only then; no ORM call runs inside Playwright's callbacks.
- Everything a browser test commits must be removed by the test (see ``site_cleanup``): the
  sessions its browsers created are removed here.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import override_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Long enough for a slow machine, short enough that a missing element fails the test quickly.
BROWSER_TIMEOUT_MS = 15_000

_report_key = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome, so fixtures can take screenshots when a test failed."""
    report = yield
    item.stash.setdefault(_report_key, {})[report.when] = report
    return report


@dataclass(frozen=True)
class LiveSite:
    port: int

    @property
    def platform_url(self) -> str:
        return f"http://{settings.PLATFORM_DOMAIN}:{self.port}"

    def tenant_url(self, slug: str) -> str:
        return f"http://{slug}.{settings.PLATFORM_DOMAIN}:{self.port}"


@pytest.fixture(scope="module")
def live_site(committed_db):
    """The site (platform and every tenant domain, static files included) on a free port."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import QuietWSGIRequestHandler

    server = ThreadedWSGIServer(
        ("127.0.0.1", 0), QuietWSGIRequestHandler, allow_reuse_address=False
    )
    server.set_app(StaticFilesHandler(WSGIHandler()))
    thread = threading.Thread(target=server.serve_forever, name="browser-site", daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        with override_settings(PLATFORM_PORT=str(port)):
            yield LiveSite(port=port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(live_site):
    """A headless Debian Chromium (Playwright's own browser download is not used)."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
                # While Playwright runs, the test thread sees another contextvars context
                # than before (each sync call resumes it inside the context of an asyncio
                # callback), so Django opened a second connection for the ORM calls made
                # meanwhile, which the context after Playwright no longer sees. Close it
                # here, or the test database cannot be dropped at the end of the session.
                connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
        connection.set_schema_to_public()


@pytest.fixture
def screenshots(request, tmp_path_factory):
    """A folder for screenshots of this test (pytest keeps the last three runs' folders)."""
    return tmp_path_factory.mktemp(f"shots-{request.node.name[:40]}")


@pytest.fixture
def new_page(request, browser, screenshots):
    """``new_page()``: a page in a fresh browser (own cookies), speaking English.

    After the test: screenshots of every page if the test failed, and the server-side sessions
    these browsers created are removed (on the platform domain; a tenant test's schema is
    dropped with everything in it by the test's own clean-up)."""
    contexts = []

    def make():
        context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make

    reports = request.node.stash.get(_report_key, {})
    failed = any(report.failed for report in reports.values())
    session_keys = []
    for number, context in enumerate(contexts):
        if failed:
            for index, page in enumerate(context.pages):
                path = Path(screenshots) / f"failure-{number}-{index}.png"
                try:
                    page.screenshot(path=str(path), full_page=True)
                except Exception:  # a page that crashed: nothing to show
                    continue
        session_keys += [
            cookie["value"]
            for cookie in context.cookies()
            if cookie["name"] == settings.SESSION_COOKIE_NAME
            and cookie["domain"].lstrip(".") == settings.PLATFORM_DOMAIN
        ]
        context.close()
    if failed:
        print(f"\nbrowser screenshots: {screenshots}")
    if session_keys:
        from django.contrib.sessions.models import Session

        connection.set_schema_to_public()
        Session.objects.filter(session_key__in=session_keys).delete()


@pytest.fixture
def platform_superuser(committed_db, browser):
    """A committed superuser of the platform (public schema), removed afterwards together with
    the audit rows and admin log entries it left."""
    from accounts.models import User

    email = "brw-reviewer@platform.test"
    password = "Browser-reviewer-pass-2024"
    connection.set_schema_to_public()
    _superuser_remove(email)  # left by an interrupted run
    user = User.objects.create_superuser(email, password)
    user.raw_password = password
    yield user
    _superuser_remove(email)


def _superuser_remove(email: str) -> None:
    """Delete a platform user and what points at it, in the public schema.

    Not ``User.delete()``: its cascade also visits tables of tenant-only apps (e.g.
    suppliers_product.created_by), which do not exist in the public schema. Anything else
    still pointing at the user makes the foreign-key check fail the delete, loudly.
    """
    from django.contrib.admin.models import LogEntry
    from django.db.models import Q

    from accounts.models import AuditLog, User

    connection.set_schema_to_public()
    user = User.objects.filter(email__iexact=email).first()
    AuditLog.objects.filter(
        Q(actor_label__iexact=email)
        | (
            Q(actor_id=user.pk) | Q(target_type=User._meta.label, target_id=str(user.pk))
            if user
            else Q(pk__in=[])
        )
    ).delete()
    if user is None:
        return
    LogEntry.objects.filter(user_id=user.pk).delete()
    User.groups.through.objects.filter(user_id=user.pk).delete()
    User.user_permissions.through.objects.filter(user_id=user.pk).delete()
    User.objects.filter(pk=user.pk)._raw_delete(connection.alias)
