"""``TENANT_LIMIT_SET_CALLS``: the search path is set once per tenant switch, and never trusted
after PostgreSQL has reverted it.

A ``SET search_path`` issued inside a transaction or savepoint that rolls back is undone by
PostgreSQL. If the connection still believed it was set, the next statement would run in
whatever schema was active before: a silent cross-tenant read or write. These tests make the
database say which schema it is in after each kind of rollback.
"""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django_tenants.utils import tenant_context

from accounts.models import User


class Boom(Exception):
    pass


def _current_schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


def test_the_path_is_set_once_per_switch_not_before_every_statement(dealer):
    assert settings.TENANT_LIMIT_SET_CALLS
    with tenant_context(dealer):
        User.objects.count()
        with connection.cursor() as cursor:
            executed = []
            with connection.execute_wrapper(
                lambda run, sql, *a: executed.append(sql) or run(sql, *a)
            ):
                cursor.execute("SELECT 1")
                User.objects.count()
                User.objects.exists()
    assert not [sql for sql in executed if sql.startswith("SET search_path")]


def test_after_a_savepoint_rollback_the_path_is_set_again(dealer, supplier_a):
    with tenant_context(dealer):
        User.objects.count()  # the dealer's path is set, and remembered
        with pytest.raises(Boom):
            with transaction.atomic():
                connection.set_tenant(supplier_a)
                User.objects.count()  # SET to the supplier inside the savepoint
                raise Boom
        # PostgreSQL went back to the dealer's path; the connection is still on the supplier.
        assert connection.schema_name == supplier_a.schema_name
        assert _current_schema() == supplier_a.schema_name
    assert _current_schema() == "public"


def test_after_a_transaction_rollback_the_path_is_set_again(dealer):
    """On a connection of its own (the test's transaction cannot be rolled back inside it)."""
    seen = {}

    def run():
        try:
            connection.set_schema_to_public()
            _current_schema()  # public is set, and remembered
            connection.set_tenant(dealer)
            with pytest.raises(Boom):
                with transaction.atomic():
                    User.objects.count()  # SET to the dealer: the first statement of the transaction
                    raise Boom
            seen["after"] = _current_schema()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen["after"] == dealer.schema_name
