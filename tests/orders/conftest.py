import pytest

from tests.builders import buyer_make
from tests.orders.builders import shop_build


@pytest.fixture
def shop(dealer, supplier_a, supplier_b):
    """delta sells one phone of acme and one of beta (2 SKUs each, 50 units per SKU)."""
    return shop_build(dealer, [supplier_a, supplier_b])


@pytest.fixture
def buyer(dealer):
    return buyer_make(dealer, email="purchaser@buyer-co.test", company_name="Buyer Co 采购公司")
