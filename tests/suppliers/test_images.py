"""Product images: judged by content, re-encoded, thumbnailed, stored and served per tenant."""

import io
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from accounts.models import Role
from suppliers.models import ProductImage
from tests.suppliers.builders import phone_build


def image_bytes(fmt="PNG", size=(640, 480), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def upload(client, product, *files):
    return client.post(f"/products/{product.pk}/images/", {"images": list(files)}, follow=True)


def test_an_image_is_stored_in_the_tenants_folder_with_a_thumbnail(
    supplier_a, categories, signed_in, media_root
):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        product = phone_build()
    response = upload(
        client, product, SimpleUploadedFile("front.png", image_bytes(size=(3000, 1500)))
    )
    assert response.status_code == 200
    assert "1 image(s) added." in response.content.decode()
    with tenant_context(supplier_a):
        image = ProductImage.objects.get(product=product)
    assert image.image.name.startswith(f"products/{product.pk}/")
    assert image.image.name.endswith(".png")
    stored = media_root / "t_acme" / image.image.name
    thumb = media_root / "t_acme" / image.thumbnail.name
    assert stored.is_file() and thumb.is_file()
    with Image.open(stored) as picture:
        assert picture.format == "PNG" and picture.size == (2000, 1000)  # scaled to 2000 px
    with Image.open(thumb) as picture:
        assert picture.format == "JPEG" and picture.size == (320, 320)
    assert (image.width, image.height) == (2000, 1000)
    assert image.original_name == "front.png"


def test_a_text_file_named_like_an_image_is_refused(supplier_a, categories, signed_in, media_root):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        product = phone_build()
    response = upload(
        client, product, SimpleUploadedFile("photo.png", b"<?php system($_GET['c']); ?>" * 20)
    )
    text = response.content.decode()
    assert "“photo.png”" in text and "not a readable JPEG, PNG or WebP image" in text
    with tenant_context(supplier_a):
        assert not ProductImage.objects.exists()
    assert not (media_root / "t_acme").exists() or not any((media_root / "t_acme").rglob("*.*"))


def test_content_decides_not_the_name(supplier_a, categories, signed_in, media_root):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        product = phone_build()
    upload(client, product, SimpleUploadedFile("really-a-png.jpg", image_bytes("PNG")))
    response = upload(client, product, SimpleUploadedFile("anim.png", image_bytes("GIF")))
    assert "not a JPEG, PNG or WebP image (it looks like GIF)" in response.content.decode()
    with tenant_context(supplier_a):
        names = [image.image.name for image in ProductImage.objects.all()]
    assert len(names) == 1 and names[0].endswith(".png")


def test_too_large_and_too_small_images_are_refused(
    supplier_a, categories, signed_in, media_root, settings
):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        product = phone_build()
    response = upload(client, product, SimpleUploadedFile("icon.png", image_bytes(size=(20, 20))))
    assert "each side needs at least 50" in response.content.decode()
    settings.PRODUCT_IMAGE_MAX_BYTES = 1000
    response = upload(client, product, SimpleUploadedFile("big.png", image_bytes(size=(800, 800))))
    assert "the limit is" in response.content.decode()
    with tenant_context(supplier_a):
        assert not ProductImage.objects.exists()


def test_media_is_served_only_on_its_own_tenants_domain(
    supplier_a, supplier_b, dealer, categories, signed_in, host_client, media_root
):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        product = phone_build()
    upload(client, product, SimpleUploadedFile("a.jpg", image_bytes("JPEG")))
    with tenant_context(supplier_a):
        image = ProductImage.objects.get()
        url = image.thumbnail.url
    assert url.startswith("/media/t_acme/products/")

    anonymous = host_client(supplier_a)
    response = anonymous.get(url)  # public: storefronts will show it
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"

    assert host_client(supplier_b).get(url).status_code == 404
    assert host_client(supplier_b).get(url.replace("t_acme", "t_beta")).status_code == 404
    assert host_client(dealer).get(url).status_code == 404

    # Nothing outside the tenant's public image folder, however the path is spelt.
    secret = media_root / "t_acme" / "private.jpg"
    secret.write_bytes(image_bytes("JPEG"))
    (media_root / "t_beta" / "products").mkdir(parents=True)
    (media_root / "t_beta" / "products" / "b.jpg").write_bytes(image_bytes("JPEG"))
    for path in (
        "/media/t_acme/private.jpg",
        "/media/t_acme/products/../private.jpg",
        "/media/t_acme/products/%2e%2e/private.jpg",
        "/media/t_acme/products/../../t_beta/products/b.jpg",
        "/media/t_acme/products/..%2f..%2ft_beta/products/b.jpg",
        f"/media/t_acme/products/{product.pk}/",
    ):
        assert anonymous.get(path).status_code == 404, path


def test_removing_an_image_deletes_its_files(
    supplier_a, categories, signed_in, media_root, django_capture_on_commit_callbacks
):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        product = phone_build()
    upload(client, product, SimpleUploadedFile("a.png", image_bytes()))
    with tenant_context(supplier_a):
        image = ProductImage.objects.get()
    stored = media_root / "t_acme" / image.image.name
    assert stored.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/products/{product.pk}/images/{image.pk}/delete/")
    assert response.status_code == 302
    assert not stored.exists()
    assert not os.path.exists(media_root / "t_acme" / image.thumbnail.name)
    with tenant_context(supplier_a):
        assert not ProductImage.objects.exists()
