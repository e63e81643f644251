"""Domain objects -> transport-neutral messages, through the i18n catalogs.

Every view is a pure function of domain values, a locale, the user's time zone and "now".
- actions: the action names buttons, menus and dialogs call back with
- refs: short ids for occurrences and calendars in payloads
- common: main menu, help, unknown input, DM pointer, stale button, generic error
- onboarding: greeting, connect dialog and errors, typed-password fallback, reconnect
- meetings: day / now-and-next / week lists, digest, details, RSVP results
- wizard: the create-meeting prompts, errors, summary, results
- notifications: changes, invitations, reminders
- settings: settings, log out, RAW CalDAV
- formatting, split: dates, times, Markdown escaping; splitting under the post limit
"""
