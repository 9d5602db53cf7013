"""Drafts stay secret: who may see page data in the admin, and a 404 for everyone else on every page-data endpoint.

People with no rights on pages (embassy staff) may choose live, public pages to link to; every other admin endpoint
that answers with page data — the explorer, edit, preview, revisions, compare, history, workflow history, usage,
copy and move, the admin API, wagtail-localize, Wagtail's page reports and bulk actions — is closed to them whole,
so a new Wagtail endpoint of that kind is closed too until someone decides otherwise."""

from django.http import Http404
from wagtail.models import Page
from wagtail.permissions import page_permission_policy

PAGE_RIGHTS = ["add", "change", "publish", "lock", "unlock", "bulk_delete"]

# Namespaces and names of URLs that answer with page data (Wagtail's and wagtail-localize's).
PAGE_DATA_NAMESPACES = frozenset(
    {"wagtailadmin_pages", "wagtailadmin_api", "wagtail_localize", "wagtailadmin_workflows", "wagtailadmin_reports"}
)
PAGE_DATA_NAMES = frozenset({"wagtailadmin_explore_root", "wagtailadmin_explore", "wagtailadmin_explore_results"})
PAGE_DATA_NAMESPACE_PREFIXES = ("wagtailforms",)
CHOOSER_NAMES = frozenset(
    {
        "wagtailadmin_choose_page",
        "wagtailadmin_choose_page_child",
        "wagtailadmin_choose_page_search",
        "wagtailadmin_choose_page_chosen_multiple",
    }
)


def user_sees_drafts(user) -> bool:
    """Whoever holds a right on some part of the page tree (editors, approvers, administrators)."""
    return user.is_authenticated and page_permission_policy.user_has_any_permission(user, PAGE_RIGHTS)


def public_pages():
    return Page.objects.live().public()


def _answers_page_data(match) -> bool:
    namespaces = set(match.namespaces)
    if match.url_name == "wagtail_bulk_action":
        return (match.kwargs.get("app_label"), match.kwargs.get("model_name")) == ("wagtailcore", "page")
    return bool(
        namespaces & PAGE_DATA_NAMESPACES
        or match.url_name in PAGE_DATA_NAMES
        or any(ns.startswith(PAGE_DATA_NAMESPACE_PREFIXES) for ns in namespaces)
    )


def _chooser_asks_only_public_pages(request, match) -> bool:
    ids = [value for value in match.kwargs.values() if isinstance(value, int)]
    ids += request.GET.getlist("id")
    if not all(str(value).isdigit() for value in ids):
        return False
    return public_pages().filter(pk__in=ids).count() == len(set(map(int, ids)))


class DraftsStaySecret:
    """After authentication: a person without rights on pages gets 404 from every page-data endpoint, and the page
    chooser only for live, public pages (its listings are filtered by the `construct_page_chooser_queryset` hook)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or not request.user.is_authenticated:
            return None
        chooser = match.url_name in CHOOSER_NAMES
        if not chooser and not _answers_page_data(match):
            return None
        if user_sees_drafts(request.user):
            return None
        if chooser and _chooser_asks_only_public_pages(request, match):
            return None
        raise Http404
