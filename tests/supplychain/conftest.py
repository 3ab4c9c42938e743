from tests.suppliers.conftest import _english, categories, media_root, signed_in  # noqa: F401
