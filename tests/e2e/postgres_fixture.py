"""A throwaway PostgreSQL server for end-to-end tests (PostgreSQL rotation).

The same behaviour as src/rotation_functions/testing/postgres_server.h:

    with PostgresServer() as pg:
        pg.host, pg.port, pg.superuser, pg.superuser_password
        pg.create_login_role("app", "s3cret")
        pg.can_log_in("app", "s3cret")            # True
        pg.secret_json("app", "s3cret")           # {"engine": "postgres", "host": ..., ...}
        pg.psql("GRANT ...")

Debian's binaries (/usr/lib/postgresql/<newest>/bin, or $COFFER_POSTGRES_BIN_DIR) run initdb into a
fresh temporary directory, then `postgres` listens on 127.0.0.1 at a free port with its Unix socket
inside that directory and scram-sha-256 for every login (pg_hba.conf); the superuser gets a random
password. PostgreSQL refuses to run as root, so under root both run as the `postgres` system user
(the directory is chowned to it). Readiness is polled (pg_isready) against a deadline; stop() does a
fast shutdown (SIGINT), kills the process group after a bound, and removes the directory.
"""

import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

INITDB_TIMEOUT = 120.0
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
POLL_INTERVAL = 0.05


def find_bin_dir():
    """The newest /usr/lib/postgresql/<version>/bin with initdb and postgres, or None."""
    env = os.environ.get("COFFER_POSTGRES_BIN_DIR")
    if env:
        return env
    best = None
    for bin_dir in glob.glob("/usr/lib/postgresql/*/bin"):
        version = os.path.basename(os.path.dirname(bin_dir))
        if not version.isdigit():
            continue
        if not all(os.access(os.path.join(bin_dir, b), os.X_OK) for b in ("initdb", "postgres")):
            continue
        if best is None or int(version) > best[0]:
            best = (int(version), bin_dir)
    return best[1] if best else None


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, superuser="coffer_admin", superuser_password=None, log_statements=False):
        self.superuser = superuser
        self.superuser_password = superuser_password or secrets.token_hex(16)
        self.log_statements = log_statements
        self.host = "127.0.0.1"
        self.port = None
        self.directory = None
        self._proc = None
        self._bin = None
        self._run_as = {}

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self):
        """initdb (first time only) and start the server; raises RuntimeError on failure."""
        if self.directory is None:
            self._init()
        last_error = None
        for _ in range(3):  # the free port may be taken before the server binds it
            self.port = _free_port()
            try:
                self._launch()
                return self
            except RuntimeError as e:
                last_error = e
        raise last_error

    def restart(self):
        """Starts the stopped server again on the same port and data directory."""
        if self._proc is not None:
            raise RuntimeError("the server is running")
        self._launch()

    def stop(self):
        """Fast shutdown; kills the process group if it does not exit within STOP_TIMEOUT."""
        if self._proc is None:
            return
        proc, self._proc = self._proc, None
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_TIMEOUT)

    def cleanup(self):
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def is_running(self):
        return self._proc is not None and self._proc.poll() is None

    # -- helpers for tests -----------------------------------------------------------------------

    def psql(self, sql, user=None, password=None, dbname="postgres", check=True):
        """Runs `sql` with psql over TCP (as the superuser by default); returns CompletedProcess."""
        env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "PGCONNECT_TIMEOUT": "5",
               "PGPASSWORD": self.superuser_password if password is None else password}
        return subprocess.run(
            [os.path.join(self._bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At",
             "-h", self.host, "-p", str(self.port), "-U", user or self.superuser,
             "-d", dbname, "-c", sql],
            env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
            check=check)

    def create_login_role(self, name, password):
        ident = '"' + name.replace('"', '""') + '"'
        literal = "'" + password.replace("'", "''") + "'"
        # standard_conforming_strings is on: backslashes in the literal are plain characters.
        self.psql(f"CREATE ROLE {ident} LOGIN PASSWORD {literal}")

    def can_log_in(self, user, password, dbname="postgres"):
        return self.psql("SELECT 1", user=user, password=password, dbname=dbname,
                         check=False).returncode == 0

    def role_exists(self, name):
        literal = "'" + name.replace("'", "''") + "'"
        out = self.psql(f"SELECT count(*) FROM pg_roles WHERE rolname = {literal}")
        return out.stdout.strip() == "1"

    def secret_json(self, user=None, password=None, **extra):
        """A PostgreSQL secret's SecretString for `user` (the superuser by default)."""
        value = {"engine": "postgres", "host": self.host, "port": self.port,
                 "username": user or self.superuser,
                 "password": self.superuser_password if user is None else password,
                 "dbname": "postgres"}
        value.update(extra)
        return json.dumps(value)

    def read_log(self):
        with open(os.path.join(self.directory, "server.log"), errors="replace") as f:
            return f.read()

    # -- internals -------------------------------------------------------------------------------

    def _init(self):
        self._bin = find_bin_dir()
        if not self._bin:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql: "
                               "run scripts/setup")
        uid = gid = None
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")  # KeyError: install Debian's postgresql package
            uid, gid = pw.pw_uid, pw.pw_gid
            self._run_as = {"user": uid, "group": gid, "extra_groups": []}
        self.directory = tempfile.mkdtemp(prefix="coffer-pg-")
        if uid is not None:
            os.chown(self.directory, uid, gid)
        pwfile = os.path.join(self.directory, "pwfile")
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.superuser_password + "\n")
        if uid is not None:
            os.chown(pwfile, uid, gid)
        log_path = os.path.join(self.directory, "initdb.log")
        try:
            with open(log_path, "ab") as log:
                if uid is not None:
                    os.chown(log_path, uid, gid)
                result = subprocess.run(
                    [os.path.join(self._bin, "initdb"), "--pgdata=" + self._data(),
                     "--username=" + self.superuser, "--pwfile=" + pwfile,
                     "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync",
                     "--no-instructions"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.directory,
                    env=self._env(), timeout=INITDB_TIMEOUT, **self._run_as)
        finally:
            os.unlink(pwfile)
        if result.returncode != 0:
            raise RuntimeError("initdb failed: " + self._tail(log_path))
        with open(os.path.join(self._data(), "pg_hba.conf"), "w") as f:
            f.write("local all all scram-sha-256\n"
                    "host all all 127.0.0.1/32 scram-sha-256\n")

    def _launch(self):
        log_path = os.path.join(self.directory, "server.log")
        args = [os.path.join(self._bin, "postgres"), "-D", self._data(), "-p", str(self.port),
                "-c", "listen_addresses=" + self.host,
                "-c", "unix_socket_directories=" + self.directory,
                "-c", "password_encryption=scram-sha-256",
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                "-c", "max_connections=40", "-c", "shared_buffers=16MB"]
        if self.log_statements:
            args += ["-c", "log_statement=all"]
        start = os.path.getsize(log_path) if os.path.exists(log_path) else 0
        with open(log_path, "ab") as log:
            if self._run_as:
                os.chown(log_path, self._run_as["user"], self._run_as["group"])
            self._proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                          cwd=self.directory, env=self._env(),
                                          start_new_session=True, **self._run_as)
        deadline = time.monotonic() + START_TIMEOUT
        isready = [os.path.join(self._bin, "pg_isready"), "-q", "-h", self.host,
                   "-p", str(self.port), "-d", "postgres", "-t", "2"]
        while True:
            if subprocess.run(isready, env=self._env(), stdin=subprocess.DEVNULL,
                              timeout=30).returncode == 0:
                return
            if self._proc.poll() is not None:
                self._proc = None
                raise RuntimeError("PostgreSQL exited during start-up: " +
                                   self._tail(log_path, start))
            if time.monotonic() >= deadline:
                self.stop()
                raise RuntimeError("PostgreSQL did not become ready in time: " +
                                   self._tail(log_path, start))
            time.sleep(POLL_INTERVAL)

    def _data(self):
        return os.path.join(self.directory, "data")

    def _env(self):
        return {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "LANG": "C", "HOME": self.directory}

    @staticmethod
    def _tail(path, start=0, n=2000):
        try:
            with open(path, errors="replace") as f:
                f.seek(start)
                return f.read()[-n:]
        except OSError:
            return ""


if __name__ == "__main__":
    # Smoke test: python3 tests/e2e/postgres_fixture.py
    with PostgresServer() as pg:
        pg.create_login_role("smoke", "it's \\ \"quoted\"")
        assert pg.can_log_in("smoke", "it's \\ \"quoted\"")
        assert not pg.can_log_in("smoke", "wrong")
        assert pg.role_exists("smoke") and not pg.role_exists("nobody")
        pg.stop()
        assert not pg.can_log_in("smoke", "it's \\ \"quoted\"")
        pg.restart()
        assert pg.can_log_in("smoke", "it's \\ \"quoted\"")
        print(f"ok: PostgreSQL on {pg.host}:{pg.port}")
