"""A throwaway PostgreSQL cluster for the tests, from Debian's binaries, on a free port.

`initdb` refuses to run as root (CI may be root): then the cluster belongs to `nobody` and
its commands run through `runuser`. Every test gets a database of its own (`fresh_database`),
so tests never see each other's rows. When no binaries are found the PostgreSQL half of the
suite is skipped, loudly (see tests/conftest.py), never silently.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"
RUN_AS = "nobody"

PG_MISSING = (
    "POSTGRESQL IS NOT INSTALLED (no /usr/lib/postgresql/*/bin/initdb): the PostgreSQL half "
    "of the store tests, the features' PostgreSQL pass and the two-replica tests did NOT run. "
    "Install Debian's `postgresql` package (.ci/run does) to run them."
)


def find_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory (with initdb and pg_ctl), or None."""
    found = sorted(glob.glob(POSTGRES_BIN_GLOB), key=lambda p: int(Path(p).parent.name))
    for candidate in reversed(found):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    bindir: Path
    datadir: Path
    port: int
    as_root: bool

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", RUN_AS, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)  # noqa: S603 - our own argv

    def start(self) -> None:
        log = self.datadir.parent / "postgres.log"
        opts = f"-p {self.port} -k {self.datadir.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(log), "-o", opts, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stop and start again (every session is cut, as in a real PostgreSQL restart)."""
        self.stop()
        self.start()

    def fresh_database(self, *, icu_locale: str | None = None) -> str:
        """A new, empty database; its URL. With `icu_locale` (e.g. "en-US") its text sorts
        as that language does, as in a cluster made with that locale (the official image's)."""
        name = "t_" + uuid.uuid4().hex[:12]
        options = ""
        if icu_locale is not None:
            options = f" LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}' TEMPLATE template0"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{options}')
        return self.url(name)


@contextlib.contextmanager
def running_cluster() -> Iterator[Cluster | None]:
    """A started cluster, stopped and removed afterwards; None when no binaries are installed."""
    bindir = find_bin()
    if bindir is None:
        yield None
        return
    as_root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="oec-pg-"))
    datadir = base / "data"
    if as_root:
        shutil.chown(base, user=RUN_AS)
        base.chmod(0o755)
    cluster = Cluster(bindir=bindir, datadir=datadir, port=_free_port(), as_root=as_root)
    try:
        cluster._run("initdb", "-D", str(datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        cluster.start()
        _wait_ready(cluster)
        yield cluster
    finally:
        with contextlib.suppress(Exception):
            cluster.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)


def _wait_ready(cluster: Cluster, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(cluster.admin_url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


_session: list[Cluster | None] = []


def session_cluster() -> Cluster | None:
    """The one cluster of this test process, started on first use and stopped at exit; None
    when no binaries are installed. The `pg_cluster` fixture and stacks on PostgreSQL
    (`stack_database`) share it, so a session starts PostgreSQL once whatever asks first."""
    if not _session:
        manager = running_cluster()
        _session.append(manager.__enter__())
        atexit.register(manager.__exit__, None, None, None)
    return _session[0]
