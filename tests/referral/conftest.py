from tests.accounts.helpers import english, fresh_cache  # noqa: F401 - shared fixtures
