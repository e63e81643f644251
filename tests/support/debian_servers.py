"""Real CalDAV servers from Debian's packages, each started and stopped by its fixture.

`.ci/install-caldav-servers.sh` installs them. A server that is not installed makes its
fixture skip, which tests/conftest.py turns into a failure under
CALENDAR_BOT_REQUIRE_ALL_SUITES=1 (CI): a server that cannot be set up fails CI.

- SabreDAV 1.8 (php-sabre-dav): the ancestor of Nextcloud's and Baikal's servers, run by
  PHP's built-in web server over PDO SQLite with its stock, Digest-only auth backend.
- Cyrus IMAP 3.6 with its CalDAV module (cyrus-imapd, cyrus-caldav), what Fastmail runs:
  its own `master` with a private config, users in a private sasldb, each user's mailbox
  made over IMAP by an admin (CalDAV needs it).
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import shutil
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

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
