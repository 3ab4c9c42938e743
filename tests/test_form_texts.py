"""Help texts with a number in them follow the language of the request, not the language that
happened to be active when the module was imported."""

from __future__ import annotations

import pytest
from django.utils import translation

from channels.forms import StorefrontSettingsForm
from orders.forms_aftersales import AfterSalesRequestForm


@pytest.mark.parametrize(
    ("language", "photos", "featured"),
    [
        ("en", "Up to 5 photos (JPEG, PNG or WebP).", "Shown on your storefront's home page"),
        ("zh-hans", "最多 5 张照片（JPEG、PNG 或 WebP）。", "在您的店铺首页展示"),
    ],
)
def test_help_texts_speak_the_language_of_the_request(language, photos, featured):
    with translation.override(language):
        request_form = AfterSalesRequestForm(quantity_left=1)
        settings_form = StorefrontSettingsForm()
        assert str(request_form.fields["photos"].help_text) == photos
        assert str(settings_form.fields["featured"].help_text).startswith(featured)
