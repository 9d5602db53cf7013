"""A CDN in front, as Wagtail's frontend cache sees one: it records the URLs it is asked to purge."""

from wagtail.contrib.frontend_cache.backends.base import BaseBackend


class RecordingBackend(BaseBackend):
    purged: list[str] = []

    def purge(self, url) -> None:
        RecordingBackend.purged.append(url)
