"""Real CalDAV servers from Debian's packages, each started and stopped by its fixture.

`.ci/install-caldav-servers.sh` installs them. A server that is not installed makes its
fixture skip, which tests/conftest.py turns into a failure under
CALENDAR_BOT_REQUIRE_ALL_SUITES=1 (CI): a server that cannot be set up fails CI.

- SabreDAV 1.8 (php-sabre-dav): the ancestor of Nextcloud's and Baikal's servers, run by
  PHP's built-in web server over PDO SQLite with its stock, Digest-only auth backend.
"""

from __future__ import annotations

import contextlib
import hashlib
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
