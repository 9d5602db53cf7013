"""Tokens are stored only encrypted and never appear in a dump, a log line, a page or an export; keys rotate."""

import io
import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from embassies.credentials import CredentialsUnreadable, credentials_decrypt
from embassies.models import SocialAccount
from portal.logs import redact
from publishing.channels import channel_for_account
from tests.factories import UserFactory, baseline_ensure, embassy_make

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TOKEN = "EAAB-page-token-0123456789-abcdefghijklmnop"
REFRESH = "refresh-token-0123456789-abcdefghijklmnop"


@pytest.fixture
def account(db, settings):
    settings.CREDENTIALS_KEYS = [OLD_KEY]
    baseline_ensure()
    embassy = embassy_make("nairobi", "KE", "Nairobi", "Africa/Nairobi")
    account = SocialAccount(
        embassy=embassy, network="x", external_id="42", handle="@embnairobi", display_name="Nairobi"
    )
    account.credentials_set({"access_token": TOKEN, "refresh_token": REFRESH})
    account.save()
    return account


def raw_rows() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM embassies_socialaccount")
        return repr(cursor.fetchall())


def test_database_holds_only_ciphertext(account):
    rows = raw_rows()
    assert TOKEN not in rows and REFRESH not in rows
    assert SocialAccount.objects.get(pk=account.pk).credentials_get() == {
        "access_token": TOKEN,
        "refresh_token": REFRESH,
    }


def test_a_database_dump_has_no_token(account):
    out = io.StringIO()
    call_command("dumpdata", "embassies", stdout=out)
    assert "credentials_ciphertext" in out.getvalue()
    assert TOKEN not in out.getvalue() and REFRESH not in out.getvalue()


def test_admin_pages_and_exports_never_render_a_token(account, client):
    client.force_login(UserFactory(username="root", is_superuser=True))
    pages = [
        reverse("embassies_account:index"),
        reverse("embassies_account:index") + "?export=csv",
        reverse("embassies_account:index") + "?export=xlsx",
        reverse("embassies_account:edit", args=(account.pk,)),
        reverse("embassies_account:inspect", args=(account.pk,)),
        reverse("embassies_account:history", args=(account.pk,)),
        reverse("embassies_accounts", args=(account.embassy_id,)),
        reverse("embassies_account_health"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert TOKEN.encode() not in body and REFRESH.encode() not in body, url
        assert account.credentials_ciphertext.encode() not in body, url


def test_channel_errors_and_logs_never_carry_the_token(account, caplog, settings):
    settings.X_API_URL = "http://127.0.0.1:9"  # nothing listens: the call fails after building the request
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Exception) as caught:
        channel_for_account(account).publish(text="hello")
    assert TOKEN not in str(caught.value)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert TOKEN not in logged


def test_the_log_filter_masks_credentials_whatever_logged_them():
    line = f"GET /v25.0/me?access_token={TOKEN}&fields=id Authorization: Bearer {TOKEN} refresh_token={REFRESH}"
    cleaned = redact(line)
    assert TOKEN not in cleaned and REFRESH not in cleaned
    assert cleaned.count("[redacted]") == 3


def test_rotation_reencrypts_under_the_newest_key(account, settings):
    before = SocialAccount.objects.get(pk=account.pk).credentials_ciphertext
    settings.CREDENTIALS_KEYS = [NEW_KEY, OLD_KEY]
    assert SocialAccount.objects.get(pk=account.pk).credentials_get()["access_token"] == TOKEN  # old key still reads
    call_command("rotate_credentials", stdout=io.StringIO())
    after = SocialAccount.objects.get(pk=account.pk).credentials_ciphertext
    assert after != before
    settings.CREDENTIALS_KEYS = [NEW_KEY]  # the old key is retired
    assert SocialAccount.objects.get(pk=account.pk).credentials_get()["refresh_token"] == REFRESH
    with pytest.raises(CredentialsUnreadable):
        credentials_decrypt(before)


def test_rotation_reencrypts_the_second_factor_secrets_too(account, settings):
    from signin.models import AuthenticatorDevice
    from signin.services import recovery_codes_issue
    from tests.factories import UserFactory

    settings.CREDENTIALS_KEYS = [OLD_KEY]
    user = UserFactory(username="rotated")
    device = AuthenticatorDevice(user=user, name="phone", confirmed=True)
    device.secret_set(b"s" * 20)
    device.save()
    codes = recovery_codes_issue(user=user)
    settings.CREDENTIALS_KEYS = [NEW_KEY, OLD_KEY]
    call_command("rotate_credentials", stdout=io.StringIO())
    settings.CREDENTIALS_KEYS = [NEW_KEY]  # the old key is retired: the second factor still works
    assert AuthenticatorDevice.objects.get(pk=device.pk).secret_get() == b"s" * 20
    assert user.recoverycodes_set.get().codes_get() == codes
