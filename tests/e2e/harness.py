"""End-to-end harness: runs the real `coffer` binary and hands out clients for it.

Every Coffer e2e test file (Secrets Manager, KMS, SSM, IAM, ...) builds on this module:

    with CofferServer() as server:
        sm = server.client("secretsmanager")
        rc, out, err = server.aws("secretsmanager", "list-secrets")
        status, headers, body = server.aws_json_request("secretsmanager.ListSecrets", {})

`CofferServer` starts the binary (``$COFFER_BIN``, default the debug build) on 127.0.0.1 port 0
with a fresh temporary data directory and fixed root credentials, waits for the "listening" line
and for ``GET /health/ready`` to answer 200 (bounded, polled), and on `stop()` sends SIGTERM and
asserts the process exits 0 within a bound. Nothing here sleeps to synchronise; waits poll a
condition against a deadline.
"""

import base64
import configparser
import contextlib
import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

import boto3
import botocore
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

DEFAULT_BIN = "/work/main/build/debug/coffer"
ROOT_ACCESS_KEY_ID = "AKIAE2ETEST000000001"
ROOT_SECRET_ACCESS_KEY = "e2e-secret-access-key-0000000001"
DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

START_TIMEOUT = float(os.environ.get("COFFER_E2E_START_TIMEOUT", "60"))
STOP_TIMEOUT = float(os.environ.get("COFFER_E2E_STOP_TIMEOUT", "30"))
CLI_TIMEOUT = 60.0
HTTP_TIMEOUT = 30.0

# X-Amz-Target prefix -> SigV4 signing name, for the awsJson services Coffer serves.
SIGNING_NAMES = {"secretsmanager": "secretsmanager", "TrentService": "kms", "AmazonSSM": "ssm"}

_LISTENING_RE = re.compile(
    r"is listening on (?P<scheme>https?)://(?P<host>\[[^\]]+\]|[^:/\s]+):(?P<port>\d+)")


def coffer_bin():
    return os.environ.get("COFFER_BIN", DEFAULT_BIN)


def wait_until(predicate, timeout, interval=0.02, what="condition"):
    """Polls `predicate` until it returns a truthy value; returns it. Raises on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}")
        time.sleep(interval)


def file_mode(path):
    return os.stat(path).st_mode & 0o7777


class ServerStartError(Exception):
    """The server exited (or never became ready) before serving."""

    def __init__(self, message, returncode=None, stdout="", stderr=""):
        super().__init__(f"{message}\n--- rc: {returncode}\n--- stdout:\n{stdout}\n"
                         f"--- stderr (tail):\n{stderr[-4000:]}")
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


# --------------------------------------------------------------------------------------------
# SigV4 (our own small signer, so tests can control the date, scope and headers exactly).


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def sigv4_headers(method, url, headers, body, access_key_id, secret_access_key, region,
                  service, amz_date=None):
    """Returns a copy of `headers` with Host, X-Amz-Date and Authorization added.

    `amz_date` is a datetime (UTC) to sign with; default now.
    """
    parsed = urllib.parse.urlsplit(url)
    when = amz_date or datetime.datetime.now(datetime.timezone.utc)
    stamp = when.strftime("%Y%m%dT%H%M%SZ")
    day = when.strftime("%Y%m%d")
    out = dict(headers)
    out["Host"] = parsed.netloc
    out["X-Amz-Date"] = stamp
    canon = {k.lower(): " ".join(str(v).strip().split()) for k, v in out.items()}
    signed = ";".join(sorted(canon))
    canonical_headers = "".join(f"{k}:{canon[k]}\n" for k in sorted(canon))
    query = urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)
    canonical_query = "&".join(
        f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
        for k, v in sorted(query))
    payload_hash = hashlib.sha256(body).hexdigest()
    canonical_request = "\n".join([method, parsed.path or "/", canonical_query,
                                   canonical_headers, signed, payload_hash])
    scope = f"{day}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = _hmac(("AWS4" + secret_access_key).encode(), day)
    key = _hmac(key, region)
    key = _hmac(key, service)
    key = _hmac(key, "aws4_request")
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    out["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={access_key_id}/{scope}, "
                            f"SignedHeaders={signed}, Signature={signature}")
    return out


class HttpResult:
    """A raw HTTP response: status, lower-cased headers, body bytes."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __iter__(self):  # allows `status, headers, body = result`
        return iter((self.status, self.headers, self.body))

    def __repr__(self):
        return f"HttpResult({self.status}, {self.headers}, {self.body[:500]!r})"


class CliResult:
    def __init__(self, rc, stdout, stderr):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr

    def json(self):
        return json.loads(self.stdout)

    def __iter__(self):  # allows `rc, out, err = result`
        return iter((self.rc, self.stdout, self.stderr))

    def __repr__(self):
        return f"CliResult(rc={self.rc}, stdout={self.stdout[:2000]!r}, stderr={self.stderr[:2000]!r})"


# --------------------------------------------------------------------------------------------


class CofferServer:
    """One `coffer server` process.

    Args:
      data_dir: reuse this data directory (the caller owns it). Default: a fresh one inside the
        harness's own temporary directory, created by the server itself.
      account_id / region: passed as --account-id / --region when not None.
      root_credentials: (access key id, secret) put in COFFER_ROOT_*; None leaves both unset so
        the server generates credentials.
      listen: the --listen value.
      tls_cert / tls_key: passed as --tls-cert / --tls-key.
      extra_args: more command-line arguments.
      env: extra environment variables for the server.
      wait_ready: wait for /health/ready (default); False waits only for /health/live, for a
        server that starts sealed.
    """

    def __init__(self, data_dir=None, account_id=DEFAULT_ACCOUNT_ID, region=None,
                 root_credentials=(ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY),
                 listen="127.0.0.1:0", tls_cert=None, tls_key=None, extra_args=(), env=None,
                 start_timeout=START_TIMEOUT, stop_timeout=STOP_TIMEOUT, wait_ready=True):
        self.work_dir = tempfile.mkdtemp(prefix="coffer-e2e-")
        self.data_dir = os.path.abspath(data_dir) if data_dir else os.path.join(self.work_dir,
                                                                                 "data")
        self.account_id = account_id
        self.region_arg = region
        self.region = region or DEFAULT_REGION
        self.root_credentials = root_credentials
        self.access_key_id, self.secret_access_key = root_credentials or (None, None)
        self.listen = listen
        self.tls_cert = tls_cert
        self.tls_key = tls_key
        self.extra_args = list(extra_args)
        self.extra_env = dict(env or {})
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.wait_ready = wait_ready
        self.proc = None
        self.port = None
        self.scheme = None
        self.host = None
        self.endpoint_url = None
        self.stderr_path = None
        self.returncode = None
        self._starts = 0
        self._stdout_lines = []
        self._stdout_cv = threading.Condition()
        self._reader = None
        self._stderr_file = None

    # ---- process control --------------------------------------------------------------------

    def command(self):
        cmd = [coffer_bin(), "server", "--listen", self.listen, "--data-dir", self.data_dir]
        if self.account_id is not None:
            cmd += ["--account-id", self.account_id]
        if self.region_arg is not None:
            cmd += ["--region", self.region_arg]
        if self.tls_cert is not None:
            cmd += ["--tls-cert", self.tls_cert]
        if self.tls_key is not None:
            cmd += ["--tls-key", self.tls_key]
        return cmd + self.extra_args

    def environment(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("COFFER_ROOT_")}
        if self.root_credentials is not None:
            env["COFFER_ROOT_ACCESS_KEY_ID"] = self.root_credentials[0]
            env["COFFER_ROOT_SECRET_ACCESS_KEY"] = self.root_credentials[1]
        env.setdefault("ASAN_OPTIONS", "abort_on_error=0")
        env.update(self.extra_env)
        return env

    @property
    def stdout(self):
        with self._stdout_cv:
            return "".join(self._stdout_lines)

    def stderr_text(self):
        if self.stderr_path is None:
            return ""
        if self._stderr_file is not None:
            self._stderr_file.flush()
        with open(self.stderr_path, "r", encoding="utf-8", errors="replace") as f:
            return f.read()

    def log_records(self):
        """The server's JSON log lines parsed (non-JSON lines are skipped)."""
        records = []
        for line in self.stderr_text().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                pass
        return records

    def _read_stdout(self, stream):
        for line in iter(stream.readline, ""):
            with self._stdout_cv:
                self._stdout_lines.append(line)
                self._stdout_cv.notify_all()
        stream.close()
        with self._stdout_cv:
            self._stdout_lines.append("")  # EOF marker (empty string keeps `stdout` unchanged)
            self._stdout_cv.notify_all()

    def start(self):
        """Starts the process and waits until it is ready. Raises ServerStartError otherwise."""
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("already running")
        self._starts += 1
        self.returncode = None
        self.port = None
        with self._stdout_cv:
            self._stdout_lines = []
        self.stderr_path = os.path.join(self.work_dir, f"coffer-stderr-{self._starts}.log")
        self._stderr_file = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self._stderr_file,
                                     env=self.environment(), text=True, bufsize=1)
        self._reader = threading.Thread(target=self._read_stdout, args=(self.proc.stdout,),
                                        daemon=True)
        self._reader.start()
        deadline = time.monotonic() + self.start_timeout
        match = None
        with self._stdout_cv:
            while True:
                match = _LISTENING_RE.search("".join(self._stdout_lines))
                if match:
                    break
                if self.proc.poll() is not None and self._stdout_lines[-1:] == [""]:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._stdout_cv.wait(min(remaining, 0.1))
        if not match:
            self._abort()
            raise ServerStartError("coffer did not print its listening line", self.returncode,
                                   self.stdout, self.stderr_text())
        self.scheme = match.group("scheme")
        host = match.group("host").strip("[]")
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1" if host == "0.0.0.0" else "::1"
        self.host = host
        self.port = int(match.group("port"))
        url_host = f"[{host}]" if ":" in host else host
        self.endpoint_url = f"{self.scheme}://{url_host}:{self.port}"
        try:
            wait_until(self._is_ready, max(0.5, deadline - time.monotonic()), interval=0.05,
                       what="/health/ready to return 200")
        except TimeoutError as e:
            self._abort()
            raise ServerStartError(str(e), self.returncode, self.stdout, self.stderr_text())
        except ServerStartError:
            self._abort()
            raise ServerStartError("coffer exited while starting", self.returncode,
                                   self.stdout, self.stderr_text())
        return self

    def _is_ready(self):
        if self.proc.poll() is not None:
            raise ServerStartError("coffer exited while starting", self.proc.returncode,
                                   self.stdout, self.stderr_text())
        try:
            path = "/health/ready" if self.wait_ready else "/health/live"
            return self.http_request("GET", path, timeout=2).status == 200
        except (OSError, http.client.HTTPException):
            return False

    def _abort(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.returncode = self.proc.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            pass
        self._finish_process()

    def _finish_process(self):
        if self._reader is not None:
            self._reader.join(timeout=5)
            self._reader = None
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    def wait(self, timeout=None):
        """Waits for the process to exit; returns its exit code."""
        timeout = self.stop_timeout if timeout is None else timeout
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._abort()
            raise AssertionError(f"coffer did not exit within {timeout}s; killed it.\n"
                                 f"stderr tail:\n{self.stderr_text()[-4000:]}")
        self._finish_process()
        return self.returncode

    def stop(self, timeout=None):
        """SIGTERM, then asserts a clean exit (code 0) within `timeout` seconds."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.wait(timeout)
        if rc != 0:
            raise AssertionError(f"coffer exited with code {rc} after SIGTERM (expected 0).\n"
                                 f"stderr tail:\n{self.stderr_text()[-6000:]}")
        return rc

    def restart(self):
        self.stop()
        return self.start()

    def close(self):
        """Kills the process if it still runs and removes the harness's temporary directory."""
        self._abort()
        if os.environ.get("COFFER_E2E_KEEP"):
            sys.stderr.write(f"[harness] keeping {self.work_dir}\n")
        else:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.stop()
        finally:
            self.close()
        return False

    # ---- clients ----------------------------------------------------------------------------

    def botocore_session(self):
        """A botocore session that ignores the user's ~/.aws files."""
        session = botocore.session.Session()
        missing = os.path.join(self.work_dir, "no-such-aws-config")
        session.set_config_variable("config_file", missing)
        session.set_config_variable("credentials_file", missing)
        return session

    def client(self, service="secretsmanager", *, parameter_validation=True,
               access_key_id=None, secret_access_key=None, region=None, unsigned=False,
               verify=None, config=None, **config_kwargs):
        """A boto3 client pointed at this server; no retries, bounded timeouts."""
        options = dict(parameter_validation=parameter_validation,
                       retries={"total_max_attempts": 1, "mode": "standard"},
                       connect_timeout=10, read_timeout=HTTP_TIMEOUT)
        if unsigned:
            options["signature_version"] = botocore.UNSIGNED
        options.update(config_kwargs)
        cfg = Config(**options)
        if config is not None:
            cfg = cfg.merge(config)
        session = boto3.session.Session(
            botocore_session=self.botocore_session(),
            aws_access_key_id=access_key_id or self.access_key_id or "unset",
            aws_secret_access_key=secret_access_key or self.secret_access_key or "unset",
            region_name=region or self.region)
        if verify is None and self.scheme == "https" and self.tls_cert:
            verify = self.tls_cert
        return session.client(service, endpoint_url=self.endpoint_url, config=cfg,
                              verify=verify)

    def aws_cli_command(self):
        override = os.environ.get("COFFER_E2E_AWS_CLI")
        if override:
            return override.split()
        try:
            import awscli  # noqa: F401  (present in the image's python3)
            return [sys.executable, "-m", "awscli"]
        except ImportError:
            aws = shutil.which("aws")
            if aws is None:
                raise unittest.SkipTest("no aws CLI available")
            return [aws]

    def aws(self, *args, input=None, timeout=CLI_TIMEOUT, env=None, access_key_id=None,
            secret_access_key=None, region=None, cwd=None):
        """Runs `aws --endpoint-url <this server> <args>`; returns CliResult(rc, stdout, stderr)."""
        cli_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        missing = os.path.join(self.work_dir, "no-such-aws-config")
        cli_env.update({
            "AWS_ACCESS_KEY_ID": access_key_id or self.access_key_id or "unset",
            "AWS_SECRET_ACCESS_KEY": secret_access_key or self.secret_access_key or "unset",
            "AWS_DEFAULT_REGION": region or self.region,
            "AWS_CONFIG_FILE": missing,
            "AWS_SHARED_CREDENTIALS_FILE": missing,
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        if self.scheme == "https" and self.tls_cert:
            cli_env["AWS_CA_BUNDLE"] = self.tls_cert
        cli_env.update(env or {})
        cmd = self.aws_cli_command() + ["--endpoint-url", self.endpoint_url, "--output", "json",
                                        "--cli-read-timeout", str(int(HTTP_TIMEOUT)),
                                        "--cli-connect-timeout", "10"] + list(args)
        proc = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout,
                              env=cli_env, cwd=cwd or self.work_dir)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    # ---- raw HTTP ---------------------------------------------------------------------------

    def _connection(self, timeout):
        if self.scheme == "https":
            ctx = ssl.create_default_context(cafile=self.tls_cert)
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=ctx)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def http_request(self, method, path, body=b"", headers=None, timeout=HTTP_TIMEOUT):
        """One request on a fresh connection; returns HttpResult.

        If the server answers and closes before the whole body was sent (e.g. 413), the answer
        is still read and returned.
        """
        conn = self._connection(timeout)
        try:
            hdrs = dict(headers or {})
            has_host = any(k.lower() == "host" for k in hdrs)
            conn.putrequest(method, path, skip_host=has_host, skip_accept_encoding=True)
            if body or method in ("POST", "PUT"):
                hdrs.setdefault("Content-Length", str(len(body)))
            for k, v in hdrs.items():
                conn.putheader(k, v)
            try:
                conn.endheaders()
                if body:
                    conn.send(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may refuse early; its answer is still in the socket
            resp = conn.getresponse()
            data = resp.read()
            return HttpResult(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        finally:
            conn.close()

    def aws_json_request(self, target, payload, *, signing_name=None, access_key_id=None,
                         secret_access_key=None, region=None, amz_date=None, sign=True,
                         headers=None, content_type="application/x-amz-json-1.1",
                         timeout=HTTP_TIMEOUT):
        """POST / with X-Amz-Target, SigV4-signed with the root credentials by default.

        `payload` may be a dict (JSON-encoded), str or bytes (sent as is).
        """
        if isinstance(payload, (dict, list)):
            body = json.dumps(payload).encode()
        elif isinstance(payload, str):
            body = payload.encode()
        else:
            body = payload
        hdrs = {"Content-Type": content_type}
        if target is not None:
            hdrs["X-Amz-Target"] = target
        hdrs.update(headers or {})
        if sign:
            prefix = (target or "x.y").split(".")[0]
            service = signing_name or SIGNING_NAMES.get(prefix, prefix.lower())
            hdrs = sigv4_headers("POST", self.endpoint_url + "/", hdrs, body,
                                 access_key_id or self.access_key_id,
                                 secret_access_key or self.secret_access_key,
                                 region or self.region, service, amz_date=amz_date)
        return self.http_request("POST", "/", body=body, headers=hdrs, timeout=timeout)


# --------------------------------------------------------------------------------------------


class CofferTestCase(unittest.TestCase):
    """Base class: one server per test class (override `server_options` to customise it)."""

    server_options = {}
    server = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = CofferServer(**cls.server_options)
        try:
            cls.server.start()
        except BaseException:
            cls.server.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.server.close()
            super().tearDownClass()

    # Unique names per test, so tests on one server do not collide.
    _counter = 0

    def unique(self, prefix="e2e"):
        CofferTestCase._counter += 1
        return f"{prefix}-{os.getpid()}-{CofferTestCase._counter}"

    def assertAwsError(self, fn, code, status=400, message=None, message_contains=(),
                       message_regex=None, codes=None):
        """Calls fn(); asserts it raises ClientError with this code, HTTP status and message.

        `message`: the exact message; `message_contains`: substrings; `message_regex`: a regex
        `re.search`ed in it; `codes`: accept any of these codes instead of `code`.
        Returns the ClientError.
        """
        with self.assertRaises(ClientError) as cm:
            result = fn()
            self.fail(f"expected {code}, got success: {result!r}")
        err = cm.exception.response.get("Error", {})
        meta = cm.exception.response.get("ResponseMetadata", {})
        got = err.get("Code")
        detail = f"Error={err!r} HTTP={meta.get('HTTPStatusCode')}"
        if codes:
            self.assertIn(got, codes, detail)
        else:
            self.assertEqual(got, code, detail)
        if status is not None:
            self.assertEqual(meta.get("HTTPStatusCode"), status, detail)
        msg = err.get("Message", "")
        if message is not None:
            self.assertEqual(msg, message, detail)
        if isinstance(message_contains, str):
            message_contains = (message_contains,)
        for part in message_contains:
            self.assertIn(part, msg, detail)
        if message_regex is not None:
            self.assertRegex(msg, message_regex, detail)
        return cm.exception


def run_tests():
    """`unittest.main()` that exits nonzero on failure (for `python3 tests/e2e/<file>.py`)."""
    unittest.main(verbosity=int(os.environ.get("COFFER_E2E_VERBOSITY", "2")))


def openssl_self_signed(directory, common_name="127.0.0.1", days=2, timeout=60):
    """Writes cert.pem/key.pem (EC P-256, SAN IP:127.0.0.1 and DNS:localhost) into `directory`."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", str(days), "-subj", f"/CN={common_name}",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True, timeout=timeout)
    return cert, key


def read_shared_credentials(path):
    parser = configparser.ConfigParser()
    parser.read(path)
    return dict(parser["default"])


@contextlib.contextmanager
def temp_dir(prefix="coffer-e2e-"):
    path = tempfile.mkdtemp(prefix=prefix)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def b64(data):
    return base64.b64encode(data).decode()
