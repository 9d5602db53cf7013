"""Builders for test data: a small portal tree with translated stories, and users in each ministry role."""

import importlib
import io
from dataclasses import dataclass, field

import factory
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Collection, Locale, Page, Site

from embassies.models import Embassy
from portal.models import Country, HomePage, StoryIndexPage, StoryPage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@ministry.example")
    password = factory.django.Password("pw-for-tests-only")

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        if create and names:
            self.groups.add(*Group.objects.filter(name__in=names))


def embassy_make(slug: str, country: str, city: str, zone: str) -> Embassy:
    return Embassy.objects.create(
        name=f"Embassy in {city}",
        slug=slug,
        country=Country.objects.get(code=country),
        city=city,
        region="europe",
        time_zone=zone,
        posting_languages=["en"],
    )


def image_make(title: str = "Hero", size: tuple[int, int] = (1600, 900)) -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (31, 95, 168)).save(buffer, format="PNG")
    image = Image(title=title)
    image.file = ImageFile(buffer, name=f"{title.lower()}.png")
    image.save()
    return image


@dataclass
class PortalTree:
    locales: dict[str, Locale]
    home: HomePage
    index: StoryIndexPage
    homes: dict[str, HomePage] = field(default_factory=dict)
    indexes: dict[str, StoryIndexPage] = field(default_factory=dict)

    def story_add(
        self, *, slug: str, texts: dict[str, tuple[str, str]], topics=(), countries=(), image=None, **fields
    ) -> dict[str, StoryPage]:
        """Adds a story in English with translations; `texts` maps language to (title, standfirst)."""
        title, standfirst = texts["en"]
        story = StoryPage(
            title=title,
            slug=slug,
            standfirst=standfirst,
            hero_image=image,
            hero_alt=title,
            body=[("paragraph", f"<p>{standfirst}</p>")],
            locale=self.locales["en"],
            **fields,
        )
        self.index.add_child(instance=story)
        story.topics.add(*topics)
        story.countries.set(Country.objects.filter(code__in=countries))
        story.save_revision().publish()
        pages = {"en": story}
        for code, (t_title, t_standfirst) in texts.items():
            if code == "en":
                continue
            translation = story.copy_for_translation(self.locales[code])
            translation.title, translation.standfirst = t_title, t_standfirst
            translation.body = [("paragraph", f"<p>{t_standfirst}</p>")]
            translation.save_revision().publish()
            pages[code] = translation
        return pages


def baseline_ensure() -> None:
    """What migrations put in a fresh database (root page, groups, review workflow), for tests that run
    after a transactional test has emptied every table."""
    ContentType.objects.clear_cache()
    english, _ = Locale.objects.get_or_create(language_code="en")
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", locale=english, live=True))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    for migration in (
        "portal.migrations.0002_countries_groups_workflow",
        "embassies.migrations.0002_embassy_staff_group",
        "publishing.migrations.0006_grant_roles",
        "publishing.migrations.0011_sensitivity_roles",
        "portal.migrations.0007_editor_tools",
        "publishing.migrations.0013_reach",
    ):
        importlib.import_module(migration).seed(apps, None)


def portal_tree_build(languages=("en", "ar", "fr", "de", "sv")) -> PortalTree:
    baseline_ensure()
    locales = {code: Locale.objects.get_or_create(language_code=code)[0] for code in languages}
    root = Page.get_first_root_node()
    Page.objects.filter(depth=2).delete()
    home = root.add_child(instance=HomePage(title="Ministry", slug="home", locale=locales["en"]))
    home.save_revision().publish()
    Site.objects.all().delete()
    Site.objects.create(hostname="testserver", port=80, root_page=home, is_default_site=True)
    index = home.add_child(instance=StoryIndexPage(title="Stories", slug="stories", locale=locales["en"]))
    index.save_revision().publish()
    tree = PortalTree(locales=locales, home=home, index=index, homes={"en": home}, indexes={"en": index})
    for code in languages:
        if code == "en":
            continue
        home_t = home.copy_for_translation(locales[code])
        home_t.save_revision().publish()
        index_t = index.copy_for_translation(locales[code])
        index_t.save_revision().publish()
        tree.homes[code], tree.indexes[code] = home_t, index_t
    return tree
