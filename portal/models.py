"""The portal's pages (home, story index, story), countries, and the second-eyes review task."""

from django import forms
from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Length, Substr
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.admin.widgets.chooser import BaseChooser
from wagtail.blocks import StreamBlock
from wagtail.blocks.base import BlockWidget
from wagtail.fields import StreamField
from wagtail.models import AbstractGroupApprovalTask, Page, PagePermissionTester, PageViewRestriction
from wagtail.search import index

from embassies.models import Embassy, Region

from . import review
from .blocks import StoryBodyBlock
from .l10n import country_name
from .validators import BoundedJSONField, validate_hashtags
from .widgets import SearchableCheckboxes, SocialTextWidget


class Country(models.Model):
    """An ISO 3166-1 country; its name comes from CLDR in the reader's language."""

    code = models.CharField(max_length=2, primary_key=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name()

    def name(self, language_code: str | None = None) -> str:
        return country_name(self.code, language_code or get_language() or "en")


class TranslatedPagesMixin:
    """Links a page to its live translations, for the language switcher, hreflang and the sitemap."""

    def live_translations(self, request=None) -> list[Page]:
        cache = "_live_translations"
        if not hasattr(self, cache):
            pages = (
                Page.objects.filter(translation_key=self.translation_key)
                .live()
                .exclude(Exists(restricted_at_or_above()))
                .select_related("locale")
            )
            setattr(self, cache, sorted(pages, key=lambda p: p.locale.language_code))
        return getattr(self, cache)


def restricted_at_or_above():
    """The view restrictions on a page or any of its ancestors (an ancestor's tree path begins the page's): what
    Wagtail's public() asks in a query of its own, as a subquery."""
    return PageViewRestriction.objects.filter(page__path=Substr(OuterRef("path"), 1, Length("page__path")))


class ChildRouting:
    """Routes to a child of one known type in one query (the child's own table, with what its page shows), where
    Wagtail's route asks for the child and then for its specific type."""

    child_model: type[Page]
    child_related: tuple[str, ...] = ()

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        slug, *rest = path_components
        child = self.child_model.objects.child_of(self).select_related(*self.child_related).filter(slug=slug).first()
        if child is None:
            raise Http404
        child.routed_parent = self  # what the child's page links back to, without asking again
        return child.route(request, rest)


class HomePage(ChildRouting, TranslatedPagesMixin, Page):
    intro = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["portal.StoryIndexPage"]

    @property
    def child_model(self):
        return StoryIndexPage

    parent_page_types = ["wagtailcore.Page"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        stories = StoryPage.objects.live().public().filter(locale_id=self.locale_id).select_related("hero_image")
        context["featured"] = stories.filter(featured=True).order_by("-first_published_at").first()
        latest = stories.order_by("-first_published_at")
        if context["featured"]:
            latest = latest.exclude(pk=context["featured"].pk)
        context["latest"] = latest[:9]
        context["story_index"] = StoryIndexPage.objects.live().filter(locale_id=self.locale_id).first()
        return context


class StoryIndexPage(ChildRouting, TranslatedPagesMixin, Page):
    intro = models.TextField(blank=True)
    page_size = 10

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["portal.StoryPage"]
    child_related = ("hero_image", "locale")

    @property
    def child_model(self):
        return StoryPage

    parent_page_types = ["portal.HomePage"]

    def stories(self):
        return (
            StoryPage.objects.live()
            .public()
            .child_of(self)
            .select_related("hero_image")
            .order_by("-first_published_at")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        stories = self.stories()
        topic = request.GET.get("topic", "").strip()
        country = request.GET.get("country", "").strip().upper()
        if topic:
            stories = stories.filter(topics__slug=topic)
        if country:
            stories = stories.filter(countries__code=country)
        paginator = Paginator(stories.distinct(), self.page_size)
        try:
            page_of_stories = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            page_of_stories = paginator.page(1)
        except EmptyPage:
            page_of_stories = paginator.page(paginator.num_pages)
        context.update(
            stories=page_of_stories,
            topic=topic,
            country=country,
            topics=StoryTopic.tags_for(StoryPage)
            .filter(portal_storytopic_items__content_object__locale_id=self.locale_id)
            .distinct()
            .order_by("name"),
            countries=Country.objects.filter(stories__locale_id=self.locale_id).distinct(),
        )
        return context


class StoryTopic(TaggedItemBase):
    content_object = ParentalKey("portal.StoryPage", on_delete=models.CASCADE, related_name="tagged_items")


class StoryPermissionTester(PagePermissionTester):
    """Nobody publishes a story straight from the editor, the listing, a bulk action, a copy or a translation:
    the Publish buttons disappear and each of those paths is refused by Wagtail's own permission check. Stories
    go live when a review finishes (portal.review) or by force-publish."""

    def can_publish(self) -> bool:
        return False


STREAM_BLOCKS_MAX = 500


def stream_data_check(block, data, prefix: str) -> None:
    """A stream's top level as Wagtail's form posts it: a count within bounds, and a known type for every block
    kept (Wagtail would drop an unknown one silently, and the body with it). Raises ValueError or KeyError."""
    if not isinstance(block, StreamBlock):
        return
    count = int(data[f"{prefix}-count"])
    if not 0 <= count <= STREAM_BLOCKS_MAX:
        raise ValueError(count)
    for position in range(count):
        if data.get(f"{prefix}-{position}-deleted"):
            continue
        if data[f"{prefix}-{position}-type"] not in block.child_blocks:
            raise KeyError(position)


class StoryPageForm(WagtailAdminPageForm):
    """The story form in the editor's terms: regions to tick, countries by their names in the editor's language.
    A stream or a chooser posted malformed (no `body-count`, a count that is no number, a block without its type, an
    image id that is no number) is the form shown again with an error on that field, never a server error."""

    target_regions = forms.MultipleChoiceField(
        label=_("regions"),
        choices=Region.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("With “Embassies in regions”: the regions whose embassies receive the story."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language() or "en"
        if "countries" in self.fields:
            countries = sorted(Country.objects.all(), key=lambda c: c.name(language))
            self.fields["countries"].widget = SearchableCheckboxes(search_label=_("Find a country"))
            self.fields["countries"].choices = [(c.code, c.name(language)) for c in countries]
        if "target_embassies" in self.fields:
            embassies = sorted(Embassy.objects.filter(active=True), key=lambda e: e.name_in(language).casefold())
            self.fields["target_embassies"].widget = SearchableCheckboxes(search_label=_("Find an embassy"))
            self.fields["target_embassies"].choices = [(e.pk, e.name_in(language)) for e in embassies]
        if "social_text" in self.fields:
            self.fields["social_text"].widget = SocialTextWidget(attrs={"maxlength": 240})
        self.malformed: set[str] = set()

    def _widget_data_value(self, widget, html_name):
        if not isinstance(widget, BlockWidget | BaseChooser):
            return super()._widget_data_value(widget, html_name)
        try:
            if isinstance(widget, BlockWidget):
                stream_data_check(widget.block_def, self.data, html_name)
            value = super()._widget_data_value(widget, html_name)
            if isinstance(widget, BaseChooser) and value not in (None, "") and not str(value).isdigit():
                raise ValueError(value)  # a chosen object's id; the chooser would look anything else up and fail
            return value
        except (KeyError, ValueError, TypeError, IndexError, AttributeError):
            self.malformed.add(html_name)
            return widget.block_def.get_default() if isinstance(widget, BlockWidget) else None

    def clean(self):
        cleaned = super().clean()
        for name in self.malformed:
            self.add_error(name if name in self.fields else None, _("This part arrived incomplete; try again."))
        return cleaned


class StoryPage(TranslatedPagesMixin, Page):
    standfirst = models.TextField(max_length=400, help_text=_("One or two sentences that open the story."))
    hero_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hero_alt = models.CharField(
        _("hero image alt text"),
        max_length=250,
        blank=True,
        help_text=_("Describe the image for people who cannot see it."),
    )
    hero_credit = models.CharField(_("hero image credit"), max_length=120, blank=True)
    body = StreamField(StoryBodyBlock(), blank=True)
    topics = ClusterTaggableManager(through=StoryTopic, blank=True)
    countries = ParentalManyToManyField(Country, blank=True, related_name="stories")
    featured = models.BooleanField(default=False)
    social_text = models.CharField(
        max_length=240,
        blank=True,
        help_text=_("A short text for social networks; the standfirst is used when empty."),
    )
    hashtags = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_hashtags],
        help_text=_("Hashtags for social networks, separated by spaces."),
    )
    target = models.CharField(
        _("send to"),
        max_length=10,
        default="all",
        choices=[("all", _("All embassies")), ("regions", _("Embassies in regions")), ("list", _("Chosen embassies"))],
    )
    target_regions = BoundedJSONField(
        _("regions"), default=list, blank=True, help_text=_('Region codes, e.g. ["europe"].')
    )
    target_embassies = ParentalManyToManyField("embassies.Embassy", blank=True, related_name="+")
    sensitive_everywhere = models.BooleanField(
        _("sensitive everywhere"),
        default=False,
        help_text=_(
            "Every embassy's posts of this story wait for its head of mission. Embassies in the countries "
            "concerned always do."
        ),
    )

    search_fields = Page.search_fields + [
        index.SearchField("standfirst"),
        index.SearchField("body"),
        index.AutocompleteField("standfirst"),
        index.RelatedFields("topics", [index.SearchField("name")]),
    ]
    content_panels = Page.content_panels + [
        FieldPanel("standfirst"),
        MultiFieldPanel([FieldPanel("topics"), FieldPanel("countries")], heading=_("What the story is about")),
        MultiFieldPanel(
            [FieldPanel("hero_image"), FieldPanel("hero_alt"), FieldPanel("hero_credit")],
            heading=_("Hero image"),
        ),
        FieldPanel("body"),
    ]
    promote_panels = Page.promote_panels + [
        MultiFieldPanel(
            [FieldPanel("featured")],
            heading=_("Classification"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("social_text"),
                FieldPanel("hashtags"),
                FieldPanel("target"),
                FieldPanel("target_regions"),
                FieldPanel("target_embassies"),
                FieldPanel("sensitive_everywhere", permission="portal.mark_story_sensitive"),
            ],
            heading=_("Social networks"),
        ),
    ]
    parent_page_types = ["portal.StoryIndexPage"]
    subpage_types: list[str] = []
    base_form_class = StoryPageForm

    class Meta:
        permissions = [("mark_story_sensitive", _("Can mark a story sensitive everywhere (#NoHarm)"))]

    @property
    def summary(self) -> str:
        return self.search_description or self.standfirst

    def hashtag_list(self) -> list[str]:
        return [f"#{tag.lstrip('#')}" for tag in self.hashtags.split() if tag.lstrip("#")]

    @property
    def story_index(self) -> Page:
        return getattr(self, "routed_parent", None) or self.get_parent()

    def permissions_for_user(self, user):
        return StoryPermissionTester(user, self)

    def save(self, *args, **kwargs):
        # A new story (added, copied, aliased or translated) starts as a draft: publishing it is the only way live.
        if self._state.adding:
            self.live, self.has_unpublished_changes = False, True
        return super().save(*args, **kwargs)

    def publish(self, revision, user=None, *args, **kwargs):
        review.story_publication_check(revision=revision, user=user)
        return super().publish(revision, user, *args, **kwargs)


class ForcedPublication(models.Model):
    """A story published without review (force-publish): flagged until a second approver approves it."""

    story = models.ForeignKey(StoryPage, on_delete=models.CASCADE, related_name="forced_publications")
    revision = models.ForeignKey("wagtailcore.Revision", null=True, on_delete=models.SET_NULL, related_name="+")
    forced_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    forced_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(max_length=review.REASON_MAX)
    # Who wrote what was forced out (portal.review.story_writers at that moment): none of them approves it afterwards.
    writer_ids = models.JSONField(default=list, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-forced_at"]
        default_permissions: list[str] = []
        permissions = [("force_publish", _("Can publish a story without review, giving a reason"))]

    def __str__(self) -> str:
        return f"{self.story} published without review"


class SecondEyesApprovalTask(AbstractGroupApprovalTask):
    """Group approval in which nobody approves a story they wrote or submitted any part of (portal.review decides)."""

    def get_actions(self, obj, user):
        if review.story_second_eyes_refusal(story=obj, user=user):
            return []
        return super().get_actions(obj, user)

    def on_action(self, task_state, user, action_name, **kwargs):
        if action_name == "approve":
            review.story_second_eyes_check(story=task_state.workflow_state.content_object, user=user)
        return super().on_action(task_state, user, action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        return super().get_task_states_user_can_moderate(user, **kwargs).exclude(workflow_state__requested_by=user)

    @classmethod
    def get_description(cls):
        return _("Members of the chosen groups approve, but never their own submission")

    class Meta:
        verbose_name = _("Second-eyes approval task")
        verbose_name_plural = _("Second-eyes approval tasks")
