"""Signing in as a ministry can sign off: two factors on both admin doors, lockout, CSP, and an idle timeout."""

import base64
import re
from datetime import timedelta
from unittest import mock

from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP, totp

from portal.models import StoryPage
from signin import services
from signin.models import AuthenticatorDevice, RecoveryCodes
from tests.conftest import password_only_login
from tests.factories import UserFactory, portal_tree_build

PASSWORD = "pw-for-tests-only"


def code_for(device: AuthenticatorDevice, drift: int = 0) -> str:
    return f"{totp(device.secret_get(), 30, 0, 6, drift):06d}"


def code_last_used(device: AuthenticatorDevice) -> str:
    """The code of the time step the device last accepted (the clock may have moved on to the next step since)."""
    device.refresh_from_db()
    oath = TOTP(device.secret_get(), step=30, t0=0, digits=6)
    oath.time = device.last_t * 30
    return f"{oath.token():06d}"


def secret_on_page(html: str) -> bytes:
    text = re.search(r'id="authenticator-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8))


class SecondFactorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        portal_tree_build(languages=("en",))
        cls.editor = UserFactory(username="editor", groups=["Ministry editors"])
        cls.admin = UserFactory(username="admin", is_superuser=True, is_staff=True)

    def enrol(self, user) -> tuple[AuthenticatorDevice, list[str]]:
        password_only_login(self.client, user)
        page = self.client.get(reverse("signin_enrol")).content.decode()
        key = secret_on_page(page)
        response = self.client.post(reverse("signin_enrol"), {"code": f"{totp(key, 30, 0, 6, 0):06d}"})
        codes = re.findall(r"<li><code>([0-9a-f]{10})</code></li>", response.content.decode())
        return AuthenticatorDevice.objects.get(user=user, confirmed=True), codes

    def test_a_password_alone_reaches_no_admin_page_on_either_door(self):
        password_only_login(self.client, self.admin)
        for url in (
            "/admin/",
            "/admin/pages/",
            "/admin/publishing/queue/",
            "/django-admin/",
            "/django-admin/auth/user/",
        ):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertTrue(response["Location"].startswith(reverse("signin_enrol")), (url, response["Location"]))
        self.client.force_login(self.admin)  # both factors
        self.assertEqual(self.client.get("/django-admin/").status_code, 200)
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_the_first_sign_in_enrols_with_a_qr_code_and_the_secret_as_text(self):
        password_only_login(self.client, self.editor)
        page = self.client.get(reverse("signin_enrol"))
        self.assertContains(page, "<svg")
        key = secret_on_page(page.content.decode())
        self.assertEqual(len(key), 20)
        wrong = self.client.post(reverse("signin_enrol"), {"code": "000000" if totp(key) != 0 else "111111"})
        self.assertContains(wrong, "That code is not right", status_code=400)
        self.assertEqual(self.client.get("/admin/").status_code, 302)  # still not in
        # Right after a wrong code even the right one waits a moment (throttling)...
        too_soon = self.client.post(reverse("signin_enrol"), {"code": f"{totp(key, 30, 0, 6, 0):06d}"})
        self.assertEqual(too_soon.status_code, 400)
        # ...and once it has passed, the same pending secret is confirmed.
        earlier = timezone.now() - timedelta(minutes=1)
        AuthenticatorDevice.objects.filter(user=self.editor).update(throttling_failure_timestamp=earlier)
        device, codes = self.enrol(self.editor)
        self.assertEqual(len(codes), 10)
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        # The secret is kept only as ciphertext.
        with connection.cursor() as cursor:
            cursor.execute("SELECT secret_ciphertext FROM signin_authenticatordevice WHERE id = %s", [device.pk])
            stored = cursor.fetchone()[0]
        self.assertNotIn(device.secret_get().hex(), stored)
        self.assertNotIn(base64.b32encode(device.secret_get()).decode().rstrip("="), stored)
        with connection.cursor() as cursor:
            cursor.execute("SELECT codes_ciphertext FROM signin_recoverycodes")
            stored_codes = cursor.fetchone()[0]
        self.assertFalse(any(code in stored_codes for code in codes))

    def test_later_sign_ins_take_a_code_once_or_a_recovery_code_once(self):
        device, codes = self.enrol(self.editor)
        used = code_last_used(device)
        self.client.logout()
        password_only_login(self.client, self.editor)
        self.assertTrue(self.client.get("/admin/")["Location"].startswith(reverse("signin_verify")))
        replay = self.client.post(reverse("signin_verify"), {"code": used})
        self.assertContains(replay, "That code is not right, or was used already", status_code=400)
        AuthenticatorDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        self.assertRedirects(
            self.client.post(reverse("signin_verify"), {"code": code_for(device, drift=1)}),
            reverse("wagtailadmin_home"),
            fetch_redirect_response=False,
        )
        self.client.logout()
        password_only_login(self.client, self.editor)
        RecoveryCodes.objects.filter(user=self.editor).update(throttling_failure_count=0)  # the replay above
        self.client.post(reverse("signin_verify"), {"code": codes[0]})
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        self.assertEqual(len(RecoveryCodes.objects.get(user=self.editor).codes_get()), 9)
        self.client.logout()
        password_only_login(self.client, self.editor)
        RecoveryCodes.objects.filter(user=self.editor).update(throttling_failure_count=0)
        self.assertEqual(self.client.post(reverse("signin_verify"), {"code": codes[0]}).status_code, 400)

    def assert_session_key_rotated(self, before: str) -> None:
        self.assertNotEqual(self.client.session.session_key, before)
        stale = type(self.client)()
        stale.cookies[settings.SESSION_COOKIE_NAME] = before
        self.assertEqual(stale.get("/admin/").status_code, 302)  # the key known before the factor is worth nothing

    def test_the_session_key_changes_when_the_second_factor_is_given(self):
        password_only_login(self.client, self.editor)
        before = self.client.session.session_key
        page = self.client.get(reverse("signin_enrol")).content.decode()
        self.client.post(reverse("signin_enrol"), {"code": f"{totp(secret_on_page(page), 30, 0, 6, 0):06d}"})
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        self.assert_session_key_rotated(before)

        device = AuthenticatorDevice.objects.get(user=self.editor, confirmed=True)
        self.client.logout()
        password_only_login(self.client, self.editor)
        before = self.client.session.session_key
        self.client.post(reverse("signin_verify"), {"code": code_for(device, drift=1)})
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        self.assert_session_key_rotated(before)

        codes = services.recovery_codes_issue(user=self.editor)
        self.client.logout()
        password_only_login(self.client, self.editor)
        before = self.client.session.session_key
        self.client.post(reverse("signin_verify"), {"code": codes[0]})
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        self.assert_session_key_rotated(before)

    def test_an_operator_resets_a_users_second_factor_from_the_command_line(self):
        self.enrol(self.editor)
        call_command("reset_second_factor", "editor", stdout=mock.MagicMock())
        self.assertFalse(AuthenticatorDevice.objects.filter(user=self.editor).exists())
        self.assertFalse(RecoveryCodes.objects.filter(user=self.editor).exists())
        self.client.logout()
        password_only_login(self.client, self.editor)
        self.assertTrue(self.client.get("/admin/")["Location"].startswith(reverse("signin_enrol")))

    def test_enrolling_again_needs_the_current_factor_first(self):
        self.enrol(self.editor)
        self.client.logout()
        password_only_login(self.client, self.editor)
        response = self.client.get(reverse("signin_enrol"))
        self.assertTrue(response["Location"].startswith(reverse("signin_verify")))


@override_settings(AXES_FAILURE_LIMIT=5)
class LockoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        portal_tree_build(languages=("en",))
        cls.editor = UserFactory(username="editor", groups=["Ministry editors"])

    def attempt(self, username="editor", password="wrong-guess", address="10.0.0.1"):
        return self.client.post(
            reverse("wagtailadmin_login"), {"username": username, "password": password}, REMOTE_ADDR=address
        )

    def test_repeated_failures_lock_the_account_even_with_the_right_password_then_an_operator_unlocks(self):
        for _ in range(5):
            self.attempt()
        locked = self.attempt(password=PASSWORD)
        self.assertContains(locked, "Signing in is locked for a while", status_code=429)
        self.assertContains(locked, "ask an operator to unlock it", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)
        # From another address too: the account itself is locked.
        self.assertEqual(self.attempt(password=PASSWORD, address="10.0.0.2").status_code, 429)
        call_command("axes_reset_username", "editor", stdout=mock.MagicMock())
        signed_in = self.attempt(password=PASSWORD, address="10.0.0.2")
        self.assertEqual(signed_in.status_code, 302)
        self.assertIn("_auth_user_id", self.client.session)

    def test_guessing_across_accounts_locks_the_address(self):
        for n in range(5):
            self.attempt(username=f"someone{n}")
        self.assertEqual(self.attempt(password=PASSWORD).status_code, 429)
        self.assertEqual(self.attempt(password=PASSWORD, address="10.0.0.9").status_code, 302)

    def test_the_lockout_lifts_after_the_cool_off(self):
        for _ in range(5):
            self.attempt()
        self.assertEqual(self.attempt(password=PASSWORD).status_code, 429)
        AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))  # time passes
        self.assertEqual(self.attempt(password=PASSWORD).status_code, 302)

    def attempt_through_proxy(self, forwarded: str, password="wrong-guess", username="editor"):
        return self.client.post(
            reverse("wagtailadmin_login"),
            {"username": username, "password": password},
            REMOTE_ADDR="10.9.9.9",  # the reverse proxy
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    @override_settings(TRUSTED_PROXIES=1)
    def test_behind_a_proxy_each_client_is_counted_apart_and_a_spoofed_address_is_not_believed(self):
        for n in range(5):  # someone guessing from one address, naming a victim's address in the header themselves
            self.attempt_through_proxy("192.0.2.1, 198.51.100.7", username=f"someone{n}")
        self.assertEqual(AccessAttempt.objects.get(username="someone0").ip_address, "198.51.100.7")
        self.assertEqual(self.attempt_through_proxy("198.51.100.7", password=PASSWORD).status_code, 429)
        # The victim named in the header, and everyone else behind the same proxy, still sign in.
        self.assertEqual(self.attempt_through_proxy("192.0.2.1", password=PASSWORD).status_code, 302)
        self.client.logout()
        self.assertEqual(self.attempt_through_proxy("203.0.113.5", password=PASSWORD).status_code, 302)

    @override_settings(TRUSTED_PROXIES=2)
    def test_two_proxies_read_the_second_address_from_the_right(self):
        from django.test import RequestFactory

        from signin.addresses import client_ip

        request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5, 10.0.0.1")
        self.assertEqual(client_ip(request), "203.0.113.5")
        short = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
        self.assertEqual(client_ip(short), "10.0.0.2")  # it did not come through both proxies: no header is believed

    @override_settings(TRUSTED_PROXIES=1)
    def test_the_password_reset_throttle_counts_the_same_client_address(self):
        from django.core.cache import cache

        cache.clear()

        def reset(email: str, forwarded: str):
            return self.client.post(
                reverse("wagtailadmin_password_reset"),
                {"email": email},
                REMOTE_ADDR="10.9.9.9",
                HTTP_X_FORWARDED_FOR=forwarded,
            )

        for n in range(5):
            reset(f"nobody{n}@ministry.example", f"192.0.2.{n}, 198.51.100.7")
        self.assertNotEqual(reset("another@ministry.example", "203.0.113.5").status_code, 429)
        self.assertEqual(reset("someone@ministry.example", "198.51.100.7").status_code, 429)

    def test_password_resets_are_rate_limited(self):
        answers = [
            self.client.post(reverse("wagtailadmin_password_reset"), {"email": "editor@ministry.example"}).status_code
            for _ in range(7)
        ]
        self.assertNotIn(429, answers[:5])
        self.assertEqual(answers[5:], [429, 429])
        self.assertLessEqual(len(mail.outbox), 5)


class HeadersAndSessionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = portal_tree_build(languages=("en",))
        cls.tree.story_add(slug="s", texts={"en": ("Story", "Standfirst.")})
        cls.approver = UserFactory(username="approver", groups=["Ministry approvers"])

    def test_every_response_has_a_csp_without_inline_scripts_and_a_permissions_policy(self):
        self.client.force_login(self.approver)
        story = StoryPage.objects.get(slug="s")
        for url in ("/en/", "/en/stories/s/", "/admin/", reverse("wagtailadmin_pages:edit", args=(story.pk,))):
            response = self.client.get(url)
            policy = response["Content-Security-Policy"]
            script_src = policy.split("script-src", 1)[1].split(";", 1)[0]
            self.assertNotIn("unsafe-inline", script_src, url)
            self.assertIn("object-src 'none'", policy)
            self.assertIn("camera=()", response["Permissions-Policy"])
            nonce = re.search(r"'nonce-([^']+)'", script_src)  # present only when the page needs one
            html = response.content.decode()
            for tag in re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", html):
                self.assertTrue(nonce and f'nonce="{nonce.group(1)}"' in tag, f"{url}: {tag} runs without the nonce")
        edit = self.client.get(reverse("wagtailadmin_pages:edit", args=(story.pk,))).content.decode()
        self.assertIn("initDateTimeChooser", edit)  # the date widgets' scripts are there, with the nonce

    def test_a_session_ends_after_thirty_idle_minutes_and_activity_keeps_it(self):
        self.client.force_login(self.approver)
        start = timezone.now()
        with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=20)):
            self.assertEqual(self.client.get("/admin/").status_code, 200)
        with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=45)):
            self.assertEqual(self.client.get("/admin/").status_code, 200)  # 25 minutes after the last request
        with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=76)):
            response = self.client.get("/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("wagtailadmin_login")))
