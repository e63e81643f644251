"""Real CalDAV servers from Debian's packages, each started and stopped by its fixture.

`.ci/install-caldav-servers.sh` installs them. A server that is not installed makes its
fixture skip, which tests/conftest.py turns into a failure under
CALENDAR_BOT_REQUIRE_ALL_SUITES=1 (CI): a server that cannot be set up fails CI.

- SabreDAV 1.8 (php-sabre-dav): the ancestor of Nextcloud's and Baikal's servers, run by
  PHP's built-in web server over PDO SQLite with its stock, Digest-only auth backend.
- Cyrus IMAP 3.6 with its CalDAV module (cyrus-imapd, cyrus-caldav), what Fastmail runs:
  its own `master` with a private config, users in a private sasldb, each user's mailbox
  made over IMAP by an admin (CalDAV needs it).
- DAViCal 1.1 (davical) on a private Apache (mod_php) with its own PostgreSQL database
  in the test cluster (CALENDAR_BOT_TEST_POSTGRES_URL's server), made by DAViCal's own
  create-database.sh and dropped afterwards.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import niquests
import pytest
from niquests.auth import HTTPDigestAuth

from calendar_bot.domain.model import Credentials
from tests.support.servers import CalDAVServer, _stop, free_port, wait_until_answers

SABRE = Path("/usr/share/php/Sabre")
SABRE_SQL = Path("/usr/share/doc/php-sabre-dav/examples/sql")
SABRE_REALM = "SabreDAV"

_SABRE_SERVER = """<?php
date_default_timezone_set('UTC');
$pdo = new \\PDO('sqlite:' . __DIR__ . '/db.sqlite');
$pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
require_once 'Sabre/autoload.php';
$authBackend = new \\Sabre\\DAV\\Auth\\Backend\\PDO($pdo);
$calendarBackend = new \\Sabre\\CalDAV\\Backend\\PDO($pdo);
$principalBackend = new \\Sabre\\DAVACL\\PrincipalBackend\\PDO($pdo);
$tree = array(
    new \\Sabre\\CalDAV\\Principal\\Collection($principalBackend),
    new \\Sabre\\CalDAV\\CalendarRootNode($principalBackend, $calendarBackend),
);
$server = new \\Sabre\\DAV\\Server($tree);
$server->setBaseUri('/');
$server->addPlugin(new \\Sabre\\DAV\\Auth\\Plugin($authBackend, 'SabreDAV'));
$server->addPlugin(new \\Sabre\\DAVACL\\Plugin());
$server->addPlugin(new \\Sabre\\CalDAV\\Plugin());
$server->exec();
"""


def _need(path: Path, package: str) -> None:
    if not path.exists():
        pytest.skip(f"{package} is not installed (.ci/install-caldav-servers.sh installs it)")


@contextlib.contextmanager
def run_sabredav() -> Iterator[CalDAVServer]:
    _need(SABRE / "DAV", "php-sabre-dav")
    php = shutil.which("php")
    if php is None:
        pytest.skip("php-cli is not installed (.ci/install-caldav-servers.sh installs it)")
    tmp = Path(tempfile.mkdtemp(prefix="sabredav-"))
    db = sqlite3.connect(tmp / "db.sqlite", check_same_thread=False)
    for name in ("users", "principals", "calendars", "locks"):
        db.executescript((SABRE_SQL / f"sqlite.{name}.sql").read_text())
    db.execute("DELETE FROM users")
    db.execute("DELETE FROM principals")
    db.commit()
    (tmp / "server.php").write_text(_SABRE_SERVER)
    port = free_port()
    log = (tmp / "php.log").open("wb")
    process = subprocess.Popen(
        [php, "-d", "include_path=/usr/share/php", "-S", f"127.0.0.1:{port}", "server.php"],
        cwd=tmp,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    lock = threading.Lock()

    def add_login(user: str, password: str) -> None:
        digest = hashlib.md5(f"{user}:{SABRE_REALM}:{password}".encode()).hexdigest()
        with lock:
            db.execute("INSERT INTO users (username, digesta1) VALUES (?, ?)", (user, digest))
            for suffix in ("", "/calendar-proxy-read", "/calendar-proxy-write"):
                db.execute(
                    "INSERT INTO principals (uri, email, displayname) VALUES (?, ?, ?)",
                    (
                        f"principals/{user}{suffix}",
                        f"{user}@example.test" if not suffix else None,
                        user,
                    ),
                )
            db.commit()

    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answers(base + "/", process, 15)
        yield SabreServer("sabredav", base, tmp, add_login, lambda u: f"/calendars/{u}/")
    finally:
        _stop(process)
        log.close()
        db.close()
        shutil.rmtree(tmp, ignore_errors=True)


CYRUS_BIN = Path("/usr/lib/cyrus/bin")

_CYRUS_CONF = """START {{
  recover cmd="{bin}/ctl_cyrusdb -r -C {dir}/imapd.conf"
}}
SERVICES {{
  imap cmd="{bin}/imapd -C {dir}/imapd.conf" listen="127.0.0.1:{imap}" prefork=0
  http cmd="{bin}/httpd -C {dir}/imapd.conf" listen="127.0.0.1:{http}" prefork=0
}}
EVENTS {{
}}
DAEMON {{
}}
"""

_IMAPD_CONF = """configdirectory: {dir}/conf
partition-default: {dir}/spool
sievedir: {dir}/sieve
admins: admin
servername: localhost
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {dir}/sasldb2
sasl_mech_list: PLAIN LOGIN
allowplaintext: yes
httpmodules: caldav
httpallowcompress: no
caldav_allowscheduling: off
sendmail: /bin/true
unixhierarchysep: yes
lmtpsocket: {dir}/socket/lmtp
idlesocket: {dir}/socket/idle
notifysocket: {dir}/socket/notify
"""


@contextlib.contextmanager
def run_cyrus() -> Iterator[CalDAVServer]:
    _need(CYRUS_BIN / "master", "cyrus-imapd")
    _need(CYRUS_BIN / "httpd", "cyrus-caldav")
    saslpasswd = shutil.which("saslpasswd2")
    if saslpasswd is None:
        pytest.skip("sasl2-bin is not installed (.ci/install-caldav-servers.sh installs it)")
    tmp = Path(tempfile.mkdtemp(prefix="cyrus-"))
    for sub in ("conf", "spool", "sieve", "socket"):
        (tmp / sub).mkdir()
    imap, http = free_port(), free_port()
    (tmp / "imapd.conf").write_text(_IMAPD_CONF.format(dir=tmp))
    (tmp / "cyrus.conf").write_text(
        _CYRUS_CONF.format(bin=CYRUS_BIN, dir=tmp, imap=imap, http=http)
    )
    sasldb = tmp / "sasldb2"
    lock = threading.Lock()

    def set_password(user: str, password: str) -> None:
        subprocess.run(
            [saslpasswd, "-p", "-f", str(sasldb), "-u", "localhost", "-c", user],
            input=password.encode(),
            check=True,
        )
        shutil.chown(sasldb, "cyrus", "mail")

    set_password("admin", _CYRUS_ADMIN_PASSWORD)
    for path in [tmp, *tmp.rglob("*")]:
        shutil.chown(path, "cyrus", "mail")
    log = (tmp / "master.log").open("wb")
    process = subprocess.Popen(
        [
            str(CYRUS_BIN / "master"),
            "-C",
            str(tmp / "imapd.conf"),
            "-M",
            str(tmp / "cyrus.conf"),
            "-p",
            str(tmp / "master.pid"),
            "-D",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def add_login(user: str, password: str) -> None:
        with lock:
            set_password(user, password)
            admin = imaplib.IMAP4("127.0.0.1", imap)
            try:
                admin.login("admin", _CYRUS_ADMIN_PASSWORD)
                status, answer = admin.create(f"user/{user}")
                assert status == "OK", answer
            finally:
                admin.logout()

    try:
        base = f"http://127.0.0.1:{http}"
        wait_until_answers(base + "/", process, 20)
        yield CalDAVServer("cyrus", base, tmp, add_login, lambda u: f"/dav/calendars/user/{u}/")
    finally:
        _stop(process)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


_CYRUS_ADMIN_PASSWORD = "cyrus-admin-test-only"


@pytest.fixture(scope="session")
def cyrus() -> Iterator[CalDAVServer]:
    with run_cyrus() as server:
        yield server


DAVICAL = Path("/usr/share/davical")
DAVICAL_CONF = Path("/etc/davical/calendar-bot-test-conf.php")
APACHE_MODULES = Path("/usr/lib/apache2/modules")

_APACHE_CONF = """ServerRoot /etc/apache2
LoadModule mpm_prefork_module {mods}/mod_mpm_prefork.so
LoadModule authz_core_module {mods}/mod_authz_core.so
LoadModule alias_module {mods}/mod_alias.so
LoadModule dir_module {mods}/mod_dir.so
LoadModule env_module {mods}/mod_env.so
LoadModule mime_module {mods}/mod_mime.so
LoadModule rewrite_module {mods}/mod_rewrite.so
LoadModule headers_module {mods}/mod_headers.so
LoadModule php_module {mods}/libphp8.2.so
Listen 127.0.0.1:{port}
ServerName calendar-bot-test:{port}
<Directory />
  AllowOverride None
</Directory>
UseCanonicalName On
PidFile {dir}/httpd.pid
ErrorLog {dir}/error.log
LogLevel warn
User www-data
Group www-data
TypesConfig /etc/mime.types
StartServers 2
MinSpareServers 1
MaxSpareServers 4
# as Debian deploys it: DAViCal under /davical/, nothing else served
DocumentRoot {dir}/www
SetEnv CALENDAR_BOT_DAVICAL_DB "{dsn}"
php_admin_value error_log {dir}/php.log
<FilesMatch "\\.php$">
  SetHandler application/x-httpd-php
</FilesMatch>
AcceptPathInfo On
Include /etc/apache2/sites-available/davical.conf
"""


def _postgres_env() -> dict[str, str]:
    """PGHOST/PGPORT/PGUSER of the test PostgreSQL (the same server the repository tests
    use)."""
    url = os.environ.get(
        "CALENDAR_BOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    parts = urlsplit(url.replace("+asyncpg", ""))
    env = {
        **os.environ,
        "PGHOST": parts.hostname or "127.0.0.1",
        "PGPORT": str(parts.port or 5432),
        "PGUSER": parts.username or "postgres",
    }
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return env


@contextlib.contextmanager
def run_davical() -> Iterator[CalDAVServer]:
    _need(DAVICAL / "htdocs" / "caldav.php", "davical")
    _need(APACHE_MODULES / "libphp8.2.so", "libapache2-mod-php")
    _need(DAVICAL_CONF, "davical's test configuration")
    apache = shutil.which("apache2") or "/usr/sbin/apache2"
    env = _postgres_env()
    probe = subprocess.run(["pg_isready", "-q"], env=env, check=False)
    if probe.returncode != 0:
        pytest.skip("the test PostgreSQL is not running (DAViCal keeps its data there)")
    tmp = Path(tempfile.mkdtemp(prefix="davical-"))
    dbname = f"davical_cb_{uuid.uuid4().hex[:10]}"
    made = subprocess.run(
        ["bash", str(DAVICAL / "dba" / "create-database.sh"), dbname, _DAVICAL_ADMIN_PASSWORD],
        env=env,
        capture_output=True,
        check=False,
    )
    assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    dsn = f"dbname={dbname} host={env['PGHOST']} port={env['PGPORT']} user=davical_app"
    port = free_port()
    (tmp / "www").mkdir()
    tmp.chmod(0o755)  # Apache's workers (www-data) look for .htaccess files on the way
    (tmp / "httpd.conf").write_text(
        _APACHE_CONF.format(mods=APACHE_MODULES, port=port, dir=tmp, dsn=dsn)
    )
    process = subprocess.Popen(
        [apache, "-f", str(tmp / "httpd.conf"), "-DFOREGROUND"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Apache signals its whole process group when it stops: not the test run's
        start_new_session=True,
    )
    lock = threading.Lock()

    def add_login(user: str, password: str) -> None:
        sql = (
            "INSERT INTO usr (username, password, fullname, email)"
            f" VALUES ('{user}', '**{password}', '{user}', '{user}@example.test');"
            "INSERT INTO principal (type_id, user_no, displayname, default_privileges)"
            f" SELECT 1, user_no, '{user}', '000000000000000000000000'"
            f" FROM usr WHERE username = '{user}';"
        )
        assert re.fullmatch(r"[\w.@-]+", user) and re.fullmatch(r"[\w.-]+", password)
        with lock:
            subprocess.run(["psql", "-qXAt", "-c", sql, dbname], env=env, check=True)

    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answers(base + "/", process, 20)
        yield CalDAVServer("davical", base, tmp, add_login, lambda u: f"/davical/caldav.php/{u}/")
    finally:
        _stop(process)
        subprocess.run(["dropdb", "--if-exists", dbname], env=env, check=False)
        shutil.rmtree(tmp, ignore_errors=True)


_DAVICAL_ADMIN_PASSWORD = "davical-admin-test-only"


@pytest.fixture(scope="session")
def davical() -> Iterator[CalDAVServer]:
    with run_davical() as server:
        yield server


class SabreServer(CalDAVServer):
    """Provisioning speaks Digest too: the stock backend offers nothing else."""

    def session(self, credentials: Credentials) -> niquests.Session:
        s = super().session(credentials)
        s.auth = HTTPDigestAuth(credentials.username, credentials.password)
        return s


@pytest.fixture(scope="session")
def sabredav() -> Iterator[CalDAVServer]:
    with run_sabredav() as server:
        yield server
