"""An unpublished story is a secret: staff and anyone without rights on it see nothing of a draft in the admin."""

import re

from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse

from embassies.models import EmbassyMembership
from portal.models import StoryPage
from tests.factories import UserFactory, embassy_make, portal_tree_build

SECRET = "Secret draft on the border talks"


class DraftSecrecyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en",))
        cls.tree.story_add(slug="public-story", texts={"en": ("Public statement", "Already out.")})
        cls.draft = StoryPage(title=SECRET, slug="border-talks", standfirst="Not yet.")
        cls.tree.index.add_child(instance=cls.draft)
        cls.draft.save_revision()
        cls.staff = UserFactory(username="staff-paris")
        cls.staff.groups.add(Group.objects.get(name="Embassy staff"))
        EmbassyMembership.objects.create(user=cls.staff, embassy=embassy_make("paris", "FR", "Paris", "Europe/Paris"))
        cls.editor = UserFactory(username="editor", groups=["Ministry editors"])

    def urls(self) -> list[str]:
        index, draft = self.tree.index.pk, self.draft.pk
        return [
            reverse("wagtailadmin_choose_page"),
            reverse("wagtailadmin_choose_page_child", args=(index,)),
            reverse("wagtailadmin_choose_page_search") + "?q=border",
            reverse("wagtailadmin_choose_page_search") + "?q=Secret",
            reverse("wagtailadmin_pages:search") + "?q=border",
            reverse("wagtailadmin_explore", args=(index,)),
            reverse("wagtailadmin_pages:usage", args=(draft,)),
            reverse("wagtailadmin_pages:history", args=(draft,)),
            reverse("wagtailadmin_pages:edit", args=(draft,)),
            reverse("wagtailadmin_pages:preview_on_edit", args=(draft,)),
            reverse("wagtailadmin_pages:revisions_index", args=(draft,)),
            reverse("wagtailadmin_reports:locked_pages"),
            reverse("wagtailadmin_reports:aging_pages"),
            reverse("wagtailadmin_reports:site_history"),
            reverse("wagtailadmin_reports:page_types_usage"),
            reverse("wagtailadmin_home"),
            reverse("publishing_holds"),
        ]

    def test_staff_see_no_draft_title_anywhere(self):
        self.client.force_login(self.staff)
        for url in self.urls():
            response = self.client.get(url, headers={"x-requested-with": "XMLHttpRequest"})
            body = response.content.decode()
            self.assertFalse(SECRET in body or "border-talks" in body, f"{url} shows the draft")

    def test_every_page_data_endpoint_answers_staff_without_the_draft(self):
        """Every admin URL that takes a page, walked with the draft's id (and the API, the chosen-pages answer and
        bulk actions with it in the query): the draft's title and slug appear in none of them."""
        from django.urls import URLPattern, URLResolver, get_resolver

        def walk(resolver, prefix=""):
            for pattern in resolver.url_patterns:
                if isinstance(pattern, URLResolver):
                    yield from walk(pattern, prefix + str(pattern.pattern))
                elif isinstance(pattern, URLPattern):
                    yield prefix + str(pattern.pattern)

        draft, revision = self.draft.pk, self.draft.get_latest_revision().pk
        values = {"page_id": draft, "parent_page_id": draft, "page_to_move_id": draft, "pk": draft,
                  "revision_id": revision, "page_pk": draft, "destination_id": self.tree.index.pk,
                  "task_state_id": 1, "task_id": 1, "workflow_state_id": 1, "workflow_pk": 1,
                  "content_type_app_name": "portal", "content_type_model_name": "storypage",
                  "app_label": "portal", "model_name": "storypage", "action_name": "approve"}
        urls = []
        for route in walk(get_resolver()):
            if not route.startswith("admin/") or "<" not in route or "^" in route:
                continue
            names = re.findall(r"<(?:\w+:)?(\w+)>", route)
            if not any(name in ("page_id", "parent_page_id", "page_to_move_id", "page_pk") for name in names) and \
                    not route.startswith("admin/api/main/^pages"):
                continue
            if not all(name in values for name in names):
                continue
            urls.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route))
        urls += [
            f"/admin/api/main/pages/{draft}/",
            f"/admin/api/main/pages/?child_of={self.tree.index.pk}",
            "/admin/api/main/pages/?search=Secret",
            f"/admin/api/main/pages/find/?id={draft}",
            f"/admin/pages/{draft}/revisions/compare/earliest...latest/",
            f"{reverse('wagtailadmin_choose_page_chosen_multiple')}?id={draft}&id={self.tree.index.pk}",
            f"{reverse('wagtail_bulk_action', args=('wagtailcore', 'page', 'publish'))}?id={draft}",
            f"{reverse('wagtail_bulk_action', args=('wagtailcore', 'page', 'delete'))}?id={draft}",
        ]
        self.assertGreater(len(urls), 30)
        self.client.force_login(self.staff)
        for url in urls:
            for headers in ({}, {"x-requested-with": "XMLHttpRequest"}):
                response = self.client.get(url, headers=headers, follow=True)
                body = response.content.decode()
                self.assertFalse(SECRET in body or "border-talks" in body, f"{url} shows the draft")
        chosen = self.client.get(f"{reverse('wagtailadmin_choose_page_chosen_multiple')}?id={draft}")
        self.assertEqual(chosen.status_code, 404)
        live = self.client.get(f"{reverse('wagtailadmin_choose_page_chosen_multiple')}?id={self.tree.index.pk}")
        self.assertEqual(live.status_code, 200)

    def test_staff_still_choose_live_pages(self):
        self.client.force_login(self.staff)
        response = self.client.get(reverse("wagtailadmin_choose_page_child", args=(self.tree.index.pk,)))
        self.assertContains(response, "Public statement")

    def test_editors_still_find_the_draft(self):
        self.client.force_login(self.editor)
        response = self.client.get(reverse("wagtailadmin_choose_page_search"), {"q": "Secret"})
        self.assertContains(response, SECRET)
