"""The dashboard in a real headless browser: Playwright driving Debian's chromium
against a real ``picloud serve`` subprocess.

Log in, deploy a script from the page, add a route for it, call the route,
then find the execution and its logs. Screenshots go to /tmp for a look.
Playwright never downloads a browser here: it launches /usr/bin/chromium
(``.ci/run`` installs it).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import urllib.request

import pytest

from tests.e2e.client import Server
from tests.e2e.serve import TEST_ADMIN_TOKEN

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = os.environ.get("PICLOUD_SCREENSHOT_DIR", "/tmp")
SOURCE = 'print(`hello ${request.params.name}`);\n#{ status: 200, body: `Hi, ${request.params.name}!` }\n'


def _chromium() -> str:
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    found = shutil.which("chromium")
    if found:
        return found
    pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does it)")


@pytest.fixture(scope="module")
def server():
    server = Server("picloud-dashboard-")
    try:
        server.serve.wait_healthy()
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    # Importing trio_asyncio (the store does) installs its event loop policy;
    # Playwright's sync API needs a plain asyncio loop of its own.
    policy = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        asyncio.set_event_loop_policy(policy)


def shot(page, name: str) -> None:
    page.screenshot(path=os.path.join(SCREENSHOTS, f"picloud-dashboard-{name}.png"), full_page=True)


def test_deploy_route_call_and_read_the_logs(server, browser):
    from playwright.sync_api import expect

    base = server.serve.base_url
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))  # JS errors, CSP violations aside
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.on("dialog", lambda dialog: dialog.accept())

    # Not logged in: the dashboard sends us to the login form.
    page.goto(base + "/_picloud/")
    expect(page.get_by_role("heading", name="Log in to PiCloud")).to_be_visible()
    page.get_by_label("API token").fill("pc_wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("That token is not valid")).to_be_visible()
    page.get_by_label("API token").fill(TEST_ADMIN_TOKEN)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_text("Get started")).to_be_visible()
    shot(page, "overview-empty")

    # Deploy: first a script that does not compile, then the real one.
    page.get_by_role("link", name="Scripts", exact=True).click()
    page.get_by_role("link", name="Deploy your first script").click()
    page.get_by_label("Name").fill("greet")
    page.get_by_label("Source (Rhai)").fill("let x = ;\nx")
    page.get_by_role("button", name="Deploy").click()
    expect(page.get_by_text("The script does not compile at line 1")).to_be_visible()
    shot(page, "compile-error")
    page.get_by_label("Source (Rhai)").fill(SOURCE)
    page.get_by_label("Timeout (seconds)").fill("3")
    page.get_by_role("button", name="Deploy").click()
    expect(page.get_by_text("Created script greet version 1.")).to_be_visible()
    expect(page.locator("pre.source")).to_contain_text("hello ${request.params.name}")

    # Add a route from the script's page; the form has the script picked.
    page.get_by_role("link", name="Add a route").click()
    expect(page.locator("select[name=script]")).to_have_value("greet")
    page.get_by_label("Path").fill("/greet/{name}")
    page.get_by_role("button", name="Add route").click()
    expect(page.get_by_text("runs greet.")).to_be_visible()
    expect(page.locator("table.list")).to_contain_text("/greet/{name}")
    shot(page, "routes")

    # Call it like any client would.
    with urllib.request.urlopen(base + "/greet/world", timeout=10) as response:
        assert response.status == 200 and response.read() == b"Hi, world!"

    # The execution is listed; its detail shows the print output.
    page.get_by_role("link", name="Executions", exact=True).click()
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("greet")
    expect(rows.first).to_contain_text("succeeded")
    shot(page, "executions")
    rows.first.locator("a").first.click()
    expect(page.locator("pre.logs")).to_contain_text("hello world")
    expect(page.locator("dl.facts")).to_contain_text("200")
    shot(page, "execution")

    # A second version, its diff, and a rollback (the confirm dialog is accepted).
    page.get_by_role("link", name="greet v1").click()
    page.get_by_role("link", name="Edit & deploy a new version").click()
    page.get_by_label("Source (Rhai)").fill(SOURCE.replace("Hi,", "Hello,"))
    page.get_by_role("button", name="Deploy").click()
    expect(page.get_by_text("Deployed greet version 2.")).to_be_visible()
    shot(page, "script")
    page.get_by_role("link", name="diff with current").click()
    expect(page.locator("table.diff tr.changed")).to_have_count(1)
    shot(page, "diff")
    page.get_by_role("link", name="greet", exact=True).click()
    page.get_by_role("button", name="Roll back to v1").click()
    expect(page.get_by_text("Rolled greet back to version 1 (was version 2)")).to_be_visible()
    with urllib.request.urlopen(base + "/greet/again", timeout=10) as response:
        assert response.read() == b"Hi, again!"

    # The overview counts it.
    page.get_by_role("link", name="Overview").click()
    expect(page.locator("svg.chart")).to_be_visible()
    shot(page, "overview")
    assert not errors, errors
