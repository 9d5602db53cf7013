"""No POST of ours answers 500: every POST endpoint of our own views and of the story editor, with its fields missing,
empty, oversized and of the wrong type; and the review's action details malformed."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from wagtail.models import Workflow

from embassies.models import EmbassyMembership, SocialAccount
from portal.models import StoryPage
from publishing.models import Distribution, Hold, Post
from tests.factories import UserFactory, embassy_make, portal_tree_build

FIELD = re.compile(r"""<(?:input|textarea|select)\b[^>]*\bname="([^"]+)\"""")
OVERSIZED = "x" * 20_000


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture
def world(db):
    """A portal with a live story and a draft in review, an embassy with its accounts and posts, and a hold."""
    tree = portal_tree_build(languages=("en", "fr"))
    story = tree.story_add(slug="s", texts={"en": ("Story", "Standfirst."), "fr": ("Récit", "Chapeau.")})["en"]
    paris = embassy_make("paris", "FR", "Paris", "Europe/Paris")
    accounts = {}
    for network in ("facebook", "x"):
        account = SocialAccount(embassy=paris, network=network, external_id=f"{network}-paris", display_name="Paris")
        account.credentials_set({"access_token": "t"})
        account.save()
        accounts[network] = account
    distribution = Distribution.objects.get(story=story)
    post = Post.objects.create(
        distribution=distribution,
        account=accounts["x"],
        embassy=paris,
        network="x",
        language="en",
        text="Hello https://news.example.org/en/s/",
        link="https://news.example.org/en/s/",
    )
    editor = UserFactory(username="editor", groups=["Ministry editors"])
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    staff = UserFactory(username="anna")
    staff.groups.add(Group.objects.get(name="Embassy staff"))
    EmbassyMembership.objects.create(user=staff, embassy=paris)
    draft = StoryPage(title="Draft", slug="draft", standfirst="In review.", live=False)
    tree.index.add_child(instance=draft)
    draft.save_revision(user=editor)
    state = Workflow.objects.get(name="Ministry review").start(draft, editor)
    hold = Hold.objects.create(scope="embassy", embassy=paris, reason="Typhoon", set_by=admin)
    return {
        "tree": tree,
        "story": story,
        "draft": draft,
        "task_state": state.current_task_state,
        "paris": paris,
        "post": post,
        "distribution": distribution,
        "hold": hold,
        "admin": admin,
        "staff": staff,
        "accounts": accounts,
    }


def endpoints(world) -> list[tuple[str, str]]:
    """(who, URL) for every POST endpoint of our own views, the viewsets' forms and the story editor."""
    index, story, draft, paris = world["tree"].index, world["story"], world["draft"], world["paris"]
    return [
        ("admin", reverse("publishing_post_approve", args=(world["post"].pk,))),
        ("admin", reverse("publishing_post_skip", args=(world["post"].pk,))),
        ("staff", reverse("publishing_post_approve", args=(world["post"].pk,))),
        ("staff", reverse("publishing_bulk_approve")),
        ("admin", reverse("publishing_text_length")),
        ("admin", reverse("publishing_story_preview")),
        ("admin", reverse("publishing_recall", args=(world["distribution"].pk,))),
        ("admin", reverse("publishing_holds")),
        ("admin", reverse("publishing_hold_release", args=(world["hold"].pk,))),
        ("admin", reverse("reach_retired_forget", args=(1,))),
        ("admin", reverse("embassies_connect_start", args=(paris.pk, "facebook"))),
        ("admin", reverse("embassies_connect_choose_page", args=(paris.pk,))),
        ("admin", reverse("embassies_embassy:add")),
        ("admin", reverse("embassies_embassy:edit", args=(paris.pk,))),
        ("staff", reverse("embassies_embassy:edit", args=(paris.pk,))),
        ("admin", reverse("embassies_account:edit", args=(world["accounts"]["x"].pk,))),
        ("admin", reverse("portal_force_publish", args=(draft.pk,))),
        ("admin", reverse("portal_translation_submit", args=(1,))),
        ("admin", reverse("signin_recovery_codes")),
        ("admin", reverse("wagtailadmin_pages:add", args=("portal", "storypage", index.pk))),
        ("admin", reverse("wagtailadmin_pages:edit", args=(story.pk,))),
        ("admin", reverse("wagtailadmin_pages:edit", args=(draft.pk,))),
        ("admin", reverse("wagtailadmin_pages:workflow_action", args=(draft.pk, "approve", world["task_state"].pk))),
        ("admin", reverse("wagtailadmin_pages:workflow_action", args=(draft.pk, "reject", world["task_state"].pk))),
    ]


def variants(fields: list[str]) -> dict[str, dict]:
    every = fields or ["text", "reason", "post", "when", "name", "comment"]
    return {
        "missing": {},
        "empty": {name: "" for name in every},
        "oversized": {name: OVERSIZED for name in every},
        "wrongly typed": {name: ["not-a-number", "[]", "{", "-1", "9" * 30] for name in every},
        "nul": {name: "a\x00b" for name in every},
    }


def test_no_post_endpoint_answers_500(world):
    clients = {}
    for who in ("admin", "staff"):
        clients[who] = Client(raise_request_exception=False)
        clients[who].force_login(world[who])
    checked = 0
    for who, url in endpoints(world):
        client = clients[who]
        page = client.get(url)
        fields = sorted(set(FIELD.findall(page.content.decode(errors="replace")))) if page.status_code == 200 else []
        for name, data in variants(fields).items():
            response = client.post(url, data)
            assert response.status_code < 500, f"{who} POST {url} ({name}): {response.status_code}"
            checked += 1
    assert checked >= 100


def story_edit_data(client, url: str) -> dict:
    """The edit form's own fields as the browser would post them (first value of each)."""
    html = client.get(url).content.decode()
    data = {}
    for match in re.finditer(r"""<input\b[^>]*\bname="([^"]+)"[^>]*>""", html):
        tag = match.group(0)
        if 'type="checkbox"' in tag or 'type="radio"' in tag or 'type="file"' in tag:
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        data.setdefault(match.group(1), value.group(1) if value else "")
    for match in re.finditer(r"""<textarea\b[^>]*\bname="([^"]+)"[^>]*>([^<]*)</textarea>""", html):
        data.setdefault(match.group(1), match.group(2))
    return data


@pytest.mark.parametrize(
    "change",
    [
        {"body-count": None},
        {"body-count": "abc"},
        {"body-count": "3"},
        {"body-count": "-1"},
        {"body-count": "99999999999999999999"},
        {"body-count": "1", "body-0-type": None},
        {"body-count": "1", "body-0-type": "no-such-block", "body-0-deleted": "", "body-0-order": "x"},
    ],
    ids=lambda change: ",".join(f"{k}={v}" for k, v in change.items()),
)
def test_a_malformed_story_body_is_the_form_again_with_an_error(world, change):
    client = Client(raise_request_exception=False)
    client.force_login(world["admin"])
    url = reverse("wagtailadmin_pages:edit", args=(world["draft"].pk,))
    data = story_edit_data(client, url)
    assert "title" in data
    for key, value in change.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    response = client.post(url, {**data, "action-save": "1"})
    assert response.status_code in (200, 400), response.status_code
    assert "error" in response.content.decode().lower()


@pytest.mark.parametrize(
    "extra",
    ["[]", '"approve"', "1", nested(100_000), '{"comment": {"deep": []}}', "{", "x" * 20_000, '{"nope": 1}'],
    ids=["list", "string", "number", "deeply-nested", "nested-value", "broken", "oversized", "unknown-key"],
)
def test_malformed_review_action_details_are_a_400(world, extra):
    client = Client(raise_request_exception=False)
    approver = UserFactory(username="approver", groups=["Ministry approvers"])
    client.force_login(approver)
    url = reverse("wagtailadmin_pages:edit", args=(world["draft"].pk,))
    data = story_edit_data(client, url)
    response = client.post(
        url,
        {**data, "action-workflow-action": "1", "workflow-action-name": "approve", "workflow-action-extra-data": extra},
    )
    assert response.status_code < 500, response.status_code
    assert not StoryPage.objects.get(pk=world["draft"].pk).live
