"""Users are deactivated in the product, but deleting one must not trip over tables of other schema
types: the user table exists in every schema, tenant-only tables do not."""

from django_tenants.utils import tenant_context

from accounts.models import User


def test_platform_user_can_be_deleted_in_the_public_schema(db):
    user = User.objects.create_user(email="temp-staff@platform.test", is_staff=True)
    user.delete()
    assert not User.objects.filter(email="temp-staff@platform.test").exists()


def test_dealer_user_can_be_deleted_in_the_dealer_schema(dealer):
    with tenant_context(dealer):
        user = User.objects.create_user(email="temp@delta.test")
        user.delete()
        assert not User.objects.filter(email="temp@delta.test").exists()
