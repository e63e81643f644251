"""Record real Radicale answers for a few template accounts (see bench/replay.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import niquests
from tests.support.servers import CalDAVServer

from bench.replay import (
    CALENDARS,
    Template,
    TemplateCalendar,
    _placeholder,
    split_responses,
    sync_token_of,
)
from calendar_bot.caldav import davxml

# The bench's fixed "now": events are laid out from here, the bot's clock starts here.
BENCH_NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
EVENTS_PER_CALENDAR = 20


def event(uid: str, n: int, recurring: bool, template: int, shift_minutes: int = 0) -> str:
    """~20 events over the next weeks, a quarter weekly recurring, with attendees and alarms."""
    start = BENCH_NOW.replace(hour=8) + timedelta(
        days=n % 25, hours=n % 9, minutes=shift_minutes + 15 * template
    )
    rule = "RRULE:FREQ=WEEKLY;COUNT=10\r\n" if recurring else ""
    stamp = start.strftime("%Y%m%dT%H%M%SZ")
    end = (start + timedelta(minutes=45)).strftime("%Y%m%dT%H%M%SZ")
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{stamp}\r\nDTEND:{end}\r\n"
        f"SUMMARY:Meeting {n} of team {template}\r\n{rule}"
        "ORGANIZER;CN=Boss:mailto:boss@example.test\r\n"
        "ATTENDEE;CN=Me;PARTSTAT=NEEDS-ACTION:mailto:me@example.test\r\n"
        "ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED:mailto:ann@example.test\r\n"
        "DESCRIPTION:Agenda: status\\, plans. Join https://telemost.yandex.ru/j/123\r\n"
        "LOCATION:Room 4\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def _mkcalendar(s: niquests.Session, url: str, name: str) -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
        f"<D:displayname>{name}</D:displayname>"
        "<C:supported-calendar-component-set><C:comp name='VEVENT'/>"
        "</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"
    )
    r = s.request("MKCALENDAR", url, data=body, headers={"Content-Type": "application/xml"})
    assert r.status_code in (200, 201), r.status_code


def _call(s: niquests.Session, method: str, url: str, body: bytes, depth: str) -> bytes:
    r = s.request(
        method,
        url,
        data=body,
        headers={"Depth": depth, "Content-Type": "application/xml; charset=utf-8"},
    )
    assert r.status_code == 207, (method, url, r.status_code)
    return r.content or b""


def provision(server: CalDAVServer, user: str, password: str, template: int) -> None:
    """A template account on a real server: calendars `work` and `home`, 20 events each."""
    server.add_login(user, password)
    with niquests.Session() as s:
        s.auth = (user, password)
        for c, slug in enumerate(CALENDARS):
            url = f"{server.base_url}/{user}/{slug}/"
            _mkcalendar(s, url, slug.title())
            for n in range(EVENTS_PER_CALENDAR):
                ics = event(f"t{template}-{slug}-{n}", n, n % 4 == 0, template)
                r = s.put(
                    f"{url}e{c}-{n}.ics",
                    data=ics.encode(),
                    headers={"Content-Type": "text/calendar; charset=utf-8"},
                )
                assert r.status_code in (201, 204), r.status_code


def record(server: CalDAVServer, templates: int) -> list[Template]:
    """Provision `templates` accounts on a real Radicale and record its answers."""
    out: list[Template] = []
    wide_start, wide_end = BENCH_NOW - timedelta(days=30), BENCH_NOW + timedelta(days=90)
    for k in range(templates):
        user, password = f"tpl{k}", f"pw-template-{k}"
        provision(server, user, password, k)
        base = server.base_url
        with niquests.Session() as s:
            s.auth = (user, password)
            principal = _call(s, "PROPFIND", f"{base}/{user}/", davxml.propfind_principal(), "0")
            home = _call(s, "PROPFIND", f"{base}/{user}/", davxml.propfind_calendars(), "1")
            home_parts = dict(split_responses(home))
            cals: dict[str, TemplateCalendar] = {}
            for c, slug in enumerate(CALENDARS):
                url = f"{base}/{user}/{slug}/"
                own = home_parts[f"/{user}/{slug}/"]
                ms = davxml.parse_multistatus(HOME_WRAP[0] + own + HOME_WRAP[1])
                ctag = ms.responses[0].text(davxml.GETCTAG)
                token = ms.responses[0].text(davxml.SYNC_TOKEN)
                listing = _call(
                    s, "REPORT", url, davxml.calendar_query(wide_start, wide_end, data=False), "1"
                )
                etags = {h.rsplit("/", 1)[-1]: f for h, f in split_responses(listing)}
                data = {
                    h.rsplit("/", 1)[-1]: f
                    for h, f in split_responses(
                        _call(
                            s,
                            "REPORT",
                            url,
                            davxml.calendar_multiget([f"/{user}/{slug}/{n}" for n in etags]),
                            "1",
                        )
                    )
                }
                victim = f"e{c}-0.ics"
                v0_etag = davxml.parse_multistatus(HOME_WRAP[0] + etags[victim] + HOME_WRAP[1])
                # the second version of the victim: the same meeting moved by an hour
                moved = event(f"t{k}-{slug}-0", 0, True, k, shift_minutes=60)
                r = s.put(
                    url + victim,
                    data=moved.encode(),
                    headers={"Content-Type": "text/calendar; charset=utf-8"},
                )
                assert r.status_code in (201, 204), r.status_code
                sync = _call(s, "REPORT", url, davxml.sync_collection(token), "1")
                assert sync_token_of(sync) != token
                v1_etag_fragment = dict(split_responses(sync))[f"/{user}/{slug}/{victim}"]
                v1_data = dict(
                    split_responses(
                        _call(
                            s,
                            "REPORT",
                            url,
                            davxml.calendar_multiget([f"/{user}/{slug}/{victim}"]),
                            "1",
                        )
                    )
                )[f"/{user}/{slug}/{victim}"]
                v1_etag = davxml.parse_multistatus(HOME_WRAP[0] + v1_etag_fragment + HOME_WRAP[1])
                cal = TemplateCalendar(
                    slug=slug,
                    ctag=ctag,
                    token=token,
                    home_fragment=b"",
                    etag_fragments={},
                    data_fragments={},
                    victim=victim,
                    victim_etags=(
                        v0_etag.responses[0].text(davxml.GETETAG),
                        v1_etag.responses[0].text(davxml.GETETAG),
                    ),
                    victim_etag_fragments=(b"", b""),
                    victim_data_fragments=(b"", b""),
                )
                cal.home_fragment = _placeholder(own, user, cal)
                cal.etag_fragments = {n: _placeholder(f, user) for n, f in etags.items()}
                cal.data_fragments = {n: _placeholder(f, user) for n, f in data.items()}
                cal.victim_etag_fragments = (
                    cal.etag_fragments[victim],
                    _placeholder(v1_etag_fragment, user),
                )
                cal.victim_data_fragments = (
                    cal.data_fragments[victim],
                    _placeholder(v1_data, user),
                )
                cals[slug] = cal
            out.append(
                Template(
                    principal=_placeholder(principal, user),
                    home_self=_placeholder(home_parts[f"/{user}/"], user),
                    calendars=cals,
                )
            )
    return out


HOME_WRAP = (b'<multistatus xmlns="DAV:">', b"</multistatus>")
