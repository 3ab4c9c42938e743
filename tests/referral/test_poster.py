"""The QR-code poster: a PNG of the expected size whose QR code is the dealer's own link."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from channels.models import StorefrontSettings
from channels.services import storefront_settings_update
from network import poster
from network.referral import referral_link, referral_poster_content
from tests.referral.helpers import code_of, owner_client, png_of, qr_in_poster

pytestmark = pytest.mark.usefixtures("fresh_cache", "english")

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _logo_png(colour=(220, 20, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 100), colour).save(out, format="PNG")
    return out.getvalue()


def _settings(dealer, **fields):
    with tenant_context(dealer):
        return storefront_settings_update(actor=None, **{"name": "", **fields})


def test_the_poster_is_a_png_with_the_dealers_link_in_its_qr_code(dealer, host_client):
    response = owner_client(host_client, dealer).get("/backoffice/referral/poster/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "Content-Disposition" not in response
    image = png_of(response.content)
    assert image.format == "PNG"
    assert image.size == poster.POSTER_SIZE
    assert qr_in_poster(image, referral_link(dealer))


def test_the_download_is_an_attachment(dealer, host_client):
    response = owner_client(host_client, dealer).get("/backoffice/referral/poster/?download=1")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="referral-poster-{dealer.slug}-{code_of(dealer)}.png"'
    )
    assert png_of(response.content).size == poster.POSTER_SIZE


def test_each_dealer_gets_a_poster_of_its_own_link_only(dealer, dealer_b, host_client):
    """omega's owner at omega gets omega's poster; nothing of delta's."""
    own = owner_client(host_client, dealer).get("/backoffice/referral/poster/")
    other = owner_client(host_client, dealer_b).get("/backoffice/referral/poster/")
    assert own.status_code == other.status_code == 200
    omega_image = png_of(other.content)
    assert qr_in_poster(omega_image, referral_link(dealer_b))
    assert not qr_in_poster(omega_image, referral_link(dealer))
    assert own.content != other.content


def test_the_poster_content_is_the_stores_look_and_its_link(dealer):
    _settings(
        dealer,
        name="Delta Parts 德尔塔配件",
        tagline="Parts for every workshop",
        brand_color="#0a7d3b",
        logo=SimpleUploadedFile("logo.png", _logo_png(), content_type="image/png"),
    )
    with tenant_context(dealer):
        content = referral_poster_content(dealer)
    assert content.link == referral_link(dealer)
    assert f"?ref={code_of(dealer)}" in content.link
    assert content.store_name == "Delta Parts 德尔塔配件"
    assert content.tagline == "Parts for every workshop"
    assert content.brand_color == "#0a7d3b"
    assert content.logo and Image.open(io.BytesIO(content.logo)).size == (200, 100)


def test_the_poster_shows_brand_colour_and_logo_and_a_change_shows_at_once(dealer, host_client):
    client = owner_client(host_client, dealer)
    _settings(dealer, brand_color="#0a7d3b")
    first = png_of(client.get("/backoffice/referral/poster/").content).convert("RGB")
    assert first.getpixel((10, 10)) == (10, 125, 59)

    _settings(
        dealer,
        brand_color="#0a7d3b",
        logo=SimpleUploadedFile("logo.png", _logo_png(), content_type="image/png"),
    )
    second = png_of(client.get("/backoffice/referral/poster/").content).convert("RGB")
    band = [second.getpixel((x, y)) for x in range(0, 900, 10) for y in range(0, 380, 10)]
    assert any(r > 180 and g < 60 and b < 90 for r, g, b in band), "the red logo is drawn"
    assert qr_in_poster(second, referral_link(dealer))


def test_a_logo_file_gone_from_storage_is_skipped(dealer, host_client):
    _settings(
        dealer,
        brand_color="#0a7d3b",
        logo=SimpleUploadedFile("logo.png", _logo_png(), content_type="image/png"),
    )
    with tenant_context(dealer):
        row = StorefrontSettings.objects.get()
        row.logo.storage.delete(row.logo.name)
    response = owner_client(host_client, dealer).get("/backoffice/referral/poster/")
    assert response.status_code == 200
    image = png_of(response.content).convert("RGB")
    assert image.size == poster.POSTER_SIZE
    assert qr_in_poster(image, referral_link(dealer))


@pytest.mark.parametrize("font_path", [None, DEJAVU], ids=["default-font", "truetype"])
@pytest.mark.parametrize(
    "logo", [None, b"not an image", b"\x89PNG\r\n\x1a\n broken"], ids=["none", "text", "bad-png"]
)
def test_poster_png_never_crashes(font_path, logo):
    link = "https://delta.example.test/account/register/?ref=ABCD2345"
    content = poster.PosterContent(
        link=link,
        store_name="德尔塔商贸",  # nothing Latin in it
        tagline="扫码注册",
        call_to_action="用手机扫描二维码 " + "很长的说明" * 40,
        brand_color="#ffffff",  # light: dark text
        logo=logo,
        latin_name="delta",
    )
    image = png_of(poster.poster_png(content, font_path=font_path))
    assert image.size == poster.POSTER_SIZE
    assert qr_in_poster(image, link)


def test_without_a_cjk_font_text_falls_back_to_latin():
    fonts = poster._Fonts(None)
    assert fonts.text("Delta Trading 德尔塔商贸", "delta") == "Delta Trading"
    assert fonts.text("德尔塔商贸", "delta") == "delta"
    with_cjk = poster._Fonts(DEJAVU)
    assert with_cjk.text("Delta Trading 德尔塔商贸", "delta") == "Delta Trading 德尔塔商贸"


def test_the_font_lookup_finds_nothing_or_a_font_that_loads():
    poster.cjk_font_path.cache_clear()
    try:
        path = poster.cjk_font_path()
        assert path is None or poster._usable(path)
    finally:
        poster.cjk_font_path.cache_clear()
