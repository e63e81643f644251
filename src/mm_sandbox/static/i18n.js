// The page's own texts in Russian and English. The page follows the signed-in user's
// Mattermost language (their profile's `locale`, as the real web app does); before sign-in, the
// switch on the sign-in form (first guess: the browser's language).
"use strict";

(function (global) {
  const TEXTS = {
    en: {
      "page.title": "Mattermost emulator — web chat",
      "login.heading": "Sign in",
      "login.intro": "A local Mattermost emulator. Sign in to chat with the bot.",
      "login.username": "Username",
      "login.password": "Password",
      "login.peer": "Chat with",
      "login.submit": "Sign in",
      "login.language": "Language",
      "login.demo": "Demo accounts (click to fill in):",
      "login.demo_hint": " password {password} · calendar {login} / {calendar_password}",
      "ws.offline": "offline",
      "ws.live": "live",
      "ws.reconnecting": "reconnecting…",
      "profile.hint": "Your Mattermost profile: the bot follows it",
      "profile.timezone": "Time zone",
      "profile.language": "Language",
      "profile.save": "Save",
      "profile.saved": "saved",
      "logout": "Sign out",
      "composer.placeholder": "Write to the bot… (Enter sends, Shift+Enter: new line)",
      "composer.send": "Send",
      "post.edited": "(edited)",
      "post.ephemeral": "(only visible to you)",
      "post.bot": "BOT",
      "post.select": "Select an option",
      "post.action_failed": "Action failed: {error}",
      "post.send_failed": "Could not send: {error}",
      "dialog.cancel": "Cancel",
      "dialog.submit": "Submit",
      "dialog.optional": "(optional)",
      "dialog.required": "This field is required.",
      "panel.clock": "Sandbox clock",
      "panel.now": "Now:",
      "panel.plus15": "+15 min",
      "panel.plus60": "+1 hour",
      "panel.plus1440": "+1 day",
      "panel.minutes": "minutes",
      "panel.advance": "Fast-forward",
      "panel.calendar": "Demo calendar",
      "panel.event_title": "Title",
      "panel.event_start": "Start (sandbox time)",
      "panel.event_minutes": "Duration, minutes",
      "panel.add": "Add event",
      "panel.all_day": "(all day)",
      "panel.repeats": "repeats",
      "panel.move": "Move +1 h",
      "panel.move_day": "Move +1 day",
      "panel.cancel": "Cancel",
    },
    ru: {
      "page.title": "Эмулятор Mattermost — веб-чат",
      "login.heading": "Вход",
      "login.intro": "Локальный эмулятор Mattermost. Войдите, чтобы написать боту.",
      "login.username": "Имя пользователя",
      "login.password": "Пароль",
      "login.peer": "Собеседник",
      "login.submit": "Войти",
      "login.language": "Язык",
      "login.demo": "Демо-пользователи (нажмите, чтобы подставить):",
      "login.demo_hint": " пароль {password} · календарь {login} / {calendar_password}",
      "ws.offline": "не в сети",
      "ws.live": "в сети",
      "ws.reconnecting": "переподключение…",
      "profile.hint": "Ваш профиль в Mattermost: бот следует ему",
      "profile.timezone": "Часовой пояс",
      "profile.language": "Язык",
      "profile.save": "Сохранить",
      "profile.saved": "сохранено",
      "logout": "Выйти",
      "composer.placeholder": "Напишите боту… (Enter — отправить, Shift+Enter — новая строка)",
      "composer.send": "Отправить",
      "post.edited": "(изменено)",
      "post.ephemeral": "(видно только вам)",
      "post.bot": "БОТ",
      "post.select": "Выберите вариант",
      "post.action_failed": "Действие не выполнено: {error}",
      "post.send_failed": "Не удалось отправить: {error}",
      "dialog.cancel": "Отмена",
      "dialog.submit": "Отправить",
      "dialog.optional": "(необязательно)",
      "dialog.required": "Это поле обязательно.",
      "panel.clock": "Часы песочницы",
      "panel.now": "Сейчас:",
      "panel.plus15": "+15 мин",
      "panel.plus60": "+1 час",
      "panel.plus1440": "+1 день",
      "panel.minutes": "минуты",
      "panel.advance": "Перемотать",
      "panel.calendar": "Демо-календарь",
      "panel.event_title": "Название",
      "panel.event_start": "Начало (время песочницы)",
      "panel.event_minutes": "Длительность, минут",
      "panel.add": "Добавить встречу",
      "panel.all_day": "(весь день)",
      "panel.repeats": "повторяется",
      "panel.move": "Сдвинуть на +1 ч",
      "panel.move_day": "Сдвинуть на +1 день",
      "panel.cancel": "Отменить",
    },
  };

  let current = "en";

  // Mattermost's locales are "ru", "en", "pt-BR"...: the page has Russian and English.
  function pick(locale) {
    return String(locale || "").toLowerCase().startsWith("ru") ? "ru" : "en";
  }

  function t(key, vars) {
    const text = (TEXTS[current] && TEXTS[current][key]) || TEXTS.en[key] || key;
    return text.replace(/\{(\w+)\}/g, function (_, name) {
      return vars && name in vars ? String(vars[name]) : "{" + name + "}";
    });
  }

  // Every element marked with data-i18n (its text), data-i18n-placeholder or data-i18n-title.
  function apply(root) {
    const scope = root || document;
    scope.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = t(node.dataset.i18n);
    });
    scope.querySelectorAll("[data-i18n-placeholder]").forEach(function (node) {
      node.placeholder = t(node.dataset.i18nPlaceholder);
    });
    scope.querySelectorAll("[data-i18n-title]").forEach(function (node) {
      node.title = t(node.dataset.i18nTitle);
    });
    document.documentElement.lang = current;
    document.title = t("page.title");
  }

  function setLocale(locale) {
    const next = pick(locale);
    const changed = next !== current;
    current = next;
    apply();
    return changed;
  }

  global.I18n = {
    t: t,
    apply: apply,
    setLocale: setLocale,
    pick: pick,
    locale: function () { return current; },
    texts: TEXTS,
  };
})(window);
