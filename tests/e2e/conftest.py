"""Playwright driving Debian's chromium against a live Chancery server; no browser is ever downloaded."""

import os

import pytest

from tests.conftest import CHROMIUM

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def authenticator_code(secret_text: str, *, step_offset: int = 0) -> str:
    """What the user's authenticator app shows for `secret_text` (as the enrol page prints it)."""
    import base64

    from django_otp.oath import totp

    key = base64.b32decode(secret_text.replace(" ", "") + "=" * (-len(secret_text.replace(" ", "")) % 8))
    return f"{totp(key, step=30, t0=0, digits=6, drift=step_offset):06d}"


@pytest.fixture
def log_in(live_server):
    """Signs a browser page in to the admin as a person does: password, then the second factor — enrolling an
    authenticator from the page's own secret at the first sign-in, a code from it afterwards."""
    secrets: dict[str, str] = {}

    from playwright.sync_api import expect

    def sign_in(page, username: str, password: str = "correct horse battery") -> None:
        page.goto(f"{live_server.url}/admin/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/admin/signin/second-factor/**")
        if "/enrol/" in page.url:
            expect(page.locator("figure.signin-qr > svg.segno")).to_have_count(1)  # the QR code, drawn by us
            secrets[username] = page.locator("#authenticator-secret").inner_text()
            page.get_by_role("textbox", name="Code").fill(authenticator_code(secrets[username]))
            page.get_by_role("button", name="Confirm").click()
            expect(page.locator("#recovery-codes li")).to_have_count(10)
            page.get_by_role("link", name="I have kept them: continue").click()
        else:  # the code of the next step: the one just used for this user (within 30 s) is not taken twice
            page.get_by_role("textbox", name="Code").fill(authenticator_code(secrets[username], step_offset=1))
            page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/admin/")

    return sign_in
