import pytest

from tests.builders import buyer_make


@pytest.fixture
def buyer(dealer):
    return buyer_make(
        dealer, email="aftersales-buyer@buyer-co.test", company_name="售后测试采购公司"
    )


@pytest.fixture
def other_buyer(dealer):
    """A buyer of another company at the same dealer."""
    return buyer_make(dealer, email="other-buyer@other-co.test", company_name="另一家采购公司")
