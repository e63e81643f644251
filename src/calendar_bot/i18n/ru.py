"""Russian texts (the default locale). Keys and {placeholders} match en.py exactly."""

# Catalog texts read best one per line, so long lines are allowed here.
# ruff: noqa: E501

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, str]] = {
    # ---- common ------------------------------------------------------------------------
    "common.cancel": "✖️ Отмена",
    "common.skip": "⏭ Пропустить",
    "common.back": "↩️ В меню",
    "common.untitled": "(без названия)",
    "common.none": "—",
    "common.enabled": "включено",
    "common.disabled": "выключено",
    "common.enabled.feminine": "включена",
    "common.disabled.feminine": "выключена",
    "common.and_more": "…и ещё {count}",
    "error.generic": "😕 Что-то пошло не так. Попробуйте ещё раз чуть позже.",
    "stale.text": "⌛ Эта кнопка больше не действует. Напишите `помощь` — покажу, что можно сделать сейчас.",
    "dm_only.text": "🙂 Я работаю только в личных сообщениях — напишите мне здесь: @{bot}",
    "unknown.text": "🤔 Не понял. Выберите действие ниже или напишите `помощь`.",
    "not_connected.text": "Сначала подключите календарь — это займёт минуту.",
    "command.sent_to_dm": "📬 Ответ — в личных сообщениях с ботом.",
    # ---- dates and times ---------------------------------------------------------------
    "date.weekday.0": "пн",
    "date.weekday.1": "вт",
    "date.weekday.2": "ср",
    "date.weekday.3": "чт",
    "date.weekday.4": "пт",
    "date.weekday.5": "сб",
    "date.weekday.6": "вс",
    "date.month.1": "января",
    "date.month.2": "февраля",
    "date.month.3": "марта",
    "date.month.4": "апреля",
    "date.month.5": "мая",
    "date.month.6": "июня",
    "date.month.7": "июля",
    "date.month.8": "августа",
    "date.month.9": "сентября",
    "date.month.10": "октября",
    "date.month.11": "ноября",
    "date.month.12": "декабря",
    "date.format": "{weekday}, {day} {month}",
    "date.format_year": "{weekday}, {day} {month} {year}",
    "date.day_month": "{day} {month}",
    "time.all_day": "весь день",
    "time.all_day_range": "весь день, {start} – {end}",
    "time.on_day": "{date}, {start}–{end}",
    "time.across_days": "{start_date}, {start} – {end_date}, {end}",
    "time.on_day_all_day": "{date}, весь день",
    "time.range_all_day": "{start} – {end}, весь день",
    "time.next_day": "{time} ({weekday}, следующего дня)",
    "duration.minutes": "{minutes} мин",
    "duration.hours": "{hours} ч",
    "duration.hours_minutes": "{hours} ч {minutes} мин",
    "plural.minutes": "{count} минута|{count} минуты|{count} минут",
    "plural.in_minutes": "через {count} минуту|через {count} минуты|через {count} минут",
    "plural.meetings_over": (
        "✔️ {count} встреча сегодня уже прошла|✔️ {count} встречи сегодня уже прошли"
        "|✔️ {count} встреч сегодня уже прошли"
    ),
    "plural.meetings": "{count} встреча|{count} встречи|{count} встреч",
    "plural.rrule.days": "раз в {count} день|раз в {count} дня|раз в {count} дней",
    "plural.rrule.weeks": "раз в {count} неделю|раз в {count} недели|раз в {count} недель",
    "plural.rrule.months": "раз в {count} месяц|раз в {count} месяца|раз в {count} месяцев",
    "plural.rrule.years": "раз в {count} год|раз в {count} года|раз в {count} лет",
    "rrule.daily": "каждый день",
    "rrule.weekly": "каждую неделю",
    "rrule.monthly": "каждый месяц",
    "rrule.yearly": "каждый год",
    "rrule.on_days": "{rule}: {days}",
    # ---- statuses ----------------------------------------------------------------------
    "status.accepted": "✅ принято",
    "status.tentative": "🤔 возможно",
    "status.declined": "❌ отклонено",
    "status.needs_action": "❓ нет ответа",
    "status.delegated": "↪️ передано",
    "status.organizer": "👑 организатор",
    "status.none": "—",
    # ---- connecting --------------------------------------------------------------------
    "greeting.hello": "👋 Привет!",
    "greeting.hello_named": "👋 Привет, {name}!",
    "greeting.text": (
        "Я покажу ваши встречи, напомню о них заранее и помогу создать новые — прямо здесь,"
        " в личных сообщениях.\n\n"
        "Чтобы начать, подключите календарь: Mail.ru или любой CalDAV-сервер. Понадобится"
        " **пароль приложения** (не пароль от почты) — для Mail.ru его можно создать здесь:"
        " {app_password_url}"
    ),
    "greeting.connect": "🔗 Подключить календарь",
    "greeting.by_message": "✉️ Отправить пароль сообщением",
    "connect.dialog.title": "Подключение календаря",
    "connect.dialog.intro": (
        "Нужен **пароль приложения**, а не обычный пароль от почты. Для Mail.ru создайте его"
        " здесь: {app_password_url}\n\n"
        "Я проверю вход на сервере и сохраню пароль только в зашифрованном виде."
    ),
    "connect.dialog.submit": "Подключить",
    "connect.field.email": "E-mail",
    "connect.field.email_help": "Адрес, с которым вы входите в календарь.",
    "connect.field.password": "Пароль приложения",
    "connect.field.password_help": "Mail.ru: Безопасность → Пароли для внешних приложений. Пароль от почты не подойдёт.",
    "connect.field.server": "Сервер",
    "connect.field.server_help": "Mail.ru: {url}. Яндекс, Nextcloud, iCloud и другие — «Другой», адрес ниже.",
    "connect.server.mailru": "Mail.ru Календарь",
    "connect.server.other": "Другой CalDAV-сервер",
    "connect.field.url": "Адрес CalDAV-сервера",
    "connect.field.url_help": "Только для «Другой»: например, https://caldav.yandex.ru",
    "connect.error.auth": "Сервер не принял e-mail и пароль. Проверьте, что это пароль приложения, а не пароль от почты.",
    "connect.error.unreachable": "Не удалось связаться с сервером. Проверьте адрес или попробуйте чуть позже.",
    "connect.error.not_caldav": "По этому адресу нет CalDAV-календаря. Проверьте адрес сервера.",
    "connect.error.email": "Это не похоже на e-mail. Пример: name@mail.ru",
    "connect.error.url": "Нужен адрес вида https://caldav.example.com",
    "connect.error.url_required": "Укажите адрес сервера — или выберите Mail.ru.",
    "connect.error.password_required": "Введите пароль приложения.",
    "connect.failed": "❌ Не получилось подключиться. {reason}",
    "connect.retry": "🔄 Попробовать ещё раз",
    "connect.typed.email_prompt": "✉️ Напишите e-mail, с которым вы входите в календарь.",
    "connect.typed.password_prompt": (
        "🔐 Отправьте сюда **пароль приложения** для {email} ({server}) одним сообщением.\n\n"
        "Создать его для Mail.ru можно здесь: {app_password_url}\n"
        "Сразу после проверки я удалю ваше сообщение с паролем."
    ),
    "connect.checking": "⏳ Проверяю вход…",
    "connect.password_deleted": "🧹 Я удалил ваше сообщение с паролем — в истории чата его больше нет.",
    "connect.password_not_deleted": (
        "⚠️ Не получилось удалить ваше сообщение с паролем. Пожалуйста, удалите его сами"
        " (⋯ → Удалить)."
    ),
    "connect.already_connected": "✅ Календарь уже подключён — отменять нечего.",
    "connect.cancelled": "👌 Подключение отменено. Когда будете готовы — нажмите кнопку.",
    "connected.title": "✅ Календарь подключён!",
    "connected.title_email": "✅ Календарь {email} подключён!",
    "connected.calendars": "📚 Нашёл календари ({count}):",
    "connected.unnamed": "(без названия)",
    "connected.read_only": "— только чтение",
    "connected.none": "Календарей пока не видно — создайте календарь на сервере, и я его подхвачу.",
    "connected.hint": "Буду напоминать о встречах и сообщать об изменениях. Что показать?",
    "reconnect.text": "🔑 Пароль для {email} перестал подходить — я не могу читать календарь.",
    "reconnect.text_plain": "🔑 Сохранённый пароль перестал подходить — я не могу читать календарь.",
    "reconnect.hint": "Создайте новый пароль приложения ({app_password_url}) и подключитесь заново.",
    "reconnect.button": "🔄 Подключить заново",
    # ---- menu and help -----------------------------------------------------------------
    "menu.prompt": "Что показать? 👇",
    "menu.today": "📅 Сегодня",
    "menu.now": "⏱ Сейчас и далее",
    "menu.tomorrow": "🌅 Завтра",
    "menu.week": "🗓 Неделя",
    "menu.create": "➕ Создать встречу",
    "menu.settings": "⚙️ Настройки",
    "menu.logout": "🚪 Выйти",
    "help.text": (
        "ℹ️ **Что я умею**\n\n"
        "Нажимайте кнопки или пишите команды:\n"
        "• `сегодня` / `today` — встречи на сегодня\n"
        "• `сейчас` / `now` — что идёт сейчас и что дальше\n"
        "• `завтра` / `tomorrow` — встречи на завтра\n"
        "• `неделя` / `week` — встречи на неделю\n"
        "• `создать` / `new` — создать встречу\n"
        "• `помощь` / `help` — эта подсказка\n"
        "• `выйти` / `logout` — отключить календарь и удалить данные\n\n"
        "То же самое работает через `/calendar` в любом канале, например `/calendar сегодня`."
    ),
    # ---- meeting lists -----------------------------------------------------------------
    "table.time": "Время",
    "table.title": "Встреча",
    "table.status": "Мой статус",
    "list.today_title": "📅 **Сегодня, {date}**",
    "list.tomorrow_title": "🌅 **Завтра, {date}**",
    "list.day_title": "📅 **{date}**",
    "list.empty_today": "Сегодня встреч нет — можно спокойно поработать 🌿",
    "list.empty_tomorrow": "Завтра встреч нет 🌿",
    "list.empty_day": "В этот день встреч нет 🌿",
    "list.continued": "(продолжение)",
    "list.open_placeholder": "Открыть встречу…",
    "list.join_marker": "🎥",
    "list.recurring_marker": "🔁",
    "now.title": "⏱ **Сейчас и далее** · {time}",
    "now.current": "🟢 **Идёт сейчас**",
    "now.next": "⏭ **Дальше сегодня**",
    "now.nothing_now": "Сейчас встреч нет.",
    "now.nothing_later": "Больше встреч сегодня нет.",
    "now.empty": "Больше встреч сегодня нет — свободное время 🎉",
    "week.title": "🗓 **Неделя: {start} — {end}**",
    "week.today": "сегодня",
    "week.free_day": "_свободно_",
    "week.empty": "На этой неделе встреч нет 🌿",
    "digest.morning": "☀️ Доброе утро!",
    "digest.day": "👋 Добрый день!",
    "digest.evening": "🌙 Добрый вечер!",
    "digest.intro": "Сегодня, {date}, у вас {meetings}:",
    "digest.nothing_left": "Сегодня, {date}, встреч больше нет.",
    "digest.empty": "Сегодня, {date}, встреч нет — свободный день 🌿",
    # ---- one meeting -------------------------------------------------------------------
    "details.title": "📌 **{title}**",
    "details.when": "🕒 {when}",
    "details.organizer": "👤 Организатор: {name}",
    "details.organizer_me": "👤 Организатор: вы",
    "details.location": "📍 {location}",
    "details.link": "🔗 {url}",
    "details.attendees": "👥 Участники ({count}):",
    "details.description": "📝 Описание:",
    "details.my_status": "Ваш ответ: {status}",
    "details.recurring": "🔁 Повторяющаяся встреча",
    "details.cancelled": "🚫 **Встреча отменена**",
    "details.join": "🎥 Подключиться",
    "rsvp.accept": "✅ Приду",
    "rsvp.tentative": "🤔 Возможно",
    "rsvp.decline": "❌ Не приду",
    "rsvp.done.accepted": "✅ Вы приняли приглашение: **{title}**, {when}",
    "rsvp.done.tentative": "🤔 Вы ответили «возможно»: **{title}**, {when}",
    "rsvp.done.declined": "❌ Вы отклонили приглашение: **{title}**, {when}",
    "rsvp.done.other": "Ответ сохранён ({status}): **{title}**, {when}",
    "meeting.error.gone": "🤷 Этой встречи больше нет в календаре — возможно, её отменили или перенесли.",
    "meeting.error.conflict": "🔄 Встреча только что изменилась на сервере. Откройте её заново и попробуйте ещё раз.",
    "meeting.error.unreachable": "📡 Сервер календаря не отвечает. Попробуйте чуть позже.",
    "meeting.error.forbidden": "🔒 Сервер не разрешил изменить эту встречу.",
    "meeting.error.auth": "🔑 Сервер календаря не принял пароль. Подключите календарь заново.",
    # ---- notifications -----------------------------------------------------------------
    "notify.new": "🆕 **Новая встреча:** {title}",
    "notify.new_series": "🆕 🔁 **Новая серия встреч:** {title}",
    "notify.series_rule": "🔁 Повторяется {rule}",
    "notify.series_first": "🕒 Ближайшая: {when}",
    "notify.invitation": "📨 **Вас пригласили:** {title}",
    "notify.invitation_series": "📨 🔁 **Вас пригласили на серию встреч:** {title}",
    "notify.cancelled": "🚫 **Встреча отменена:** {title}",
    "notify.cancelled_series": "🚫 **Серия встреч отменена:** {title}",
    "notify.moved": "🔀 **Встреча перенесена:** {title}",
    "notify.was": "Было: {value}",
    "notify.now": "Стало: {value}",
    "notify.updated": "✏️ **Встреча изменена:** {title}",
    "notify.changed_title": "Название: ~~{old}~~ → {new}",
    "notify.changed_location": "Место: ~~{old}~~ → {new}",
    "remind.soon": "⏰ **{title}** — {in_minutes}",
    "remind.now": "🔔 **{title}** — начинается сейчас!",
    "remind.soon_started": "⏰ **{title}** — началась в {time}",
    "remind.started": "🔔 **{title}** — уже идёт, началась в {time}",
    "remind.in_duration": "через {duration}",
    "remind.late": "_(с опозданием: бот был недоступен)_",
    "remind.at": "🕒 Начало: {weekday} {time}",
    # ---- the create-meeting wizard -----------------------------------------------------
    "wizard.step": "➕ **Новая встреча** · шаг {number} из {total}",
    "wizard.title.prompt": "✏️ Как назовём встречу?",
    "wizard.date.prompt": (
        "📅 Какого числа? Напишите дату (`15.12`, `5 января`, `завтра`, `в пятницу`) или выберите:"
    ),
    "wizard.date.today": "Сегодня, {date}",
    "wizard.date.tomorrow": "Завтра, {date}",
    "wizard.date.after": "Послезавтра, {date}",
    "wizard.time.prompt": "🕒 Во сколько начало? Напишите время `ЧЧ:ММ` (24 часа), например `14:30` или `14-30`, или выберите:",
    "wizard.time.at": "🕒 {time}",
    "wizard.duration.prompt": "⏳ Сколько продлится? Напишите минуты (`45`) или часы (`1ч30`), или выберите:",
    "wizard.attendees.prompt": (
        "👥 Кого пригласить? Напишите `@username` или e-mail через запятую,"
        " например `@ivan, anna@mail.ru`."
    ),
    "wizard.attendees.nobody": "🙅 Никого не приглашать",
    "wizard.description.prompt": "📝 Добавьте описание или повестку — или пропустите этот шаг.",
    "wizard.location.prompt": "📍 Где встречаемся? Переговорка, адрес или ссылка на созвон — или пропустите.",
    "wizard.summary.heading": "📋 **Проверьте встречу**",
    "wizard.summary.title": "**Название:** {value}",
    "wizard.summary.date": "**Дата:** {value}",
    "wizard.summary.time": "**Время:** {start}–{end}",
    "wizard.summary.duration": "**Длительность:** {value}",
    "wizard.summary.attendees": "**Участники:** {value}",
    "wizard.summary.location": "**Место:** {value}",
    "wizard.summary.description": "**Описание:**",
    "wizard.summary.description_none": "**Описание:** —",
    "wizard.summary.none": "—",
    "wizard.create": "✅ Создать",
    "wizard.edit": "✏️ Изменить",
    "wizard.edit.prompt": "✏️ Что изменить?",
    "wizard.edit.back": "📋 К сводке",
    "wizard.field.title": "Название",
    "wizard.field.date": "Дата",
    "wizard.field.time": "Время",
    "wizard.field.duration": "Длительность",
    "wizard.field.attendees": "Участники",
    "wizard.field.description": "Описание",
    "wizard.field.location": "Место",
    "wizard.still_open": (
        "✏️ Новая встреча ещё не создана: жду ответ на шаг {number} из {total}."
        " Напишите «отмена», чтобы выйти."
    ),
    "wizard.still_open.summary": (
        "✏️ Новая встреча ещё не создана: проверьте сводку выше и нажмите «Создать» — или «Отмена»."
    ),
    "wizard.cancelled": "👌 Создание встречи отменено.",
    "wizard.created": "🎉 **Встреча создана!**",
    "wizard.error_line": "⚠️ {text}",
    "wizard.error.title.empty": "Название не может быть пустым. Напишите, как назовём встречу.",
    "wizard.error.title.too_long": "Слишком длинное название — не больше {max} символов.",
    "wizard.error.date.invalid": (
        "Не понял дату. Напишите её как `ДД.ММ` (например, `15.12`), `5 января`, `завтра`,"
        " день недели (`пт`) или `следующий понедельник`."
    ),
    "wizard.error.date.no_such_day": "Такого дня нет в календаре. Проверьте число и месяц.",
    "wizard.error.date.past": "Эта дата уже прошла. Выберите сегодня или позже.",
    "wizard.error.time.invalid": "Не понял время. Напишите его как `ЧЧ:ММ`, например `09:30` или `14:00`.",
    "wizard.error.time.range": "Такого времени нет: часы — от 00 до 23, минуты — от 00 до 59.",
    "wizard.error.time.past": "Это время уже прошло. Укажите время позже {now}.",
    "wizard.error.duration.invalid": "Не понял длительность. Напишите минуты (`45`) или часы и минуты (`1ч30`, `1:30`).",
    "wizard.error.duration.range": "Длительность — от 1 минуты до 24 часов.",
    "wizard.error.attendees.unknown": "Не нашёл таких пользователей: {names}. Проверьте написание или укажите e-mail.",
    "wizard.error.attendees.invalid": "Не понял: {names}. Пишите `@username` или e-mail через запятую.",
    "wizard.error.description.too_long": "Слишком длинное описание — не больше {max} символов.",
    "wizard.error.location.too_long": "Слишком длинное место — не больше {max} символов.",
    "wizard.error.input.empty": "Пустой ответ. Напишите значение или нажмите кнопку ниже.",
    "wizard.error.generic": "Не получилось понять ответ. Попробуйте ещё раз.",
    # ---- settings ----------------------------------------------------------------------
    "settings.title": "⚙️ **Настройки**",
    "settings.saved": "✅ Сохранено.",
    "settings.reminder": "⏰ Напоминание до встречи: {value}",
    "settings.reminder.lead": "за {duration}",
    "settings.reminder.option": "За {duration}",
    "settings.reminder.option_off": "Не напоминать",
    "settings.reminder.placeholder": "Напоминать за…",
    "settings.at_start": "🔔 Напоминание в момент начала: {value}",
    "settings.at_start.on": "🔔 Напоминать в начале",
    "settings.at_start.off": "🔕 Не напоминать в начале",
    "settings.digest": "☀️ Утренняя сводка: {value}",
    "settings.digest.at": "в {time}",
    "settings.digest.on": "☀️ Включить сводку",
    "settings.digest.off": "🌑 Выключить сводку",
    "settings.digest_hour.placeholder": "Время сводки…",
    "settings.digest_empty": "🌿 Сводка в дни без встреч: {value}",
    "settings.digest_empty.on": "🌿 Присылать сводку без встреч",
    "settings.digest_empty.off": "🍃 Не присылать пустую сводку",
    "settings.timezone": "🌍 Часовой пояс: {tz}, из профиля Mattermost",
    "settings.timezone.offset": "{city} (UTC{offset})",
    "settings.raw": "🧪 RAW CalDAV",
    # ---- log out -----------------------------------------------------------------------
    "logout.confirm": (
        "🚪 Выйти и удалить все ваши данные? Я забуду пароль, настройки и сохранённые"
        " встречи. Сам календарь на сервере не изменится."
    ),
    "logout.yes": "Да, выйти",
    "logout.no": "Нет, остаться",
    "logout.done": "👋 Готово: вы вышли, все ваши данные удалены. Чтобы вернуться, просто напишите мне.",
    "logout.cancelled": "👍 Остаёмся на связи.",
    # ---- RAW CalDAV --------------------------------------------------------------------
    "raw.pick": "🧪 **RAW CalDAV** — выберите календарь, и я покажу ответ сервера как есть:",
    "raw.placeholder": "Календарь…",
    "raw.header": "🧪 RAW CalDAV · **{calendar}**",
    "raw.part": "Часть {number} из {total}",
    "raw.empty": "Сервер вернул пустой ответ.",
    "raw.no_calendars": "Календарей не найдено.",
}
