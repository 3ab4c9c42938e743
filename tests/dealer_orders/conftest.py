import pytest
from django.utils import translation

from accounts.models import Role
from tests.accounts.helpers import english, member_make, signed_in
from tests.builders import buyer_make
from tests.orders.builders import shop_build


@pytest.fixture(autouse=True)
def _english(english):
    """Pages and messages in English, so tests can read them (the default is Chinese)."""
    with translation.override("en"):
        yield


_ = english  # the fixture, imported for the one above


@pytest.fixture
def shop(dealer, supplier_a, supplier_b):
    """delta sells one phone of acme and one of beta (2 SKUs each, 50 units per SKU)."""
    return shop_build(dealer, [supplier_a, supplier_b], prefix="DLR")


@pytest.fixture
def buyer(dealer):
    return buyer_make(dealer, email="purchaser@buyer-co.test", company_name="Buyer Co 采购公司")


@pytest.fixture
def manager(dealer):
    return member_make(dealer, email="manager@delta.test", role=Role.MANAGER)


@pytest.fixture
def staff(dealer):
    return member_make(dealer, email="clerk@delta.test", role=Role.STAFF)


@pytest.fixture
def manager_client(dealer, manager, host_client):
    return signed_in(host_client(dealer), dealer, manager)


@pytest.fixture
def staff_client(dealer, staff, host_client):
    return signed_in(host_client(dealer), dealer, staff)
