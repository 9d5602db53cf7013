"""Builds the demo site tree, stories and users; running it twice changes nothing."""

import io
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images.models import Image
from wagtail.models import Locale, Page, Site

from portal.models import Country, HomePage, StoryIndexPage, StoryPage

from .stories import HOME, INDEX, STORIES

DEMO_PASSWORD = "chancery-demo"
DEMO_USERS = [
    # username, group, superuser
    ("admin", None, True),
    ("editor", "Ministry editors", False),
    ("approver", "Ministry approvers", False),
    ("lead", "Communications leads", False),
]


def locales_ensure() -> dict[str, Locale]:
    return {code: Locale.objects.get_or_create(language_code=code)[0] for code, _name in settings.LANGUAGES}


def demo_image(*, title: str, colour: tuple[int, int, int]) -> Image:
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    width, height = 1600, 900
    canvas = PILImage.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(canvas)
    for step in range(0, height, 6):
        shade = tuple(min(255, int(c + (255 - c) * step / height * 0.5)) for c in colour)
        draw.rectangle([0, step, width, step + 6], fill=shade)
    draw.ellipse([width * 0.55, height * 0.15, width * 0.95, height * 0.85], outline=(255, 255, 255), width=12)
    draw.rectangle([80, height - 220, width * 0.5, height - 180], fill=(255, 255, 255))
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=85)
    image = Image(title=title)
    image.file = ImageFile(buffer, name=f"{title.lower().replace(' ', '-')}.jpg")
    image.save()
    return image


def _publish(page: Page) -> None:
    page.save_revision().publish()


def _translation(source: Page, locale: Locale) -> Page:
    existing = source.get_translation_or_none(locale)
    if existing:
        return existing.specific
    return source.copy_for_translation(locale, copy_parents=False, alias=False)


def site_tree_ensure(locales: dict[str, Locale]) -> tuple[HomePage, StoryIndexPage]:
    root = Page.get_first_root_node()
    home = HomePage.objects.filter(locale=locales["en"]).first()
    if home is None:
        # Wagtail's placeholder welcome page takes the slug a real home page needs.
        Page.objects.filter(depth=2, content_type__model="page", content_type__app_label="wagtailcore").delete()
        title, intro = HOME["en"]
        home = root.add_child(instance=HomePage(title=title, slug="home", intro=intro, locale=locales["en"]))
        _publish(home)
    base = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname = base.hostname or "localhost"
    site.port = base.port or (443 if base.scheme == "https" else 80)
    site.root_page = home
    site.site_name = HOME["en"][0]
    site.save()

    index = StoryIndexPage.objects.filter(locale=locales["en"]).first()
    if index is None:
        index = home.add_child(instance=StoryIndexPage(title=INDEX["en"], slug="stories", locale=locales["en"]))
        _publish(index)

    for code, locale in locales.items():
        if code == "en":
            continue
        if home.get_translation_or_none(locale) is None:
            home_t = _translation(home, locale)
            home_t.title, home_t.intro = HOME[code]
            _publish(home_t)
        if index.get_translation_or_none(locale) is None:
            index_t = _translation(index, locale)
            index_t.title = INDEX[code]
            _publish(index_t)
    return home, index


def story_ensure(*, index: StoryIndexPage, locales: dict[str, Locale], spec: tuple, age: timedelta) -> StoryPage:
    slug, topics, countries, hashtags, featured, colour, texts = spec
    story = StoryPage.objects.filter(slug=slug, locale=locales["en"]).first()
    title, standfirst, paragraph = texts["en"]
    if story is None:
        image = demo_image(title=f"Story {slug}", colour=colour)
        story = StoryPage(
            title=title,
            slug=slug,
            standfirst=standfirst,
            hero_image=image,
            hero_alt=title,
            hero_credit="Ministry for Foreign Affairs",
            body=[("paragraph", f"<p>{paragraph}</p>")],
            featured=featured,
            hashtags=hashtags,
            locale=locales["en"],
        )
        index.add_child(instance=story)
        story.topics.add(*topics)
        story.countries.set(Country.objects.filter(code__in=countries))
        _publish(story)
    for code, (t_title, t_standfirst, t_paragraph) in texts.items():
        if code == "en" or story.get_translation_or_none(locales[code]):
            continue
        translation = _translation(story, locales[code])
        translation.title, translation.standfirst, translation.hero_alt = t_title, t_standfirst, t_title
        translation.body = [("paragraph", f"<p>{t_paragraph}</p>")]
        _publish(translation)
    published_at = timezone.now() - age
    StoryPage.objects.filter(translation_key=story.translation_key, first_published_at__gt=published_at).update(
        first_published_at=published_at
    )
    return story


def users_ensure() -> list[tuple[str, str]]:
    logins = []
    for username, group_name, superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@ministry.example", "is_staff": superuser, "is_superuser": superuser},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if group_name:
            user.groups.add(Group.objects.get(name=group_name))
        logins.append((username, group_name or "administrator"))
    return logins


@transaction.atomic
def demo_site_load() -> list[tuple[str, str]]:
    locales = locales_ensure()
    _home, index = site_tree_ensure(locales)
    for position, spec in enumerate(STORIES):
        story_ensure(index=index, locales=locales, spec=spec, age=timedelta(days=position * 2, hours=3))
    return users_ensure()
