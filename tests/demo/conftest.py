import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """The demo tests read the guard's messages in English (the portal's default language is Chinese)."""
    with translation.override("en"):
        yield
