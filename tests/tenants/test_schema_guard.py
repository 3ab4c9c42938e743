import pytest
from django_tenants.utils import tenant_context

from accounts.models import User
from tenants.schema_guard import CrossSchemaWriteError


def test_instance_loaded_in_one_supplier_cannot_be_saved_in_another(
    supplier_a, supplier_b, tenant_user
):
    tenant_user(supplier_a, email="clerk@acme.test")
    with tenant_context(supplier_a):
        clerk = User.objects.get(email="clerk@acme.test")
    with tenant_context(supplier_b):
        clerk.full_name = "Written into the wrong schema"
        with pytest.raises(CrossSchemaWriteError):
            clerk.save()
        with pytest.raises(CrossSchemaWriteError):
            clerk.delete()
        assert not User.objects.filter(email="clerk@acme.test").exists()
    with tenant_context(supplier_a):
        assert User.objects.get(email="clerk@acme.test").full_name == ""


def test_instance_saved_again_in_its_own_schema_is_fine(supplier_a):
    with tenant_context(supplier_a):
        user = User.objects.create_user(email="x@acme.test")
        user.full_name = "X"
        user.save(update_fields=["full_name"])
        assert User.objects.get(pk=user.pk).full_name == "X"
