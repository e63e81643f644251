#!/usr/bin/env bash
# The real CalDAV servers the adapter's suite runs on besides Radicale and Xandikos (PyPI):
# Cyrus IMAP's CalDAV, DAViCal (Apache + PHP + PostgreSQL) and SabreDAV 1.8 (PHP's built-in
# server), all from Debian. Each test fixture starts and stops its own instance; nothing here
# is left running.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v php >/dev/null 2>&1 || need+=(php-cli)
[ -d /usr/share/php/Sabre/DAV ] || need+=(php-sabre-dav)
php -m 2>/dev/null | grep -qi pdo_sqlite || need+=(php-sqlite3)
[ -x /usr/lib/cyrus/bin/master ] || need+=(cyrus-imapd cyrus-caldav cyrus-admin sasl2-bin)
[ -d /usr/share/davical ] || need+=(davical apache2 libapache2-mod-php php-pgsql)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# DAViCal picks its configuration by the web server's name; the test fixture's private
# Apache calls itself calendar-bot-test and hands over its session's database by
# environment (tests/support/debian_servers.py).
if [ -d /etc/davical ]; then
  cat > /etc/davical/calendar-bot-test-conf.php <<'PHP'
<?php
// calendar-bot's test DAViCal (tests/support/debian_servers.py): the database comes from
// the private Apache instance's environment, so each test session has its own.
$c->pg_connect[] = getenv('CALENDAR_BOT_DAVICAL_DB');
$c->admin_email = 'admin@example.test';
$c->system_name = 'calendar-bot test DAViCal';
// the name was only for picking this file: links and redirects name the address in use
$_SERVER['SERVER_NAME'] = '127.0.0.1';
PHP
fi
