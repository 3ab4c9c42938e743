from tests.storefront.conftest import (  # noqa: F401 - shared fixtures of the dealer-side tests
    _english_everywhere,
    categories,
    english,
    fresh_cache,
    media_root,
    signed_in,
)
