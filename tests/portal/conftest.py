import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_page_cache():
    """The portal keeps rendered pages in the cache: each test starts without them."""
    cache.clear()
    yield
    cache.clear()
