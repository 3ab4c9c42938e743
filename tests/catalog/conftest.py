from tests.suppliers.conftest import _english  # noqa: F401 - messages are asserted in English
