"""The per-process tier in front of a shared cache (scoring.public.cached): no round trip for a page served
a moment ago, a publication elsewhere seen once the local copy expires, off with the local-memory cache."""

import re
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from scoring import public, public_views


@pytest.fixture
def local_tier(settings):
    settings.PUBLIC_LOCAL_CACHE_SECONDS = 2
    public.bump_public_cache()
    yield
    public.bump_public_cache()


@pytest.fixture
def clock():
    now = [1000.0]
    with mock.patch.object(public.time, "monotonic", side_effect=lambda: now[0]):
        yield now


def test_cached_page_served_again_without_asking_the_shared_cache(local_tier, clock):
    key = public.cache_key("page", "/results/")
    public.cache_store(key, {"body": "rows"}, 60)
    with mock.patch.object(public.cache, "get", wraps=cache.get) as shared_get:
        assert public.cached(public.cache_key("page", "/results/")) == {"body": "rows"}
        assert public.cached(public.cache_key("page", "/results/")) == {"body": "rows"}
    assert shared_get.call_count == 0


def test_cached_page_from_shared_cache_when_local_copy_expired(local_tier, clock):
    key = public.cache_key("page", "/results/")
    public.cache_store(key, {"body": "old"}, 60)
    cache.set(key, {"body": "new"}, 60)  # another process stored a newer copy under the same key
    assert public.cached(key) == {"body": "old"}
    clock[0] += 2.5
    assert public.cached(key) == {"body": "new"}


def test_cache_version_follows_a_bump_in_another_process_after_local_seconds(local_tier, clock):
    version = public.cache_version()
    cache.incr(public.VERSION_KEY)  # a publication in another worker
    assert public.cache_version() == version
    clock[0] += 2.5
    assert public.cache_version() == version + 1


def test_bump_in_this_process_is_seen_at_once(local_tier, clock):
    version = public.cache_version()
    key = public.cache_key("page", "/results/")
    public.cache_store(key, {"body": "rows"}, 60)
    public.bump_public_cache()
    assert public.cache_version() == version + 1
    assert not public._local["pages"]
    assert public.cached(public.cache_key("page", "/results/")) is None


def test_local_tier_keeps_at_most_local_pages(local_tier, clock, monkeypatch):
    monkeypatch.setattr(public, "LOCAL_PAGES", 3)
    for n in range(5):
        public.cache_store(f"page-{n}", n, 60)
    assert list(public._local["pages"]) == ["page-2", "page-3", "page-4"]


def test_local_tier_off_with_local_memory_cache(settings, clock):
    settings.PUBLIC_LOCAL_CACHE_SECONDS = None
    assert public.local_seconds() == 0
    key = public.cache_key("page", "/results/")
    public.cache_store(key, {"body": "old"}, 60)
    cache.set(key, {"body": "new"}, 60)
    assert public.cached(key) == {"body": "new"}
    assert not public._local["pages"]


def test_local_tier_on_with_a_shared_cache():
    shared = SimpleNamespace(
        PUBLIC_LOCAL_CACHE_SECONDS=None,
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}},
    )
    with mock.patch.object(public, "settings", shared):
        assert public.local_seconds() == 2


def _token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.django_db
def test_anonymous_page_rendered_once_and_its_language_form_works(local_tier):
    client = Client(enforce_csrf_checks=True)
    with mock.patch("scoring.public_views.render", wraps=public_views.render) as rendered:
        first = client.get("/results/")
        second = client.get("/results/")
    assert (first.status_code, second.status_code) == (200, 200)
    assert rendered.call_count == 1
    token = _token(second)
    assert token != public_views.CSRF_PLACEHOLDER
    assert public_views.CSRF_PLACEHOLDER not in second.content.decode()
    answer = client.post("/i18n/setlang/", {"language": "en", "next": "/results/", "csrfmiddlewaretoken": token})
    assert (answer.status_code, answer["Location"]) == (302, "/results/")


@pytest.mark.django_db
def test_logged_in_visitor_gets_the_page_rendered_for_them(local_tier, client, organiser):
    client.force_login(organiser)
    with mock.patch("scoring.public_views.render", wraps=public_views.render) as rendered:
        client.get("/results/")
        response = client.get("/results/")
    assert rendered.call_count == 2
    assert organiser.get_short_name() in response.content.decode()
