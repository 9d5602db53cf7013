"""Embassy staff connect a Facebook Page and an X account through the real login flows against the sandbox."""

import pytest
from django.contrib.auth.models import Group

from embassies.models import EmbassyMembership, SocialAccount
from tests.factories import UserFactory, baseline_ensure
from tests.sandbox import free_port
from tests.unit.test_embassy_scoping import embassy_make

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(tmp_path, settings):
    from publishing.channels.facebook import graph_base_url_apply
    from publishing.sandbox.server import serve_in_thread

    port = free_port()
    server = serve_in_thread("127.0.0.1", port, tmp_path / "sandbox.sqlite3")
    url = f"http://127.0.0.1:{port}"
    settings.FACEBOOK_GRAPH_URL = settings.FACEBOOK_WWW_URL = f"{url}/"
    settings.X_API_URL = url
    settings.X_AUTHORIZE_URL = f"{url}/i/oauth2/authorize"
    settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET = "100200300", "app-secret"
    settings.X_CLIENT_ID = "chancery-tests"
    graph_base_url_apply()
    yield server.sandbox
    server.shutdown()
    server.server_close()


@pytest.fixture
def staff(db):
    baseline_ensure()
    embassy = embassy_make("nairobi", "KE", "Nairobi", "Africa/Nairobi")
    user = UserFactory(username="wanjiru", password="correct horse battery")
    user.groups.add(Group.objects.get(name="Embassy staff"))
    EmbassyMembership.objects.create(user=user, embassy=embassy)
    return user, embassy


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/admin/")


def test_staff_connects_the_embassy_facebook_page(live_server, page, sandbox, staff):
    user, embassy = staff
    sandbox.account_create({"network": "facebook", "name": "Embassy in Kenya"})
    sandbox.account_create({"network": "facebook", "name": "Another ministry page"})
    log_in(page, live_server, user.username)

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
    expected = next(a for a in sandbox.store.accounts("facebook") if a.name == "Embassy in Kenya")
    assert account.external_id == expected.id and account.status == "connected"
    token = account.credentials_get()["access_token"]
    assert sandbox.store.token_valid(token, "fb_page").account_id == expected.id
    assert token not in page.content()


def test_staff_connects_the_embassy_x_account_with_pkce(live_server, page, sandbox, staff):
    user, embassy = staff
    sandbox.account_create({"network": "x", "name": "Other embassy", "username": "otheremb"})
    sandbox.account_create({"network": "x", "name": "Embassy in Kenya", "username": "embkenya"})
    log_in(page, live_server, user.username)

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
    assert sandbox.store.token_valid(credentials["access_token"], "x_access") is not None
    assert sandbox.store.token(credentials["refresh_token"]).kind == "x_refresh"
