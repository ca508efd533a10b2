"""Settings of the benchmark server: the production settings, plus a bare view in a bench-only URLconf.

Used by bench/run.py for gunicorn and the benchmark scripts; never by the portal itself.
"""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
