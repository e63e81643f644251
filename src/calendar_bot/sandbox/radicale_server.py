"""An embedded Radicale: its own server loop in a thread of this process, so nothing outlives it."""

from __future__ import annotations

import logging
import socket
import threading
from pathlib import Path

from radicale import config as radicale_config
from radicale import server as radicale_server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedRadicale:
    """Radicale on 127.0.0.1 with plain htpasswd users (login = e-mail) and owner-only rights."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.users_file = data_dir / "radicale-users"
        self.port = 0
        self.base_url = ""
        self._thread: threading.Thread | None = None
        self._shutdown: socket.socket | None = None
        self._lock = threading.Lock()

    def add_login(self, login: str, password: str) -> None:
        """Add (or keep) a login; Radicale re-reads the file when it changes."""
        with self._lock:
            lines = self.users_file.read_text().splitlines() if self.users_file.exists() else []
            kept = [line for line in lines if not line.startswith(f"{login}:")]
            kept.append(f"{login}:{password}")
            self.users_file.write_text("\n".join(kept) + "\n")

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self.users_file.exists():
            self.users_file.write_text("")
        # Radicale logs every request at info level; the sandbox shows only its problems.
        radicale_log = logging.getLogger("radicale")
        radicale_log.setLevel(max(radicale_log.level, logging.WARNING))
        self.port = _free_port()
        configuration = radicale_config.load()
        configuration.update(
            {
                "server": {"hosts": f"127.0.0.1:{self.port}"},
                "auth": {
                    "type": "htpasswd",
                    "htpasswd_filename": str(self.users_file),
                    "htpasswd_encryption": "plain",
                    "delay": "0",
                },
                "rights": {"type": "owner_only"},
                "storage": {"filesystem_folder": str(self.data_dir / "collections")},
            },
            "calendar-bot sandbox",
        )
        ours, theirs = socket.socketpair()
        self._shutdown = ours
        self._thread = threading.Thread(
            target=radicale_server.serve,
            args=(configuration, theirs),
            name="sandbox-radicale",
            daemon=True,
        )
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{self.port}"
        return self.base_url

    def stop(self) -> None:
        if self._shutdown is not None:
            # Closing our end wakes Radicale's select loop, which then returns.
            self._shutdown.close()
            self._shutdown = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
