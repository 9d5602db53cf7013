"""The Reach reports in the Wagtail admin: the ministry dashboard, a story, an embassy. Each report draws its chart
from its own `?chart=json` URL, shows the chart's table, and exports its table as CSV or XLSX (`?export=`); all
three answer only what the user may see."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from embassies.models import Embassy
from portal.models import StoryPage

from ..models import RetiredMetric
from . import reports

READ_REACH = "publishing.read_reach"
FIGURE_LABELS = {
    "views": gettext_lazy("Views"),
    "reach": gettext_lazy("Reach"),
    "reactions": gettext_lazy("Reactions"),
    "comments": gettext_lazy("Comments"),
    "shares": gettext_lazy("Shares"),
    "clicks": gettext_lazy("Clicks"),
}
NETWORK_NAMES = reports.NETWORK_NAMES


def can_read_reach(user) -> bool:
    return user.is_active and user.has_perm(READ_REACH)


def _allowed(request) -> None:
    if not can_read_reach(request.user):
        raise PermissionDenied


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        label=gettext_lazy("Period"),
        coerce=int,
        required=False,
        initial=30,
        choices=[
            (7, gettext_lazy("Last 7 days")),
            (30, gettext_lazy("Last 30 days")),
            (90, gettext_lazy("Last 90 days")),
            (365, gettext_lazy("Last 12 months")),
        ],
    )
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("“From” must be on or before “To”."))
        if start and end and (end - start).days > 3 * 366:
            raise forms.ValidationError(_("A period is at most three years."))
        return data

    def period(self) -> reports.Period:
        now = timezone.now()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("start"):
            zone = timezone.get_current_timezone()
            start = datetime.combine(data["start"], time.min, tzinfo=zone)
            end = datetime.combine(data["end"], time.min, tzinfo=zone) + timedelta(days=1) if data.get("end") else now
            return reports.Period(start, end)
        return reports.Period(now - timedelta(days=data.get("days") or 30), now)


class Export(SpreadsheetExportMixin):
    """Wagtail's spreadsheet export of a report's rows (formulas neutralised as in every admin export, by
    portal.exports); an unavailable figure is an empty cell, never 0."""

    def __init__(self, columns: dict[str, str], filename: str):
        self.list_export = list(columns)
        self.export_headings = columns
        self.export_filename = filename


POST_COLUMNS = {
    "embassy": "embassy",
    "network": "network",
    "language": "language",
    "external_id": "external_id",
    "published_at": "published_at",
    "collected_at": "collected_at",
    **{name: name for name in reports.FIGURES},
    "multiple": "multiple_of_baseline",
    "flag": "flag",
    "unavailable_text": "unavailable",
}


def _export_rows(rows: list[dict]) -> list[dict]:
    return [
        {
            **row,
            "multiple": round(row["multiple"], 2) if row["multiple"] is not None else None,
            "unavailable_text": "; ".join(f"{k}: {v}" for k, v in sorted(row["unavailable"].items())),
        }
        for row in rows
    ]


def _export(request, rows: list[dict], columns: dict[str, str], filename: str):
    format = request.GET.get("export")
    if format not in Export.FORMATS:
        return HttpResponseBadRequest(_("Export as csv or xlsx."))
    return Export(columns, filename).as_spreadsheet(rows, format)


def _context(request, title: str, **extra) -> dict:
    query = request.GET.copy()
    query.pop("export", None)
    query.pop("chart", None)
    query.pop("page", None)
    sortless = query.copy()
    sortless.pop("sort", None)
    return {
        "header_title": title,
        "figures": reports.FIGURES,
        "figure_labels": FIGURE_LABELS,
        "network_names": NETWORK_NAMES,
        "query": query.urlencode(),
        "sort_query": f"{sortless.urlencode()}&" if sortless else "",
        **extra,
    }


def _chart(labels: list, datasets: list[dict], *, kind: str = "line", x_title: str = "") -> dict:
    return {"type": kind, "labels": labels, "datasets": datasets, "x_title": x_title}


def dashboard(request):
    _allowed(request)
    form = PeriodForm(request.GET or None)
    period = form.period()
    data = reports.dashboard(request.user, period)
    if request.GET.get("chart") == "json":
        return JsonResponse(
            _chart(
                [NETWORK_NAMES.get(r["network"], r["network"]) for r in data["networks"]],
                [{"label": str(FIGURE_LABELS["views"]), "data": [r["views"] for r in data["networks"]]}],
                kind="bar",
            )
        )
    if "export" in request.GET:
        rows = [
            {"story": r["distribution__story__title"], "posts": r["posts"], **{f: r[f] for f in reports.FIGURES}}
            for r in data["top_stories"]
        ]
        columns = {"story": "story", "posts": "posts", **{f: f for f in reports.FIGURES}}
        return _export(request, rows, columns, f"reach-{period.start:%Y%m%d}-{period.end:%Y%m%d}")
    return TemplateResponse(
        request,
        "publishing/reach/dashboard.html",
        _context(request, _("Reach"), form=form, period=period, tab="dashboard", **data),
    )


def stories(request):
    _allowed(request)
    found = reports.stories_with_reach(request.user)[:200]
    return TemplateResponse(
        request, "publishing/reach/stories.html", _context(request, _("Reach by story"), stories=found, tab="stories")
    )


def _story(request, story_id: int) -> StoryPage:
    story = get_object_or_404(StoryPage, pk=story_id)
    if not reports.reach_posts(request.user).filter(distribution__story=story).exists():
        raise Http404  # nothing of it is theirs to read, or it never went out: say nothing of it
    return story


def story(request, story_id: int):
    _allowed(request)
    story = _story(request, story_id)
    if request.GET.get("chart") == "json":
        chart = reports.story_chart(reports.reach_posts(request.user).filter(distribution__story=story))
        return JsonResponse(
            _chart(
                chart["labels"],
                [
                    {"label": NETWORK_NAMES.get(d["network"], d["network"]), "data": d["views"]}
                    for d in chart["datasets"]
                ],
                x_title=_("Hours since publishing"),
            )
        )
    sort = request.GET.get("sort", "-views")
    if "export" in request.GET:
        posts = reports.reach_posts(request.user).filter(distribution__story=story)
        rows = reports.post_rows(reports.sorted_posts(posts, sort))
        return _export(request, _export_rows(rows), POST_COLUMNS, f"reach-{story.slug}")
    data = reports.story_report(request.user, story, sort=sort, page=request.GET.get("page"))
    return TemplateResponse(
        request,
        "publishing/reach/story.html",
        _context(request, story.title, story=story, tab="stories", sort=sort, **data),
    )


def embassies(request):
    _allowed(request)
    return TemplateResponse(
        request,
        "publishing/reach/embassies.html",
        _context(request, _("Reach by embassy"), embassies=reports.scoped_embassies(request.user), tab="embassies"),
    )


def embassy(request, embassy_id: int):
    _allowed(request)
    embassy = get_object_or_404(Embassy.objects.for_user(request.user), pk=embassy_id)
    form = PeriodForm(request.GET or None)
    period = form.period()
    sort = request.GET.get("sort", "-published")
    if "export" in request.GET:
        posts = period.filter(reports.reach_posts(request.user).filter(embassy=embassy))
        rows = reports.post_rows(reports.sorted_posts(posts, sort))
        return _export(request, _export_rows(rows), POST_COLUMNS, f"reach-{embassy.slug}")
    data = reports.embassy_report(request.user, embassy, period, sort=sort, page=request.GET.get("page"))
    if request.GET.get("chart") == "json":
        weeks = sorted({row["week"] for row in data["trend"]})
        datasets = []
        for network in ("facebook", "x"):
            by_week = {row["week"]: row["views"] for row in data["trend"] if row["network"] == network}
            if by_week:
                datasets.append({"label": NETWORK_NAMES[network], "data": [by_week.get(w) for w in weeks]})
        return JsonResponse(_chart([f"{w:%Y-%m-%d}" for w in weeks], datasets, kind="bar", x_title=_("Week")))
    return TemplateResponse(
        request,
        "publishing/reach/embassy.html",
        _context(request, str(embassy), embassy=embassy, form=form, period=period, tab="embassies", **data),
    )


@require_POST
def retired_metric_forget(request, metric_id: int):
    """After the metric names are updated: forget a refused name, so the collector asks for it again."""
    if not request.user.has_perm("publishing.delete_retiredmetric"):
        raise PermissionDenied
    metric = get_object_or_404(RetiredMetric, pk=metric_id)
    metric.delete()
    messages.success(
        request,
        _("The collector will ask %(network)s for %(name)s again.") % {"network": metric.network, "name": metric.name},
    )
    return redirect("wagtailadmin_home")
