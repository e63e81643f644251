"""The CalDAV adapter: discovery, change detection, fetch, writes; iCalendar <-> domain."""

from calendar_bot.caldav.gateway import CalDAVGateway

__all__ = ["CalDAVGateway"]
