"""Portal views outside the page tree: site search and robots.txt."""

import re

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from wagtail.models import Locale

from .models import StoryPage


def search_words(query: str) -> list[str]:
    """The words of a reader's query: quotes, operators and control characters (a NUL byte) are not for the
    search backends to parse, and only break them."""
    return re.findall(r"\w+", query)[:20]


@require_GET
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    locale = Locale.get_active()
    results = None
    if query:
        words = search_words(query)
        stories = StoryPage.objects.live().public().filter(locale=locale).select_related("hero_image")
        found = stories.search(" ".join(words)) if words else []
        results = Paginator(found, 10).get_page(request.GET.get("page"))
    return TemplateResponse(request, "portal/search.html", {"query": query, "results": results})


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /django-admin/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
