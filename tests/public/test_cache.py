"""The per-process tier in front of a shared cache (public.cache.cached): no round trip for a page served
a moment ago, a publication elsewhere seen once the local copy expires, off with the local-memory cache."""

import gzip
import re
import zlib
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portal import compression
from public import cache as public
from public import views as public_views
from tests.scenarios import published_edition, published_row


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
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
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


def _html(response) -> str:
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.content).decode()
    return response.content.decode()


def _token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _html(response)).group(1)


@pytest.mark.django_db
def test_anonymous_page_rendered_once_and_its_language_form_works(local_tier):
    client = Client(enforce_csrf_checks=True)
    with mock.patch("public.views.render", wraps=public_views.render) as rendered:
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
    with mock.patch("public.views.render", wraps=public_views.render) as rendered:
        client.get("/results/")
        response = client.get("/results/")
    assert rendered.call_count == 2
    assert organiser.get_short_name() in response.content.decode()


# --- compressed answers (portal.compression): compressed once per process, the token put in per request ---------


def _gunzip(response) -> str:
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Length"] == str(len(response.content))
    return gzip.decompress(response.content).decode()


@pytest.fixture
def results_page(db):
    _edition, publication = published_edition(name="第四十次交流活动", number=40, year=2021)
    published_row(publication, title="降低齿轮箱渗漏率")
    return "/results/"


@pytest.mark.django_db
def test_anonymous_page_gzip_accepting_client_gets_the_same_page_compressed(local_tier, results_page):
    client = Client(enforce_csrf_checks=True)
    plain = client.get(results_page)
    packed = client.get(results_page, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert not plain.has_header("Content-Encoding")
    html = _gunzip(packed)
    assert len(packed.content) * 2 < len(plain.content)
    assert "降低齿轮箱渗漏率" in html
    assert html.replace(_token(packed), "TOKEN") == plain.content.decode().replace(_token(plain), "TOKEN")
    assert "Accept-Encoding" in plain["Vary"] and "Accept-Encoding" in packed["Vary"]
    answer = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/results/", "csrfmiddlewaretoken": _token(packed)}
    )
    assert (answer.status_code, answer["Location"]) == (302, "/results/")


@pytest.mark.django_db
def test_anonymous_page_compressed_once_for_many_visitors(local_tier, results_page):
    Client().get(results_page)
    with mock.patch.object(compression.zlib, "compressobj", wraps=zlib.compressobj) as compressor:
        answers = [Client().get(results_page, HTTP_ACCEPT_ENCODING="gzip") for _ in range(4)]
    assert compressor.call_count == 2  # the page before the language form's token and the page after it
    tokens = [_token(answer) for answer in answers]
    assert len(set(tokens)) == 4
    assert all(public_views.CSRF_PLACEHOLDER not in _gunzip(answer) for answer in answers)


@pytest.mark.django_db
def test_anonymous_page_compressed_length_does_not_depend_on_the_token(local_tier, results_page):
    # BREACH guesses a secret from the compressed length: the token is stored uncompressed, apart from the page.
    answers = [Client().get(results_page, HTTP_ACCEPT_ENCODING="gzip") for _ in range(3)]
    assert len({len(answer.content) for answer in answers}) == 1
    assert all(_token(answer).encode() in answer.content for answer in answers)


@pytest.mark.django_db
def test_anonymous_page_compressed_without_the_local_tier(settings, results_page):
    settings.PUBLIC_LOCAL_CACHE_SECONDS = 0  # no per-process tier
    client = Client()
    html = _gunzip(client.get(results_page, HTTP_ACCEPT_ENCODING="gzip"))
    assert "降低齿轮箱渗漏率" in html
    assert client.get(results_page).content.decode().count("降低齿轮箱渗漏率") == html.count("降低齿轮箱渗漏率")


@pytest.mark.django_db
def test_logged_in_visitor_gets_a_plain_page_rendered_for_them_even_when_taking_gzip(
    local_tier, results_page, client, organiser
):
    client.force_login(organiser)
    with mock.patch("public.views.render", wraps=public_views.render) as rendered:
        first = client.get(results_page, HTTP_ACCEPT_ENCODING="gzip")
        second = client.get(results_page, HTTP_ACCEPT_ENCODING="gzip")
    assert rendered.call_count == 2
    assert not first.has_header("Content-Encoding") and not second.has_header("Content-Encoding")
    assert organiser.get_short_name() in second.content.decode()
    assert public.cached_local(public.cache_key("page", results_page) + ":anonymous") is None


@pytest.mark.django_db
def test_anonymous_visitor_never_gets_a_logged_in_visitor_s_page(local_tier, results_page, client, organiser):
    client.force_login(organiser)
    logged_in = client.get(results_page, HTTP_ACCEPT_ENCODING="gzip").content.decode()
    assert reverse("portal:logout") in logged_in and organiser.get_short_name() in logged_in
    html = _gunzip(Client().get(results_page, HTTP_ACCEPT_ENCODING="gzip"))
    assert organiser.get_short_name() not in html
    assert reverse("portal:logout") not in html


@pytest.mark.django_db
def test_anonymous_page_returns_every_visitor_to_its_own_address_not_the_first_visitor_s(local_tier, results_page):
    first = Client().get("/results/?page=1&from=private-mail-link-abc")
    second = Client().get("/results/?page=1")
    for response in (first, second):
        assert 'name="next" value="/results/?page=1"' in _html(response)
        assert "private-mail-link-abc" not in _html(response)


# --- the key: parsed, normalised, encoded ---------------------------------------------------------------------


def test_request_path_encodes_a_value_holding_parameter_separators(rf):
    poisoning = public.request_path(rf.get("/results/?q=液压%26sort%3Dtitle"))
    honest = public.request_path(rf.get("/results/?q=液压&sort=title"))
    assert poisoning == "/results/?q=%E6%B6%B2%E5%8E%8B%26sort%3Dtitle"
    assert honest == "/results/?q=%E6%B6%B2%E5%8E%8B&sort=title"
    assert public.cache_key("page", poisoning) != public.cache_key("page", honest)


def test_request_path_whitespace_variants_of_a_search_share_one_key(rf):
    paths = {public.request_path(rf.get("/results/", {"q": q})) for q in ("液压", "液压 ", " 液压", "\t液压\u3000")}
    assert paths == {"/results/?q=%E6%B6%B2%E5%8E%8B"}
    two_terms = {public.request_path(rf.get("/results/", {"q": q})) for q in ("液压 阀", " 液压   阀 ")}
    assert two_terms == {"/results/?q=%E6%B6%B2%E5%8E%8B+%E9%98%80"}


def test_request_path_drops_empty_and_unknown_parameters(rf):
    assert public.request_path(rf.get("/results/?q=%20&sort=&from=mail")) == "/results/"


def test_cache_key_is_bounded_whatever_the_query_length(rf):
    key = public.cache_key("page", public.request_path(rf.get("/results/", {"q": "液压" * 5000})))
    assert len(key) == len(public.cache_key("page", "/results/"))


@pytest.mark.django_db
def test_encoded_ampersand_search_does_not_poison_the_page_it_spells(local_tier):
    _edition, publication = published_edition(name="第四十次交流活动", number=40, year=2021)
    published_row(publication, title="液压站漏油治理")
    poisoning = Client().get("/results/?q=液压%26sort%3Dtitle")
    honest = Client().get("/results/?q=液压&sort=title")
    assert (poisoning.status_code, honest.status_code) == (200, 200)
    assert "液压站漏油治理" not in _html(poisoning)
    assert "液压站漏油治理" in _html(honest)
