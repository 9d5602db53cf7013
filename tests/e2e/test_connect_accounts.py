"""Embassy staff connect a Facebook Page and an X account through the real login flows against the sandbox."""

import pytest
from django.contrib.auth.models import Group

from embassies.models import EmbassyMembership, SocialAccount
from tests.factories import UserFactory, baseline_ensure, embassy_make

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(db):
    baseline_ensure()
    embassy = embassy_make("nairobi", "KE", "Nairobi", "Africa/Nairobi")
    user = UserFactory(username="wanjiru", password="correct horse battery")
    user.groups.add(Group.objects.get(name="Embassy staff"))
    EmbassyMembership.objects.create(user=user, embassy=embassy)
    return user, embassy


def test_staff_connects_the_embassy_facebook_page(live_server, page, sandbox, staff, log_in):
    user, embassy = staff
    sandbox.account("facebook", "Embassy in Kenya")
    sandbox.account("facebook", "Another ministry page")
    log_in(page, user.username)

    page.goto(f"{live_server.url}/admin/embassies/{embassy.pk}/accounts/")
    page.get_by_role("button", name="Connect Facebook Page").click()
    page.wait_for_url("**/dialog/oauth**")
    page.get_by_role("button", name="Continue as Sandbox Admin").click()
    page.wait_for_url("**/connect/facebook/page/")
    page.get_by_label("Embassy in Kenya").check()
    page.get_by_role("button", name="Connect this Page").click()
    page.wait_for_url(f"**/admin/embassies/{embassy.pk}/accounts/")
    assert "Connected the Page Embassy in Kenya" in page.content()

    account = SocialAccount.objects.get(embassy=embassy, network="facebook")
    expected = next(a for a in sandbox.server.sandbox.store.accounts("facebook") if a.name == "Embassy in Kenya")
    assert account.external_id == expected.id and account.status == "connected"
    token = account.credentials_get()["access_token"]
    assert sandbox.server.sandbox.store.token_valid(token, "fb_page").account_id == expected.id
    assert token not in page.content()


def test_staff_connects_the_embassy_x_account_with_pkce(live_server, page, sandbox, staff, log_in):
    user, embassy = staff
    sandbox.account("x", "Other embassy", username="otheremb")
    sandbox.account("x", "Embassy in Kenya", username="embkenya")
    log_in(page, user.username)

    page.goto(f"{live_server.url}/admin/embassies/{embassy.pk}/accounts/")
    page.get_by_role("button", name="Connect X account").click()
    page.wait_for_url("**/i/oauth2/authorize**")
    assert "code_challenge_method=S256" in page.url
    page.get_by_label("Embassy in Kenya (@embkenya)").check()
    page.get_by_role("button", name="Authorize app").click()
    page.wait_for_url(f"**/admin/embassies/{embassy.pk}/accounts/")
    assert "Connected @embkenya" in page.content()

    account = SocialAccount.objects.get(embassy=embassy, network="x")
    assert account.handle == "@embkenya" and account.status == "connected"
    credentials = account.credentials_get()
    assert sandbox.server.sandbox.store.token_valid(credentials["access_token"], "x_access") is not None
    assert sandbox.server.sandbox.store.token(credentials["refresh_token"]).kind == "x_refresh"
