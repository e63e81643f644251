"""The sandbox's web chat page in real headless Chromium, on what it adds to the journey test:

- the bot's real posts (made by its views and its Mattermost renderer from real data) shown
  the way Mattermost's web app shows them: its parser, so escapes, tables, links and code come
  out as there, and nothing in a post can inject HTML;
- the page's own texts in Russian and in English, following the user's Mattermost language;
- the side panel's clock: the sandbox's time, moving live when the clock is fast-forwarded.

The posts are sent by a second demo user into the DM with the first one, through the
standard API, so the page receives them as it would the bot's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import niquests
import pytest

from calendar_bot.domain.model import Attendee, Occurrence, PartStat
from calendar_bot.i18n import t
from calendar_bot.mattermost.render import Renderer
from calendar_bot.mattermost.signing import ContextSigner
from calendar_bot.sandbox.demo import DEMO_ZONE
from calendar_bot.views.common import help_view
from calendar_bot.views.meetings import day_view, meeting_details
from calendar_bot.views.message import OutMessage
from calendar_bot.views.settings import raw_xml
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, WAIT_MS, artifacts, require_chromium
from tests.sandbox.process import SandboxProcess, sandbox_process

pytestmark = pytest.mark.browser

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=MOSCOW)
ZWSP = "\u200b"
# Titles that hold every character the bot escapes, each as a calendar would send it.
TITLES = (
    "Budget *draft* _v2_ ~~old~~",
    "Q&A <b>live</b> | retro &lt;",
    "[link](http://evil.example)",
    "C:\\new folder #tag @all !x",
)
RU_TITLE = "Планёрка *срочно* <важно>"
JOIN = "https://meet.example/abc-def"
# Not through the bot's escaping: the page itself must not let any of these run.
HOSTILE = "\n\n".join(
    [
        '<img src=x onerror="window.__pwned=1">',
        "<script>window.__pwned=2</script>",
        "[click](javascript:window.__pwned=3)",
        "[click2](JaVaScRiPt&#58;window.__pwned=4)",
        "<javascript:window.__pwned=5>",
        "![img](javascript:window.__pwned=6)",
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '[t](https://ok.example "x\\" onmouseover=\\"window.__pwned=7")',
        "| a | b |\n|---|---|\n"
        "| <img src=x onerror=window.__pwned=8> | `</code><script>window.__pwned=9</script>` |",
        "```\n</code></pre><img src=x onerror=window.__pwned=10>\n```",
    ]
)
HOSTILE_ATTACHMENT = {
    "fallback": "x",
    "pretext": "<img src=x onerror=window.__pwned=11>",
    "title": "<img src=x onerror=window.__pwned=12> [t](javascript:window.__pwned=13)",
    "text": "[j](javascript:window.__pwned=14)",
    "fields": [{"title": "<b>caption</b>", "value": "<i>v</i> **v**", "short": True}],
    "color": "red;background:url(javascript:alert(1))",
}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    require_chromium()
    data = tmp_path_factory.mktemp("page") / "sandbox"
    with sandbox_process(data, "sandbox", "--start-at", "08:00") as running:
        yield running


@pytest.fixture(scope="module")
def shots() -> Path:
    return artifacts("browser-page")


# ---- the bot's posts, made from real data by its own code ----------------------------------


def _occurrence(title: str, hour: int, **fields: Any) -> Occurrence:
    start = NOW.replace(hour=hour)
    return Occurrence(
        "/calendars/work/",
        f"uid-{hour}",
        "",
        title,
        start.astimezone(UTC),
        (start + timedelta(hours=1)).astimezone(UTC),
        **fields,
    )


def _details() -> Occurrence:
    return _occurrence(
        "Design *review* [x](javascript:alert(1))",
        14,
        location="Room 5 https://maps.example/room?a=1&b=2",
        join_url=JOIN,
        organizer=Attendee("anna_k@example.com", "Anna *K*"),
        attendees=(
            Attendee("bob@example.com", "Bob", PartStat.ACCEPTED),
            Attendee("eve_x@example.com", "", PartStat.TENTATIVE),
        ),
        my_partstat=PartStat.NEEDS_ACTION,
        description=(
            "Agenda:\n- item one\n1. first\n# not a heading\n"
            "<script>window.__pwned=20</script>\n```code```"
        ),
    )


def _bot_posts() -> dict[str, OutMessage]:
    today = [_occurrence(title, 9 + i) for i, title in enumerate(TITLES)]
    xml = '<d:multistatus xmlns:d="DAV:">\n  <d:response>a &amp; b</d:response>\n</d:multistatus>'
    return {
        "today": day_view(today, NOW.date(), "en", MOSCOW, NOW)[0],
        "today_ru": day_view([_occurrence(RU_TITLE, 9)], NOW.date(), "ru", MOSCOW, NOW)[0],
        "details": meeting_details(_details(), "en", MOSCOW, NOW),
        "help": help_view("en"),
        "raw": raw_xml("Work <cal>", xml, "en")[0],
    }


class Api:
    """One demo user on the emulator's standard API."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        answer = niquests.post(
            f"{base}/api/v4/users/login",
            json={"login_id": username, "password": password},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        self.token = answer.headers["Token"]
        self.me = answer.json()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        answer = niquests.request(
            method,
            f"{self.base}/api/v4{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )
        assert answer.status_code < 300, (path, answer.status_code, answer.text)
        return answer.json()


def _login(page: Any, username: str, peer: str = "calendar-bot") -> None:
    from playwright.sync_api import expect

    page.click(f"button.demo-user[data-username={username}]")
    page.fill("#login-peer", peer)
    page.click("#login-submit")
    expect(page.locator("#ws-state")).to_have_attribute("data-state", "live")


def _browser(p: Any) -> Any:
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# ---- Markdown as the web app shows it -------------------------------------------------------


def test_bot_posts_render_as_mattermost_web_app(sandbox: SandboxProcess, shots: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    info = sandbox.info
    users = {u["username"]: u for u in info["users"]}
    alice = Api(info["mattermost_url"], "alice", users["alice"]["password"])
    bob_id = alice.call("GET", "/users/username/bob")["id"]
    channel = alice.call("POST", "/channels/direct", [alice.me["id"], bob_id])["id"]
    renderer = Renderer(ContextSigner("browser-test"), "http://127.0.0.1:9/hooks")
    ids: dict[str, str] = {}
    for name, message in _bot_posts().items():
        text, props = renderer.post(message, bob_id)
        body = {"channel_id": channel, "message": text, "props": props}
        ids[name] = alice.call("POST", "/posts", body)["id"]
    hostile = {"attachments": [HOSTILE_ATTACHMENT]}
    body = {"channel_id": channel, "message": HOSTILE, "props": hostile}
    ids["hostile"] = alice.call("POST", "/posts", body)["id"]

    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.set_default_timeout(WAIT_MS)
            page.goto(info["mattermost_url"] + "/")
            _login(page, "bob", peer="alice")

            def post(name: str) -> Any:
                node = page.locator(f'.post[data-post-id="{ids[name]}"]')
                expect(node).to_be_visible()
                return node

            def texts(node: Any, selector: str) -> list[str]:
                return [s.replace(ZWSP, "") for s in node.locator(selector).all_inner_texts()]

            # A day's list: a table, columns aligned as written, each title exactly as written.
            today = post("today")
            expect(today.locator(".post-message > p strong").first).to_have_text(
                "Today, Wed, 2 Dec"
            )
            table = today.locator("table.markdown__table")
            headers = [t("en", "table.time"), t("en", "table.title"), t("en", "table.status")]
            assert texts(table, "th") == headers
            assert table.locator("th").first.evaluate("th => th.style.textAlign") == "left"
            cells = texts(table, "tbody tr td:nth-child(2)")
            assert cells == list(TITLES), cells
            assert table.locator("em, strong, del, a, img, b, h1").count() == 0
            assert "\\" not in table.inner_text().replace("C:\\new", "")
            assert "**" not in today.inner_text()
            page.screenshot(path=str(shots / "01-markdown-today.png"), full_page=True)

            # Russian too.
            today_ru = post("today_ru")
            assert texts(today_ru, "tbody td:nth-child(2)") == [RU_TITLE]
            assert texts(today_ru, "th")[0] == t("ru", "table.time")

            # A meeting's card: bold title as written, the join link live, a URL from a
            # calendar shown as code and not linked, e-mails as mailto links, the description
            # as a quote with nothing of its own (no list, heading, code or HTML).
            details = post("details")
            title = details.locator(".post-message > p strong").first
            expect(title).to_have_text("Design *review* [x](javascript:alert(1))")
            assert details.locator("a[href^='javascript']").count() == 0
            links = details.locator(f"a[href='{JOIN}']")
            assert links.count() == 2  # the 🔗 line's autolink and the Join link under it
            join = details.locator(".attachment a", has_text=t("en", "details.join"))
            expect(join).to_have_attribute("href", JOIN)
            expect(
                details.locator("code", has_text="https://maps.example/room?a=1&b=2")
            ).to_be_visible()
            assert details.locator("a[href*='maps.example']").count() == 0
            mails = details.locator("a[href^='mailto:']").evaluate_all(
                "links => links.map(a => a.getAttribute('href'))"
            )
            assert sorted(mails) == [
                "mailto:anna_k@example.com",
                "mailto:bob@example.com",
                "mailto:eve_x@example.com",
            ]
            assert "Anna *K*" in details.inner_text()
            quote = details.locator("blockquote")
            assert quote.inner_text().splitlines() == [
                "Agenda:",
                "- item one",
                "1. first",
                "# not a heading",
                "<script>window.__pwned=20</script>",
                "```code```",
            ]
            assert quote.locator("ul, ol, h1, code, script, pre").count() == 0
            expect(details.locator("button.action-button")).to_have_count(3)  # Accept/Maybe/Decline
            details.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "02-markdown-details.png"), full_page=True)

            # Inline code in the help.
            help_post = post("help")
            assert {"today", "/calendar today"} <= set(texts(help_post, "code"))
            assert help_post.locator("strong", has_text="What I can do").count() == 1

            # A fenced code block: the XML as text, entities and all.
            raw = post("raw")
            code = raw.locator("pre code")
            expect(code).to_have_count(1)
            assert code.inner_text().startswith('<d:multistatus xmlns:d="DAV:">')
            assert "a &amp; b" in code.inner_text()
            assert "Work <cal>" in raw.locator(".post-message > p").first.inner_text()

            # Hostile text straight into a post: shown, never run, never linked.
            hostile_post = post("hostile")
            page.wait_for_timeout(500)  # an onerror would have fired by now
            assert page.evaluate("() => window.__pwned") is None
            injected = "img, script, iframe, [onerror], [onmouseover]"
            assert hostile_post.locator(injected).count() == 0
            hrefs = hostile_post.locator("a").evaluate_all(
                "links => links.map(a => a.getAttribute('href'))"
            )
            assert hrefs == ["https://ok.example"], hrefs
            assert "<script>window.__pwned=2</script>" in hostile_post.inner_text()
            caption = hostile_post.locator(".attachment-fields .field-title")
            expect(caption).to_have_text("<b>caption</b>")
            assert (
                hostile_post.locator(".attachment").evaluate("box => box.style.borderLeftColor")
                == ""
            )
            page.screenshot(path=str(shots / "03-markdown-hostile.png"), full_page=True)
        except Exception:
            for context in browser.contexts:
                for open_page in context.pages:
                    open_page.screenshot(path=str(shots / "failure-markdown.png"))
            raise
        finally:
            browser.close()


# ---- the page's own texts -------------------------------------------------------------------


def test_page_texts_in_russian_and_english(sandbox: SandboxProcess, shots: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    info = sandbox.info
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 820})
            page.set_default_timeout(WAIT_MS)
            page.goto(info["mattermost_url"] + "/")

            # The catalogs: the same keys, Russian in one, none in the other.
            texts = page.evaluate("() => I18n.texts")
            assert set(texts["ru"]) == set(texts["en"])
            cyrillic = re.compile("[а-яё]", re.IGNORECASE)
            assert [k for k, v in texts["ru"].items() if not cyrillic.search(v)] == []
            assert [k for k, v in texts["en"].items() if cyrillic.search(v)] == []

            # Before sign-in: the switch on the form.
            page.select_option("#login-locale", "ru")
            expect(page.locator("#login-submit")).to_have_text("Войти")
            expect(page.locator("#login-form h1")).to_have_text("Вход")
            expect(page.locator("#demo-user-list li").first).to_contain_text("пароль")
            assert page.evaluate("() => document.documentElement.lang") == "ru"
            page.screenshot(path=str(shots / "04-sign-in-ru.png"))
            page.select_option("#login-locale", "en")
            expect(page.locator("#login-submit")).to_have_text("Sign in")
            expect(page.locator("#demo-user-list li").first).to_contain_text("password")

            # Signed in as a Russian user: the page speaks Russian, whatever the form said.
            _login(page, "alice")
            expect(page.locator("#ws-state")).to_have_text("в сети")
            expect(page.locator("#sandbox-panel h2").first).to_have_text("Часы песочницы")
            expect(page.locator("#advance-go")).to_have_text("Перемотать")
            expect(page.locator("[data-advance='15']")).to_have_text("+15 мин")
            expect(page.locator("#event-add")).to_have_text("Добавить встречу")
            expect(page.locator("#logout")).to_have_text("Выйти")
            expect(page.locator("#profile-save")).to_have_text("Сохранить")
            placeholder = page.get_attribute("#message-input", "placeholder") or ""
            assert placeholder.startswith("Напишите боту")
            expect(page.locator("button.event-move").first).to_be_visible()
            moves = set(page.locator("button.event-move").all_inner_texts())
            assert moves == {"Сдвинуть на +1 ч", "Сдвинуть на +1 день"}, moves
            cancels = set(page.locator("button.event-cancel").all_inner_texts())
            assert cancels == {"Отменить"}, cancels
            # The connect dialog: the page's own words around the bot's fields.
            page.fill("#message-input", "привет")
            page.press("#message-input", "Enter")
            connect = page.locator("button.action-button", has_text=t("ru", "greeting.connect"))
            connect.last.click()
            expect(page.locator("#dialog-backdrop")).to_be_visible()
            expect(page.locator("#dialog-cancel")).to_have_text("Отмена")
            expect(page.locator(".dialog-field[data-name=url] label")).to_contain_text(
                "(необязательно)"
            )
            bot_badge = page.locator(".post:not(.mine) .badge").last
            expect(bot_badge).to_have_text("БОТ")
            page.screenshot(path=str(shots / "05-chat-ru.png"))
            page.click("#dialog-cancel")
            expect(page.locator("#dialog-backdrop")).to_be_hidden()

            # The profile turned to English: the page follows at once, no reload.
            page.select_option("#profile-locale", "en")
            page.click("#profile-save")
            expect(page.locator("#profile-state")).to_have_text("saved")
            expect(page.locator("#ws-state")).to_have_text("live")
            expect(page.locator("#sandbox-panel h2").first).to_have_text("Sandbox clock")
            expect(page.locator("#advance-go")).to_have_text("Fast-forward")
            expect(page.locator(".panel-event button.event-cancel").first).to_have_text("Cancel")
            moves = set(page.locator("button.event-move").all_inner_texts())
            assert moves == {"Move +1 h", "Move +1 day"}, moves
            expect(page.locator(".post:not(.mine) .badge").last).to_have_text("BOT")
            assert page.evaluate("() => document.documentElement.lang") == "en"
            page.screenshot(path=str(shots / "06-chat-en.png"))
        except Exception:
            for context in browser.contexts:
                for open_page in context.pages:
                    open_page.screenshot(path=str(shots / "failure-texts.png"))
            raise
        finally:
            browser.close()


# ---- the panel's clock ----------------------------------------------------------------------


def _sandbox_clock(base: str) -> datetime:
    return datetime.fromisoformat(niquests.get(f"{base}/sandbox/clock", timeout=10).json()["now"])


def _minutes_shown(moment: datetime) -> set[str]:
    """The panel's HH:MM for `moment` in the demo zone, or the minute after (it ticks on)."""
    local = moment.astimezone(DEMO_ZONE)
    return {f"{m.hour:02d}:{m.minute:02d}" for m in (local, local + timedelta(minutes=1))}


def test_panel_clock_follows_the_sandbox_clock(sandbox: SandboxProcess, shots: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = sandbox.info["mattermost_url"]
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 820})
            page.set_default_timeout(WAIT_MS)
            page.goto(base + "/")
            _login(page, "bob")
            clock = page.locator("#clock-now")
            expect(clock).to_have_attribute("data-now", re.compile("."))

            def shown() -> datetime:
                return datetime.fromisoformat(
                    str(clock.get_attribute("data-now")).replace("Z", "+00:00")
                )

            # The sandbox's time, not the browser's: the clock started at 08:00 in Moscow.
            sandbox_now = _sandbox_clock(base)
            assert abs((shown() - sandbox_now).total_seconds()) < 5
            text = clock.inner_text()
            assert any(hhmm in text for hhmm in _minutes_shown(sandbox_now)), text
            assert str(DEMO_ZONE) in text

            before = shown()
            # Fast-forward from outside the page (a script, another tab): the panel moves.
            answer = niquests.post(
                f"{base}/sandbox/clock", json={"advance_minutes": 90}, timeout=120
            )
            assert answer.status_code == 200, answer.text
            moved = datetime.fromisoformat(answer.json()["now"])
            page.wait_for_function(
                "(t) => Date.parse(document.getElementById('clock-now').dataset.now) >= t",
                arg=int(moved.timestamp() * 1000) - 2000,
            )
            text = clock.inner_text()
            assert any(hhmm in text for hhmm in _minutes_shown(moved)), text
            assert shown() - before >= timedelta(minutes=90)
            # The add-event form starts at the sandbox's next half hour (or the one after,
            # should the clock cross a half hour in between).
            now_ms = shown().timestamp() * 1000
            half_hour = datetime.fromtimestamp(math.ceil(now_ms / 1_800_000) * 1800, UTC)
            start = page.input_value("#event-start")
            assert start in {
                (half_hour + timedelta(minutes=m)).astimezone(DEMO_ZONE).strftime("%Y-%m-%dT%H:%M")
                for m in (0, 30)
            }, (start, shown())
            page.screenshot(path=str(shots / "07-clock-after-fast-forward.png"))

            # The page's own +15 min: the same, at once.
            before = shown()
            page.click("[data-advance='15']")
            page.wait_for_function(
                "(t) => Date.parse(document.getElementById('clock-now').dataset.now) >= t",
                arg=int((before + timedelta(minutes=15)).timestamp() * 1000),
            )
            assert abs((shown() - _sandbox_clock(base)).total_seconds()) < 5
        except Exception:
            for context in browser.contexts:
                for open_page in context.pages:
                    open_page.screenshot(path=str(shots / "failure-clock.png"))
            raise
        finally:
            browser.close()


def test_panel_moves_an_all_day_event_by_a_day(sandbox: SandboxProcess, shots: Path) -> None:
    """An hour added to a date is the same date: the panel moves an all-day event by a day,
    and the sandbox refuses a shift that is not whole days instead of changing nothing."""
    from playwright.sync_api import expect, sync_playwright

    info = sandbox.info
    base = info["mattermost_url"]
    users = {u["username"]: u for u in info["users"]}
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 820})
            page.set_default_timeout(WAIT_MS)
            page.goto(base + "/")
            _login(page, "bob")
            row = page.locator(".panel-event", has_text=t_all_day("en")).first
            summary = str(row.get_attribute("data-summary"))
            day = datetime.strptime(row.inner_text().split(summary, 1)[1].split()[0], "%Y-%m-%d")
            move = row.locator("button.event-move")
            expect(move).to_have_text("Move +1 day")
            move.click()
            moved = page.locator(".panel-event", has_text=summary)
            expect(moved).to_contain_text((day + timedelta(days=1)).strftime("%Y-%m-%d"))
            page.screenshot(path=str(shots / "08-all-day-moved.png"))

            token = Api(base, "bob", users["bob"]["password"]).token
            answer = niquests.post(
                f"{base}/sandbox/events/move",
                json={"href": moved.get_attribute("data-href"), "minutes": 60},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            assert answer.status_code == 400
            assert "whole days" in answer.json()["error"]
        finally:
            browser.close()


def t_all_day(locale: str) -> str:
    return {"en": "(all day)", "ru": "(весь день)"}[locale]
