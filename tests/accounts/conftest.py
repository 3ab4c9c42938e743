import pytest

from tests.accounts.helpers import english, fresh_cache  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _own_cache_keys_in_english(fresh_cache, english):  # noqa: F811
    """Every accounts test counts failed logins under a cache prefix of its own, and reads
    English pages."""
    yield
