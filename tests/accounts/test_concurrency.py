"""Two owners removing each other at the same moment: the row locks keep one owner.

Commits to the database (threads need to see each other's rows) and cleans up afterwards.
"""

import threading
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from accounts import services
from accounts.models import AuditLog, Role, User
from tenants.models import Tenant

RACERS = ["race-a@acme.test", "race-b@acme.test"]


@pytest.mark.parametrize("action", ["demote", "deactivate"])
def test_two_owners_removing_each_other_at_once_leave_one_owner(action, committed_db):
    acme = Tenant.objects.get(slug="acme")
    with tenant_context(acme):
        # The two racers are the only active owners during the test.
        others = list(
            User.objects.filter(role=Role.OWNER, is_active=True).values_list("pk", flat=True)
        )
    outcomes = {}

    def remove(actor, member):
        try:
            with tenant_context(acme):
                if action == "demote":
                    services.member_role_change(actor=actor, member_id=member.pk, role=Role.STAFF)
                else:
                    services.member_deactivate(actor=actor, member_id=member.pk)
            outcomes[actor.email] = "done"
        except (PermissionDenied, services.MemberRuleError) as refused:
            outcomes[actor.email] = f"refused: {refused}"
        finally:
            connection.close()

    try:
        with tenant_context(acme):
            User.objects.filter(pk__in=others).update(is_active=False)
            first, second = (
                User.objects.create_user(email=email, role=Role.OWNER) for email in RACERS
            )
        threads = [
            threading.Thread(target=remove, args=(first, second)),
            threading.Thread(target=remove, args=(second, first)),
        ]
        # Hold both rows while the two requests start, so that both are under way before either
        # writes: without the services' row locks, both would read "two owners" and both succeed.
        with transaction.atomic(), tenant_context(acme):
            list(User.objects.select_for_update().filter(pk__in=[first.pk, second.pk]))
            for thread in threads:
                thread.start()
            time.sleep(0.5)
        for thread in threads:
            thread.join(timeout=30)

        assert sorted(v.split(":")[0] for v in outcomes.values()) == ["done", "refused"], outcomes
        with tenant_context(acme):
            assert (
                User.objects.filter(email__in=RACERS, role=Role.OWNER, is_active=True).count() == 1
            )
    finally:
        with tenant_context(acme):
            racers = list(User.objects.filter(email__in=RACERS).values_list("pk", flat=True))
            AuditLog.objects.filter(target_id__in=[str(pk) for pk in racers]).delete()
            User.objects.filter(pk__in=racers).delete()
            User.objects.filter(pk__in=others).update(is_active=True)
        connection.set_schema_to_public()
