"""Benchmark settings: production settings plus a bare baseline view on the same server."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
