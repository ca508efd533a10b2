"""The public pages' cache: two tiers (this process, then the shared cache) under a version number.

Public pages are cached per URL and language under a version number; `bump_public_cache()` moves to a new
version, so a (re)publication, or an edition, publication, category (its publication policy) or association (its
name, logo, place in the portal-wide search) changing, makes every cached page stale at once.

Associations never share a cached answer: a page's key is its path, which holds the association's prefix
(/a/<slug>/...), an API answer's key holds its `association` parameter, and every other key names its scope
(public.queries.scope_key).
"""

import hashlib
import time
from collections import OrderedDict
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import translation

from events.models import Association, Category, Edition
from results.models import PlenaryEntry, Publication

VERSION_KEY = "public:version"
# A safety net for changes that do not bump the version (an entry withdrawn after publication, a consent
# to publish the report given later): cached pages live at most this long.
CACHE_SECONDS = getattr(settings, "PUBLIC_CACHE_SECONDS", 300)

# A tier in this process in front of a shared cache (Redis): the version is re-read at most every few seconds and
# the pages last served stay in memory under their versioned key, so a cached page costs no round trip. Under
# load those two round trips cost a worker more than rendering the page did (bench/README.md). A publication made
# in another process is seen here within LOCAL_SECONDS. With the local-memory cache (embedded mode, tests) the tier
# is off: that cache is already in this process.
LOCAL_PAGES = 512
_local = {"version": None, "version_until": 0.0, "pages": OrderedDict()}


def local_seconds() -> float:
    configured = getattr(settings, "PUBLIC_LOCAL_CACHE_SECONDS", None)
    if configured is not None:
        return configured
    return 0 if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache") else 2


def cache_version() -> int:
    seconds = local_seconds()
    now = time.monotonic()
    if seconds and _local["version"] is not None and now < _local["version_until"]:
        return _local["version"]
    version = cache.get(VERSION_KEY)
    if version is None:
        # Never restart at 1: pages cached under an earlier, evicted version number must stay unreachable.
        cache.add(VERSION_KEY, time.time_ns() // 1000, None)
        version = cache.get(VERSION_KEY, time.time_ns() // 1000)
    if seconds:
        _local.update(version=version, version_until=now + seconds)
    return version


def bump_public_cache() -> None:
    """Make every cached public page and API answer stale. Called on every publication change."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, time.time_ns() // 1000, None)
    forget_local()


def forget_local() -> None:
    """Empty this process's tier: the next page re-reads the version from the shared cache."""
    _local.update(version=None, version_until=0.0)
    _local["pages"].clear()


# The newest publication the periodic check has seen. A publication made while the cache was unreachable could not
# move the version on: catch_up_with_publications (celery beat, every minute) does it once the cache is back.
PUBLISHED_KEY = "public:published"


def newest_publication() -> int:
    return Publication.objects.aggregate(newest=Max("pk"))["newest"] or 0


def catch_up_with_publications() -> bool:
    """Move the version on when a publication appeared since the last check (its own move may have been lost to
    an unreachable cache, leaving pages cached before it in place); returns whether it did. After a publication
    whose move was not lost this costs the pages one more rendering, at most a minute later."""
    newest = newest_publication()
    seen = cache.get(PUBLISHED_KEY)
    if seen == newest:
        return False
    if seen is not None:  # None: a cache without the mark (new, or emptied) holds no page from before either
        bump_public_cache()
    cache.set(PUBLISHED_KEY, newest, None)
    return seen is not None


def cached(key: str):
    """A cached page or answer: this process's copy while it is fresh, else the shared cache's (None if none)."""
    seconds = local_seconds()
    now = time.monotonic()
    pages = _local["pages"]
    if seconds:
        hit = pages.get(key)
        if hit is not None and now < hit[1]:
            return hit[0]
    value = cache.get(key)
    if seconds and value is not None:
        _keep(key, value, now + seconds)
    return value


def cache_store(key: str, value, timeout: int) -> None:
    cache.set(key, value, timeout)
    if local_seconds():
        _keep(key, value, time.monotonic() + local_seconds())


def cached_local(key: str):
    """A value kept only in this process (see keep_local), while it is fresh; None otherwise or when off."""
    hit = _local["pages"].get(key) if local_seconds() else None
    return hit[0] if hit is not None and time.monotonic() < hit[1] else None


def keep_local(key: str, value) -> None:
    if local_seconds():
        _keep(key, value, time.monotonic() + local_seconds())


def _keep(key, value, until) -> None:
    pages = _local["pages"]
    pages[key] = (value, until)
    pages.move_to_end(key)
    while len(pages) > LOCAL_PAGES:
        pages.popitem(last=False)


QUERY_PARAMETERS = frozenset(
    {
        "q",
        "edition",
        "kind",
        "category",
        "venue",
        "grade",
        "province",
        "topic_type",
        "sort",
        "page",
        "page_size",
    }
)
# The API also reads `association` (a page names its association in its path, /a/<slug>/...).
API_PARAMETERS = QUERY_PARAMETERS | {"association"}


def _normal(name: str, value: str) -> str:
    # The search splits its text on whitespace: "液压 ", " 液压" and "液压  阀" ask what "液压" and "液压 阀" ask,
    # so they share a cached copy instead of each adding one.
    return " ".join(value.split()) if name == "q" else value.strip()


def request_path(request, parameters=QUERY_PARAMETERS) -> str:
    """The path and the parameters the public views read, parsed, normalised, sorted and URL-encoded: the cache key
    of a page, and a URL that asks for the same page.

    Encoded, so that a value holding "&" or "=" (`?q=液压%26sort%3Dtitle`) never reads as other parameters
    (`?q=液压&sort=title`) and the two never share a cached copy. Unknown and empty parameters change nothing on the
    page, so they must not multiply its cached copies."""
    params = sorted(
        (name, normal)
        for name in request.GET
        if name in parameters
        for value in request.GET.getlist(name)
        if (normal := _normal(name, value))
    )
    return request.path + ("?" + urlencode(params) if params else "")


def cache_key(kind: str, path: str) -> str:
    """A bounded key: whatever the path's length, the shared cache sees a fixed-size digest."""
    digest = hashlib.sha256(path.encode()).hexdigest()[:32]
    return f"public:{cache_version()}:{kind}:{translation.get_language()}:{digest}"


@receiver(post_save, sender=Publication, dispatch_uid="public_cache_publication_saved")
@receiver(post_delete, sender=Publication, dispatch_uid="public_cache_publication_deleted")
@receiver(post_save, sender=PlenaryEntry, dispatch_uid="public_cache_plenary_saved")
@receiver(post_delete, sender=PlenaryEntry, dispatch_uid="public_cache_plenary_deleted")
@receiver(post_save, sender=Edition, dispatch_uid="public_cache_edition_saved")
@receiver(post_delete, sender=Edition, dispatch_uid="public_cache_edition_deleted")
# A category's publication policy decides which published rows and protocols the public sees.
@receiver(post_save, sender=Category, dispatch_uid="public_cache_category_saved")
# An association's name, short name and logo are on its pages; `searchable` decides the portal-wide search's rows.
@receiver(post_save, sender=Association, dispatch_uid="public_cache_association_saved")
@receiver(post_delete, sender=Association, dispatch_uid="public_cache_association_deleted")
def _bump_on_change(sender, **kwargs):
    # After the commit: a page rendered between the bump and the commit would otherwise cache the old rows
    # under the new version.
    transaction.on_commit(bump_public_cache)


def remembered(key: str, build):
    """The value cached (shared cache only) under the versioned key, or build()'s, then cached."""
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, CACHE_SECONDS)
    return value
