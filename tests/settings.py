"""Settings for the test run: the project's settings, with keys the test run supplies itself.

CI runs `make test` with DATABASE_URL set and DEBUG off, i.e. as production, which refuses to
start without keys (config/keys.py); no one should have to set keys to run the tests. The keys
are fixed (a --reuse-db database stays readable) and live only here; they are set in the
environment before the project's settings read it, so the processes the tests start (a Celery
worker) inherit them. The key-refusal tests start their own processes with crafted environments.
"""
import os

os.environ["DJANGO_SECRET_KEY"] = "tests-only-secret-key-7c1f0e9a2b4d4f6e8a1c3b5d7e9f0a2c"
os.environ["PII_KEYS"] = "t1:tests-only-pii-key-5e8d2c4b6a9f1e3d7c0b2a4f6e8d1c3b"
os.environ.pop("PII_KEY", None)

from config.settings import *  # noqa: E402,F401,F403

# Each test sees the figures of its own writes at once: the figures API's cache is off (tests/reports turns it on),
# and when on it is this process's memory, never a Redis database another run shares.
METRICS_CACHE_SECONDS = 0
CACHES = {**CACHES, "figures": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "figures"}}  # noqa: F405
