"""Settings of the benchmark server: the production settings, plus a bare view in a bench-only URLconf.

Used by bench/run.py for gunicorn and the benchmark scripts; never by the portal itself.
"""

import os

# The benchmark server runs with DEBUG off; the settings refuse to start without SECRET_KEY, so it brings its own.
os.environ.setdefault("SECRET_KEY", "bench-only-key-never-used-in-production-0123456789abcdefghij")

from portal.settings import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
