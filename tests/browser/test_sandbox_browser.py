"""The sandbox in real headless Chromium: sign in, connect the calendar through the dialog,
see today's demo meetings and step to the next day, move one from the side panel and get
told, create a meeting with the wizard (one card edited in place: the wizard adds at most two
posts), find it in Radicale, fast-forward the clock, see the reminder and open the meeting
from its button. Each step leaves a screenshot in the artifacts directory
($CALENDAR_BOT_ARTIFACTS or test-artifacts/); CALENDAR_BOT_UPDATE_SCREENSHOT=1 refreshes the
README's pictures (docs/sandbox.png, docs/wizard.png)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import niquests
import pytest

from calendar_bot.i18n import t
from calendar_bot.sandbox.demo import DEMO_ZONE, VIDEO_LINK
from tests.browser.chromium import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO,
    WAIT_MS,
    artifacts,
    require_chromium,
)
from tests.sandbox.process import SandboxProcess, sandbox_process

pytestmark = pytest.mark.browser

LOCALE = "en"
MARKDOWN_SAMPLE = "\n".join(
    [
        "**Bold** and _italic_ and `code` and [a link](https://example.test/x)",
        "",
        "| Time | Meeting |",
        "|:--|:--|",
        "| 10:00 | Stand-up |",
        "",
        "- one",
        "- two",
        "",
        "> quoted",
        "",
        "```",
        "<script>alert(1)</script>",
        "```",
    ]
)
# The web app's shapes (utils/markdown/renderer.tsx); tests/browser/test_sandbox_page.py
# checks the bot's real posts in the DOM.
MARKDOWN_EXPECTED = (
    "<strong>Bold</strong>",
    "<em>italic</em>",
    '<span class="codespan__pre-wrap"><code>code</code></span>',
    '<a class="theme markdown__link" href="https://example.test/x" rel="noreferrer"'
    ' target="_blank">a link</a>',
    '<th style="text-align:left">Time</th>',
    '<td style="text-align:left">Stand-up</td>',
    "<li><span>two</span></li>",
    "<blockquote>\n<p>quoted</p>\n</blockquote>",
    '<pre><code class="hljs">&lt;script&gt;alert(1)&lt;/script&gt;</code></pre>',
)
TITLE = "Sandbox demo review"
WIZARD_MAX_POSTS = 2  # issue #16: the card, and at most a separate "created"


def _artifacts() -> Path:
    return artifacts("browser")


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    require_chromium()
    # 08:00 in Moscow today, whenever the test runs: the demo's afternoon meetings are ahead.
    with sandbox_process(tmp_path / "sandbox", "sandbox", "--start-at", "08:00") as running:
        yield running


def _events_in_radicale(info: dict[str, Any], user: dict[str, str]) -> list[icalendar.Event]:
    """Every VEVENT in the user's calendars, read straight from Radicale over CalDAV."""
    auth = (user["caldav_username"], user["caldav_password"])
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        "<D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name='VCALENDAR'/>"
        "</C:filter></C:calendar-query>"
    )
    found: list[icalendar.Event] = []
    for slug in ("work", "personal"):
        answer = niquests.request(
            "REPORT",
            f"{info['caldav_url']}/{user['caldav_username']}/{slug}/",
            data=body,
            headers={"Depth": "1", "Content-Type": "application/xml"},
            auth=auth,
            timeout=10,
        )
        assert answer.status_code == 207, answer.status_code
        text = answer.text or ""
        for chunk in text.split("BEGIN:VCALENDAR")[1:]:
            ics = "BEGIN:VCALENDAR" + chunk.split("END:VCALENDAR")[0] + "END:VCALENDAR"
            ics = ics.replace("&#13;", "").replace("\r", "")
            found += icalendar.Calendar.from_ical(ics).walk("VEVENT")
    return found


def test_sandbox_journey_in_chromium(sandbox: SandboxProcess) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    info = sandbox.info
    user = next(u for u in info["users"] if u["username"] == "bob")
    shots = _artifacts()
    step = iter(range(1, 100))

    def shot(page: Page, name: str) -> Path:
        path = shots / f"{next(step):02d}-{name}.png"
        page.screenshot(path=str(path))
        return path

    def say(page: Page, text: str) -> None:
        page.fill("#message-input", text)
        page.press("#message-input", "Enter")

    def last_bot_post(page: Page, contains: str) -> Any:
        post = page.locator(".post:not(.mine)", has_text=contains).last
        expect(post).to_be_visible(timeout=WAIT_MS)
        return post

    def bot_post_count(page: Page) -> int:
        return page.locator(".post:not(.mine)").count()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 820})
            page.set_default_timeout(WAIT_MS)
            page.goto(info["mattermost_url"] + "/")

            # The page's own Markdown renderer, on the subset the bot's messages use.
            rendered = page.evaluate("(text) => Markdown.render(text)", MARKDOWN_SAMPLE)
            for fragment in MARKDOWN_EXPECTED:
                assert fragment in rendered, (fragment, rendered)
            assert "<script>" not in rendered

            # 1. Sign in as a demo user (the page lists them; a click fills the form).
            expect(page.locator("#demo-users")).to_be_visible()
            page.click("button.demo-user[data-username=bob]")
            shot(page, "sign-in")
            page.click("#login-submit")
            expect(page.locator("#ws-state")).to_have_text("live")
            expect(page.locator("#channel-title")).to_have_text("@calendar-bot")
            expect(page.locator("#sandbox-panel")).to_be_visible()

            # 2. Connect the calendar through the dialog; a wrong password shows a field error.
            say(page, "hello")
            greeting = last_bot_post(page, t(LOCALE, "greeting.connect"))
            greeting.locator("button.action-button", has_text=t(LOCALE, "greeting.connect")).click()
            dialog = page.locator("#dialog-backdrop")
            expect(dialog).to_be_visible()
            expect(page.locator(".dialog-field[data-name=email] input")).to_have_value(
                user["caldav_username"]
            )
            page.fill(".dialog-field[data-name=password] input", "not-the-password")
            page.click("#dialog-submit")
            expect(page.locator(".dialog-field[data-name=password] .field-error")).to_be_visible()
            shot(page, "connect-dialog-error")
            page.fill(".dialog-field[data-name=password] input", user["caldav_password"])
            page.click("#dialog-submit")
            expect(dialog).to_be_hidden()
            last_bot_post(page, user["caldav_username"])
            shot(page, "connected")

            # 3. Today shows the demo meetings, as a Markdown table.
            say(page, "today")
            today = last_bot_post(page, "Daily stand-up")
            expect(today.locator("table")).to_be_visible()
            expect(today).to_contain_text("Design review")
            shot(page, "today")

            # A select menu: open one meeting from the list.
            menu = today.locator("select.action-select")
            option = menu.locator("option", has_text="Design review")
            menu.select_option(value=option.get_attribute("value"))
            details = last_bot_post(page, "Attendees (2)")
            expect(details).to_contain_text("Design review")
            expect(details.locator("a", has_text="Join")).to_have_attribute("href", VIDEO_LINK)
            shot(page, "meeting-details")

            # The day after, from the list's own button: the list changes in place.
            today_id = today.get_attribute("data-post-id")
            today.locator("button.action-button", has_text="▶").first.click()
            next_day = page.locator(f'.post[data-post-id="{today_id}"]')
            back = t(LOCALE, "list.prev", label=t(LOCALE, "list.today"))
            expect(next_day.locator("button.action-button", has_text=back)).to_be_visible()
            shot(page, "next-day")

            # The side panel moves a demo meeting: the change notification comes live.
            review = page.locator(".panel-event", has_text="Design review")
            review.locator("button.event-move").click()
            moved = last_bot_post(page, "Meeting moved")
            expect(moved).to_contain_text("Design review")
            expect(moved).to_contain_text("15:00")
            readme_picture = shot(page, "moved-from-panel")

            # 4. Create a meeting with the wizard: buttons and typed answers, on one card.
            before = bot_post_count(page)
            say(page, "new")
            card = last_bot_post(page, t(LOCALE, "wizard.title.prompt"))
            card_id = card.get_attribute("data-post-id")
            card = page.locator(f'.post[data-post-id="{card_id}"]')
            shot(page, "wizard-title")

            def card_shows(text: str, name: str) -> None:
                expect(card).to_contain_text(text)
                shot(page, name)

            say(page, TITLE)
            card_shows("Which day?", "wizard-date")
            expect(card).to_contain_text(TITLE)  # the answered title, on top of the card
            card.locator("button.action-button", has_text="Tomorrow").click()
            card_shows("What time does it start", "wizard-time")
            # The README's picture of the card: the answers so far on top, the free half-hours.
            wizard_picture = shots / "wizard-card.png"
            card.screenshot(path=str(wizard_picture))
            say(page, "12:00")
            card_shows("How long", "wizard-duration")
            say(page, "45")
            card_shows(t(LOCALE, "wizard.attendees.nobody"), "wizard-attendees")
            card.locator("button", has_text=t(LOCALE, "wizard.attendees.nobody")).click()
            card_shows("Add a description", "wizard-description")
            card.locator("button", has_text=t(LOCALE, "common.skip")).click()
            card_shows("Where?", "wizard-location")
            card.locator("button", has_text=t(LOCALE, "common.skip")).click()
            expect(card.locator("button", has_text=t(LOCALE, "wizard.create"))).to_be_visible()
            card_shows("Check the meeting", "wizard-summary")
            card.locator("button", has_text=t(LOCALE, "wizard.create")).click()
            last_bot_post(page, "Meeting created")
            shot(page, "created")
            added = bot_post_count(page) - before
            assert 1 <= added <= WIZARD_MAX_POSTS, f"the wizard added {added} posts"

            # 5. The event exists in Radicale, at 12:00 tomorrow on the sandbox clock.
            clock = niquests.get(f"{info['mattermost_url']}/sandbox/clock", timeout=10).json()
            now = datetime.fromisoformat(clock["now"])
            tomorrow = (now.astimezone(DEMO_ZONE) + timedelta(days=1)).date()
            start = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 12, tzinfo=DEMO_ZONE)
            created = [e for e in _events_in_radicale(info, user) if str(e.get("SUMMARY")) == TITLE]
            assert len(created) == 1
            assert created[0].decoded("DTSTART") == start
            assert created[0].decoded("DTEND") == start + timedelta(minutes=45)
            expect(page.locator(".panel-event", has_text=TITLE)).to_be_visible()

            # 6. Fast-forward to just past the reminder time: the reminder appears live.
            minutes = int((start - timedelta(minutes=15) - now).total_seconds() // 60) + 1
            page.fill("#advance-minutes", str(minutes))
            page.click("#advance-go")
            # The bot lives through every skipped minute, so the day's other reminders come
            # on the way: wait for this meeting's.
            reminder = page.locator(".post:not(.mine)", has_text="⏰").filter(has_text=TITLE)
            expect(reminder.last).to_be_visible(timeout=WAIT_MS)
            shot(page, "reminder")

            # 7. The reminder's Open button: the meeting's details.
            reminder.last.locator("button", has_text=t(LOCALE, "details.open")).click()
            details = page.locator(".post:not(.mine)", has_text="📌").filter(has_text=TITLE)
            expect(details.last).to_be_visible(timeout=WAIT_MS)
            expect(details.last).to_contain_text(t(LOCALE, "details.organizer_me"))
            shot(page, "meeting-from-reminder")
            if os.environ.get("CALENDAR_BOT_UPDATE_SCREENSHOT"):
                # The README's pictures: refreshed on demand, never by a plain test run.
                shutil.copyfile(readme_picture, REPO / "docs" / "sandbox.png")
                shutil.copyfile(wizard_picture, REPO / "docs" / "wizard.png")
        except Exception:
            for context in browser.contexts:
                for open_page in context.pages:
                    open_page.screenshot(path=str(shots / "failure.png"))
            raise
        finally:
            browser.close()


def test_profile_language_and_zone_from_the_page(sandbox: SandboxProcess) -> None:
    """The page changes the signed-in person's time zone and language the way Mattermost's
    settings do (PUT /users/me/patch); the bot answers in the new language at once."""
    from playwright.sync_api import expect, sync_playwright

    info = sandbox.info
    shots = Path(os.environ.get("CALENDAR_BOT_ARTIFACTS") or REPO / "test-artifacts")
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 820})
            page.set_default_timeout(WAIT_MS)
            page.goto(info["mattermost_url"] + "/")
            page.click("button.demo-user[data-username=bob]")
            page.click("#login-submit")
            expect(page.locator("#ws-state")).to_have_text("live", timeout=WAIT_MS)
            expect(page.locator("#profile-locale")).to_have_value("en")

            def say_and_see(text: str, button: str) -> None:
                page.fill("#message-input", text)
                page.press("#message-input", "Enter")
                answer = page.locator(".post:not(.mine)").filter(
                    has=page.locator("button.action-button", has_text=button)
                )
                expect(answer.last).to_be_visible(timeout=WAIT_MS)

            say_and_see("hello", t("en", "greeting.connect"))
            page.fill("#profile-timezone", "Asia/Tokyo")
            page.select_option("#profile-locale", "ru")
            page.click("#profile-save")
            # The page follows the new language at once (its own texts in Russian now).
            expect(page.locator("#profile-state")).to_have_text("сохранено", timeout=WAIT_MS)
            expect(page.locator("#me-name")).to_contain_text("ru")
            say_and_see("привет", t("ru", "greeting.connect"))
            page.screenshot(path=str(shots / "browser-profile-ru.png"))
            me = page.evaluate(
                "async () => (await fetch('/api/v4/users/me', {headers: {Authorization:"
                " 'Bearer ' + sessionStorage.getItem('mm-token')}})).json()"
            )
            assert me["locale"] == "ru"
            assert me["timezone"]["manualTimezone"] == "Asia/Tokyo"
        finally:
            browser.close()
