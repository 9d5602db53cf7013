"""An unpublished story is a secret: staff and anyone without rights on it see nothing of a draft in the admin."""

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

    def test_staff_still_choose_live_pages(self):
        self.client.force_login(self.staff)
        response = self.client.get(reverse("wagtailadmin_choose_page_child", args=(self.tree.index.pk,)))
        self.assertContains(response, "Public statement")

    def test_editors_still_find_the_draft(self):
        self.client.force_login(self.editor)
        response = self.client.get(reverse("wagtailadmin_choose_page_search"), {"q": "Secret"})
        self.assertContains(response, SECRET)
