"""Action names: what a button, menu or dialog calls back with. routes.py maps each to its
handler, guard and payload type.

Payloads are typed (views/payloads.py: pack on the way out, unpack on the way back); on the
wire they stay short string pairs with these keys, as in the buttons already posted:
- `ref`: an occurrence reference from `views.refs.occurrence_ref` (MeetingRef, Rsvp)
- `partstat`: a `PartStat` value (Rsvp, InviteAnswer)
- `uid`: a meeting's iCalendar UID (InviteAnswer: found in the invitee's own calendars)
- `step`: the wizard step the button belongs to (WizardPick, WizardMark)
- `value`: a quick-pick value in the wizard's typed form: ISO date, `HH:MM`, minutes
- `field`: a wizard field to edit (WizardField)
- `on`: "1" or "0" for settings toggles (Toggle)
- `day`: an ISO date: a list's day, or the first day of a week (Day)
- `what`, `scope`, `value`: a change of one's own meeting: domain.edits What and Scope
  values, the new start (ISO) or length (minutes) (OwnEdit)
- `start`, `minutes`, `to`: a found slot's start (ISO, UTC), length, and invitees, one
  "e-mail<TAB>name" per line (FoundSlot)
A menu's chosen value arrives as the click's `selected_option` (MeetingRef, CalendarChoice,
ReminderChoice, HourChoice).
"""

from __future__ import annotations

from typing import Final

# Connecting
CONNECT: Final = "connect"  # button: open the connect dialog
CONNECT_SUBMIT: Final = "connect.submit"  # the connect dialog's submission
CONNECT_BY_MESSAGE: Final = "connect.message"  # fallback: type the password as a message
CONNECT_CANCEL: Final = "connect.cancel"
RECONNECT: Final = "reconnect"  # the password stopped working: open the dialog again

# Main menu
MENU: Final = "menu"  # show the main menu
MENU_TODAY: Final = "menu.today"
MENU_NOW: Final = "menu.now"
MENU_TOMORROW: Final = "menu.tomorrow"
MENU_WEEK: Final = "menu.week"
MENU_CREATE: Final = "menu.create"
HELP: Final = "help"

# Lists: another day or week, updated in place
LIST_DAY: Final = "list.day"  # payload: day (ISO date)
LIST_WEEK: Final = "list.week"  # payload: day (ISO date of the week's first day)
LIST_OTHER_DATE: Final = "list.other"  # says how to ask for any date

# Meetings
OPEN_MEETING: Final = "meeting.open"  # menu: selected_option is an occurrence ref; button: ref
RSVP: Final = "meeting.rsvp"  # payload: ref, partstat
INVITE_RSVP: Final = "invite.rsvp"  # an invitation told by the bot: payload uid, partstat
JOIN: Final = "meeting.join"  # a link button (url); never called back
# Changing one's own meeting (payload OwnEdit: ref, what, scope, value), on its card
OWN_EDIT: Final = "meeting.edit"  # Move / Rename / Duration / Cancel: ref, what
OWN_SCOPE: Final = "meeting.edit.scope"  # a series: which meetings: ref, what, scope
OWN_APPLY: Final = "meeting.edit.apply"  # a quick pick or the confirmation: + value
OWN_BACK: Final = "meeting.edit.back"  # back to the meeting's card

# The create-meeting wizard
WIZARD_PICK: Final = "wizard.pick"  # payload: step, value
WIZARD_SKIP: Final = "wizard.skip"  # payload: step ("Skip", "Invite nobody")
WIZARD_CANCEL: Final = "wizard.cancel"
WIZARD_CREATE: Final = "wizard.create"
WIZARD_EDIT: Final = "wizard.edit"  # show the field picker
WIZARD_EDIT_FIELD: Final = "wizard.edit_field"  # payload: field
WIZARD_SUMMARY: Final = "wizard.summary"  # back from the field picker to the summary
WIZARD_FIND: Final = "wizard.find"  # payload: step ("Find a time with them")
WIZARD_VIDEO: Final = "wizard.video"  # payload: step (add or remove the video link)

# Find a time together
FIND_PICK: Final = "find.pick"  # payload: start, minutes, invitees: the wizard's summary, filled

# Settings
SETTINGS: Final = "settings"
SETTINGS_REMINDER: Final = "settings.reminder"  # menu: a lead to toggle (0: at start), "off"
SETTINGS_AT_START: Final = "settings.at_start"  # payload: on (cards from before several leads)
SETTINGS_QUIET: Final = "settings.quiet"  # menu: "22-8" quiet hours, or "off"
SETTINGS_QUIET_REMINDERS: Final = "settings.quiet_reminders"  # payload: on
SETTINGS_DIGEST_WORK_DAYS: Final = "settings.digest_work_days"  # payload: on
SETTINGS_MUTE: Final = "settings.mute"  # menu: a calendar_ref to mute or unmute
SETTINGS_DIGEST: Final = "settings.digest"  # payload: on
SETTINGS_WORK_START: Final = "settings.work_start"  # menu: the hour working hours start
SETTINGS_WORK_END: Final = "settings.work_end"  # menu: the hour they end
SETTINGS_WORK_DAYS: Final = "settings.work_days"  # menu: a WORK_DAY_SETS key
SETTINGS_DIGEST_HOUR: Final = "settings.digest_hour"  # menu: hour 0..23
SETTINGS_DIGEST_EMPTY: Final = "settings.digest_empty"  # payload: on
SNOOZE: Final = "snooze"  # menu under a reminder: payload ref, choice domain.snooze
SETTINGS_PRESENCE: Final = "settings.presence"  # menu: off, status, status_dnd

# Log out
LOGOUT: Final = "logout"  # ask for confirmation
LOGOUT_CONFIRM: Final = "logout.confirm"
LOGOUT_CANCEL: Final = "logout.cancel"

# Diagnostics
RAW: Final = "raw"  # show the calendar picker
RAW_CALENDAR: Final = "raw.calendar"  # menu: selected_option is a calendar ref
