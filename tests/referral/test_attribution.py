"""The referral link, and buyers who register through it attributed to the right dealer."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from buyers import services
from buyers.models import BuyerCompany
from network.referral import referral_link, referrer_resolve
from settlement.models import BuyerSignup
from tests.buyers.helpers import register_data
from tests.referral.helpers import code_of, make_sub_dealer

pytestmark = pytest.mark.usefixtures("fresh_cache", "english")


def _register(client, django_capture_on_commit_callbacks, *, query: str = "", **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"/account/register/{query}", register_data(**data))


def _signup_of(dealer, email: str) -> BuyerSignup:
    with tenant_context(dealer):
        company = BuyerCompany.objects.get(buyers__user__email=email)
    return BuyerSignup.objects.get(dealer_id=dealer.pk, buyer_company_id=company.pk)


def test_the_link_is_the_dealers_own_register_page_with_its_code(dealer, dealer_b):
    link = referral_link(dealer)
    assert link == f"{dealer.base_url}/account/register/?ref={code_of(dealer)}"
    other = referral_link(dealer_b)
    assert other.startswith(f"{dealer_b.base_url}/account/register/?ref=")
    assert code_of(dealer_b) in other and code_of(dealer) not in other


def test_the_register_page_carries_the_code_into_the_form(dealer, host_client):
    code = code_of(dealer)
    page = host_client(dealer).get(f"/account/register/?ref={code}")
    assert page.status_code == 200
    assert f'name="ref" value="{code}"' in page.content.decode()


def test_registering_through_the_link_attributes_the_buyer_to_the_dealer(
    dealer, host_client, django_capture_on_commit_callbacks
):
    code = code_of(dealer)
    response = _register(
        host_client(dealer),
        django_capture_on_commit_callbacks,
        query=f"?ref={code}",
        email="referred@buyer.test",
        ref=code,
    )
    assert response.status_code == 302
    signup = _signup_of(dealer, "referred@buyer.test")
    assert signup.referrer_id == dealer.pk
    assert signup.registered_at is not None


def test_the_code_in_the_url_counts_when_the_form_lost_the_hidden_field(
    dealer, host_client, django_capture_on_commit_callbacks
):
    code = code_of(dealer)
    response = _register(
        host_client(dealer),
        django_capture_on_commit_callbacks,
        query=f"?ref={code.lower()}",
        email="urlonly@buyer.test",
    )
    assert response.status_code == 302
    assert _signup_of(dealer, "urlonly@buyer.test").referrer_id == dealer.pk


def test_every_registration_writes_a_signup_without_a_code_too(
    dealer, host_client, django_capture_on_commit_callbacks
):
    response = _register(
        host_client(dealer), django_capture_on_commit_callbacks, phone="13910002000"
    )
    assert response.status_code == 302
    with tenant_context(dealer):
        company = BuyerCompany.objects.get(buyers__user__phone="13910002000")
    signup = BuyerSignup.objects.get(dealer_id=dealer.pk, buyer_company_id=company.pk)
    assert signup.referrer_id is None


@pytest.mark.parametrize(
    "code",
    ["UNKNOWN9", "<script>alert(1)</script>", "x" * 500, "  "],
    ids=["unknown", "markup", "too-long", "blank"],
)
def test_an_unknown_or_malformed_code_never_blocks_registration(
    code, dealer, host_client, django_capture_on_commit_callbacks
):
    response = _register(
        host_client(dealer),
        django_capture_on_commit_callbacks,
        email="odd-code@buyer.test",
        ref=code,
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert _signup_of(dealer, "odd-code@buyer.test").referrer_id is None


def test_a_code_of_an_unrelated_dealer_is_ignored(
    dealer, dealer_b, host_client, django_capture_on_commit_callbacks
):
    foreign = code_of(dealer_b)
    response = _register(
        host_client(dealer),
        django_capture_on_commit_callbacks,
        query=f"?ref={foreign}",
        email="foreign-code@buyer.test",
        ref=foreign,
    )
    assert response.status_code == 302
    assert _signup_of(dealer, "foreign-code@buyer.test").referrer_id is None
    assert not BuyerSignup.objects.filter(referrer_id=dealer_b.pk).exists()


def test_a_sub_dealers_code_at_the_upper_dealers_store_attributes_to_the_sub_dealer(
    dealer, dealer_b, host_client, django_capture_on_commit_callbacks
):
    make_sub_dealer(dealer_b, dealer)  # omega sits under delta
    response = _register(
        host_client(dealer),
        django_capture_on_commit_callbacks,
        email="via-sub@buyer.test",
        ref=code_of(dealer_b),
    )
    assert response.status_code == 302
    assert _signup_of(dealer, "via-sub@buyer.test").referrer_id == dealer_b.pk


def test_the_upper_dealers_code_at_a_sub_dealers_store_is_ignored(
    dealer, dealer_b, host_client, django_capture_on_commit_callbacks
):
    make_sub_dealer(dealer_b, dealer)
    response = _register(
        host_client(dealer_b),
        django_capture_on_commit_callbacks,
        email="upwards@buyer.test",
        ref=code_of(dealer),
    )
    assert response.status_code == 302
    assert _signup_of(dealer_b, "upwards@buyer.test").referrer_id is None


def test_a_failed_registration_records_no_signup(
    dealer, host_client, django_capture_on_commit_callbacks
):
    before = BuyerSignup.objects.count()
    response = _register(
        host_client(dealer),
        django_capture_on_commit_callbacks,
        email="weak@buyer.test",
        password="123",
        password_confirm="123",
        ref=code_of(dealer),
    )
    assert response.status_code == 200  # the form again, with the error
    assert BuyerSignup.objects.count() == before
    # The code is still in the form for the next try.
    assert f'name="ref" value="{code_of(dealer)}"' in response.content.decode()


def test_signup_and_registration_are_one_transaction(dealer, monkeypatch):
    """A failure writing the sign-up leaves no buyer behind either."""

    def broken(**kwargs):
        raise ValidationError({"email": "sign-up failed"})

    monkeypatch.setattr(services, "buyer_signup_record", broken)
    with tenant_context(dealer):
        with pytest.raises(ValidationError):
            services.buyer_register(
                company_name="Rolled Back Co",
                tax_number="",
                email="rolled-back@buyer.test",
                phone="",
                password="Blue-Harbour-1927",
                full_name="X",
                base_url=dealer.base_url,
            )
        assert not BuyerCompany.objects.filter(name="Rolled Back Co").exists()


def test_referrer_resolve_walks_the_whole_subtree(dealer, dealer_b, supplier_a):
    from network.models import DealerProfile
    from network.selectors import dealer_profile_of

    # A chain delta → omega → (a profile of a third dealer row): a grandchild's code counts
    # at delta, delta's code does not count at the grandchild.
    make_sub_dealer(dealer_b, dealer)
    grandchild = DealerProfile.objects.create(
        dealer=supplier_a,  # any tenant row will do for the hierarchy walk
        referral_code="GRANDKID",
        parent=dealer_profile_of(dealer_b),
    )
    assert referrer_resolve(dealer_id=dealer.pk, code="grandkid") == supplier_a.pk
    assert referrer_resolve(dealer_id=dealer_b.pk, code="GRANDKID") == supplier_a.pk
    assert referrer_resolve(dealer_id=supplier_a.pk, code=code_of(dealer)) is None
    assert referrer_resolve(dealer_id=dealer.pk, code=code_of(dealer)) == dealer.pk
    assert grandchild.pk
