"""The address book of a buyer's company: exactly one default, only the company's own."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from buyers.models import Address, Buyer
from tests.accounts.helpers import signed_in
from tests.builders import buyer_make

pytestmark = pytest.mark.usefixtures("fresh_cache", "english")

NEW_ADDRESS = {
    "recipient": "韩梅梅",
    "phone": "021-5555 1234",
    "province": "江苏省",
    "city": "苏州市",
    "district": "工业园区",
    "street": "星湖街 328 号",
    "postcode": "215000",
}


@pytest.fixture
def buyer_client(dealer, host_client):
    user = buyer_make(dealer, email="book@buyer.test")
    return signed_in(host_client(dealer), dealer, user), user


def _book(dealer, user):
    with tenant_context(dealer):
        company = Buyer.objects.get(user=user).company_id
        return list(
            Address.objects.filter(company_id=company)
            .order_by("id")
            .values_list("street", "is_default")
        )


def test_add_list_and_switch_the_default(dealer, buyer_client, django_assert_max_num_queries):
    client, user = buyer_client
    response = client.post("/account/addresses/create/", NEW_ADDRESS)
    assert response.status_code == 302
    assert _book(dealer, user) == [("世纪大道 100 号", True), ("星湖街 328 号", False)]

    with django_assert_max_num_queries(12):
        page = client.get("/account/addresses/")
    assert "星湖街 328 号" in page.content.decode()

    new_id = _ids(dealer, user)[-1]
    client.post(f"/account/addresses/{new_id}/default/")
    assert _book(dealer, user) == [("世纪大道 100 号", False), ("星湖街 328 号", True)]
    client.post(f"/account/addresses/{new_id}/default/")  # a doubled POST: still one default
    assert _book(dealer, user) == [("世纪大道 100 号", False), ("星湖街 328 号", True)]

    client.post(
        "/account/addresses/create/", {**NEW_ADDRESS, "street": "三号", "make_default": "on"}
    )
    book = _book(dealer, user)
    assert [street for street, default in book if default] == ["三号"]


def _ids(dealer, user):
    with tenant_context(dealer):
        company = Buyer.objects.get(user=user).company_id
        return list(
            Address.objects.filter(company_id=company).order_by("id").values_list("id", flat=True)
        )


def test_removing_the_default_makes_another_one_default(dealer, buyer_client):
    client, user = buyer_client
    client.post("/account/addresses/create/", NEW_ADDRESS)
    first, second = _ids(dealer, user)
    client.post(f"/account/addresses/{first}/delete/")
    assert _book(dealer, user) == [("星湖街 328 号", True)]
    client.post(f"/account/addresses/{second}/delete/")
    assert _book(dealer, user) == []
    assert client.post(f"/account/addresses/{second}/delete/").status_code == 404


def test_first_address_of_an_empty_book_becomes_default(dealer, host_client):
    user = buyer_make(dealer, email="empty@buyer.test", with_address=False)
    client = signed_in(host_client(dealer), dealer, user)
    client.post("/account/addresses/create/", NEW_ADDRESS)
    assert _book(dealer, user) == [("星湖街 328 号", True)]


def test_update_with_bad_input_says_what_is_wrong_and_keeps_the_address(dealer, buyer_client):
    client, user = buyer_client
    (address_id,) = _ids(dealer, user)
    response = client.post(
        f"/account/addresses/{address_id}/update/", {**NEW_ADDRESS, "postcode": "12", "street": ""}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "A postcode has 6 digits." in page
    assert "This field is required." in page
    assert _book(dealer, user) == [("世纪大道 100 号", True)]

    response = client.post(f"/account/addresses/{address_id}/update/", NEW_ADDRESS)
    assert response.status_code == 302
    assert _book(dealer, user) == [("星湖街 328 号", True)]


def test_another_companys_address_is_not_found_and_left_intact(dealer, host_client):
    other = buyer_make(dealer, email="other@buyer.test", company_name="Other Co")
    (foreign,) = _ids(dealer, other)
    me = buyer_make(dealer, email="me@buyer.test", company_name="My Co")
    client = signed_in(host_client(dealer), dealer, me)
    assert client.get(f"/account/addresses/{foreign}/update/").status_code == 404
    assert client.post(f"/account/addresses/{foreign}/update/", NEW_ADDRESS).status_code == 404
    assert client.post(f"/account/addresses/{foreign}/delete/").status_code == 404
    assert client.post(f"/account/addresses/{foreign}/default/").status_code == 404
    assert _book(dealer, other) == [("世纪大道 100 号", True)]


def test_profile_company_fields_only_for_the_company_admin(dealer, buyer_client, host_client):
    client, user = buyer_client
    response = client.post(
        "/account/",
        {"full_name": "新名字", "company_name": "Renamed Co", "tax_number": "91310000ma1fl0xx1k"},
    )
    assert response.status_code == 302
    with tenant_context(dealer):
        buyer = Buyer.objects.select_related("company", "user").get(user=user)
        assert buyer.user.full_name == "新名字"
        assert buyer.company.name == "Renamed Co"
        assert buyer.company.tax_number == "91310000MA1FL0XX1K"
        Buyer.objects.filter(pk=buyer.pk).update(role="purchaser")

    client.post("/account/", {"full_name": "再改", "company_name": "Hijacked", "tax_number": ""})
    with tenant_context(dealer):
        buyer = Buyer.objects.select_related("company", "user").get(user=user)
        assert buyer.user.full_name == "再改"
        assert buyer.company.name == "Renamed Co"

    bad = client.post("/account/", {"full_name": "", "company_name": "x"})
    assert bad.status_code == 200


def test_an_address_added_from_the_checkout_returns_to_the_checkout(dealer, buyer_client):
    client, _buyer = buyer_client
    fields = {
        "recipient": "赵六",
        "phone": "13700000000",
        "province": "江苏省",
        "city": "南京市",
        "street": "中山路 1 号",
    }
    back = client.post("/account/addresses/create/?next=/checkout/", fields)
    assert back.status_code == 302 and back["Location"] == "/checkout/"
    # Anywhere else is not followed: the address book instead.
    away = client.post("/account/addresses/create/?next=https://evil.example/", fields)
    assert away["Location"] == "/account/addresses/"
