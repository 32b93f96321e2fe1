"""`coffer kms-plugin` end to end: kube-apiserver's side is played over the real unix socket.

The apiserver side is `test_kms_plugin_harness` (tests/e2e/test_kms_plugin_harness.cc), a real
gRPC client built next to the coffer binary ($COFFER_KMS_HARNESS overrides): it dials the socket
as kube-apiserver does (authority localhost, wait-for-ready, a 3 s deadline per call) and keeps one
channel for its whole life, across plugin restarts. Its "seed" command is the apiserver's step on
a key_id change: Status, Encrypt of a random 32-byte seed, the apiserver's checks on the answer
(key_id equal to Status's, ciphertext and key_id at most 1 KiB, FQDN annotation keys), Decrypt
with key_id and annotations.

Each test class runs its own Coffer server (127.0.0.1, port 0, fresh data dir, root credentials)
and `coffer kms-plugin` processes against it, with a key made by boto3. Rotation goes through
KMS RotateKeyOnDemand (boto3). Expected behaviour: docs/design/kms-plugin.md and
/work/shared/reference/k8s-interfaces.md §1.

Run: python3 tests/e2e/test_kms_plugin.py   (COFFER_BIN selects the binary)
"""

import base64
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

from harness import (DEFAULT_ACCOUNT_ID, DEFAULT_REGION, ROOT_ACCESS_KEY_ID,  # noqa: E402
                     ROOT_SECRET_ACCESS_KEY, CofferServer, CofferTestCase, coffer_bin,
                     openssl_self_signed, run_tests, wait_until)

# grpc::StatusCode
OK, INVALID_ARGUMENT, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED = 0, 3, 4, 8
UNIMPLEMENTED, INTERNAL, UNAVAILABLE = 12, 13, 14

APISERVER_TIMEOUT = 3.0  # EncryptionConfiguration's default kms timeout
PROBE_INTERVAL = 2  # --probe-interval of the plugins under test (default 10 s)
KEY_ARN_RE = (rf"^arn:aws:kms:{DEFAULT_REGION}:{DEFAULT_ACCOUNT_ID}:key/"
              r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:v(\d+)$")
PURPOSE = {"coffer:purpose": "kubernetes-kms-v2"}


def harness_bin():
    return os.environ.get("COFFER_KMS_HARNESS") or os.path.join(
        os.path.dirname(os.path.abspath(coffer_bin())), "test_kms_plugin_harness")


def b64(data):
    return base64.b64encode(data).decode()


def unb64(text):
    return base64.b64decode(text)


class LineReader:
    """Collects a pipe's lines on a thread, so that reads can have a deadline."""

    def __init__(self, stream):
        self.lines = queue.Queue()
        self.text = []
        self._thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self._thread.start()

    def _run(self, stream):
        for line in iter(stream.readline, ""):
            self.text.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def join(self, timeout=10):
        self._thread.join(timeout)

    def next(self, timeout):
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None


class PluginProcess:
    """One `coffer kms-plugin` process."""

    def __init__(self, work_dir, endpoint, key, socket, extra_args=(), env=None,
                 credentials=(ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)):
        self.work_dir = work_dir
        self.endpoint = endpoint
        self.key = key
        self.socket = socket
        self.extra_args = list(extra_args)
        self.env = dict(env or {})
        self.credentials = credentials
        self.proc = None
        self.out = None
        self.stderr_path = None
        self._starts = 0

    def command(self):
        return [coffer_bin(), "kms-plugin", "--socket", self.socket, "--key", self.key,
                "--endpoint", self.endpoint, "--probe-interval", str(PROBE_INTERVAL),
                "--log-level", "debug"] + self.extra_args

    def environment(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        if self.credentials:
            env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = self.credentials
        env.setdefault("ASAN_OPTIONS", "abort_on_error=0")
        env.update(self.env)
        return env

    def start(self, wait=True):
        self._starts += 1
        self.stderr_path = os.path.join(self.work_dir, f"plugin-{id(self)}-{self._starts}.log")
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=err,
                                         env=self.environment(), text=True, bufsize=1)
        self.out = LineReader(self.proc.stdout)
        if wait:
            line = self.out.next(timeout=30)
            if line is None or "is listening on" not in line:
                self.kill()
                raise AssertionError(f"kms-plugin did not start: {line!r}\n{self.stderr()}")
        return self

    def stderr(self):
        if not self.stderr_path or not os.path.exists(self.stderr_path):
            return ""
        with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def log_records(self):
        records = []
        for line in self.stderr().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                pass
        return records

    def wait(self, timeout=30):
        return self.proc.wait(timeout=timeout)

    def stop(self, timeout=30):
        """SIGTERM; returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=timeout)
        self._close_pipe()
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self._close_pipe()

    def _close_pipe(self):
        if self.proc is not None and self.proc.poll() is not None and self.out is not None:
            self.out.join()
            self.proc.stdout.close()


class Apiserver:
    """The harness process: one JSON command per line in, one JSON answer per line out."""

    def __init__(self, socket):
        self.proc = subprocess.Popen([harness_bin(), socket], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     bufsize=1)
        self.out = LineReader(self.proc.stdout)
        self.elapsed = []

    def call(self, op, **fields):
        """Runs one command; returns (answer dict, seconds it took)."""
        fields["op"] = op
        start = time.monotonic()
        self.proc.stdin.write(json.dumps(fields) + "\n")
        self.proc.stdin.flush()
        timeout_ms = fields.get("timeout_ms", int(APISERVER_TIMEOUT * 1000))
        line = self.out.next(timeout=timeout_ms / 1000 + 10)
        if line is None:
            raise AssertionError(f"the harness did not answer {op}; stderr:\n"
                                 f"{self.proc.stderr.read() if self.proc.poll() is not None else ''}")
        took = time.monotonic() - start
        self.elapsed.append((op, took))
        return json.loads(line), took

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.out.join()
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if not pipe.closed:
                pipe.close()
        if self.proc.returncode != 0:
            raise AssertionError(f"the apiserver harness exited {self.proc.returncode}")


class PluginTestCase(CofferTestCase):
    """A Coffer server, a symmetric key with an alias, one plugin on a socket, one apiserver."""

    plugin_args = ()

    @classmethod
    def setUpClass(cls):
        if not os.access(harness_bin(), os.X_OK):
            raise AssertionError(f"{harness_bin()} is not built (target test_kms_plugin_harness)")
        super().setUpClass()
        cls.kms = cls.server.client("kms")
        key = cls.kms.create_key(Description="kube-apiserver encryption at rest")["KeyMetadata"]
        cls.key_id, cls.key_arn = key["KeyId"], key["Arn"]
        cls.alias = f"alias/k8s-{os.getpid()}"
        cls.kms.create_alias(AliasName=cls.alias, TargetKeyId=cls.key_id)
        cls.tmp = tempfile.mkdtemp(prefix="coffer-kmsp-", dir="/tmp")
        cls.socket = f"unix://{cls.tmp}/run/kms.sock"
        cls.plugin = PluginProcess(cls.tmp, cls.server.endpoint_url, cls.alias, cls.socket,
                                   extra_args=cls.plugin_args)
        cls.plugin.start()
        cls.apiserver = Apiserver(cls.socket)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.apiserver.close()
            rc = cls.plugin.stop()
            if rc not in (0, None):
                raise AssertionError(f"kms-plugin exited {rc}:\n{cls.plugin.stderr()[-4000:]}")
        finally:
            cls.plugin.kill()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            super().tearDownClass()

    def call(self, op, **fields):
        answer, took = self.apiserver.call(op, **fields)
        return answer

    def status(self, **fields):
        answer, took = self.apiserver.call("status", **fields)
        self.assertTrue(answer["ok"], answer)
        self.assertLess(took, APISERVER_TIMEOUT, "Status must answer within the apiserver's 3 s")
        return answer

    def key_id_v(self, version):
        return f"{self.key_arn}:v{version}"

    def wait_status(self, predicate, what, timeout=30, tolerate_unavailable=False):
        """Polls Status until predicate(answer). With tolerate_unavailable, UNAVAILABLE answers
        count as "not yet": a channel only learns that a kill -9'd peer is gone when a call on
        the dead connection fails, as kube-apiserver's would (it retries at its next poll)."""

        def poll():
            answer, took = self.apiserver.call("status")
            if tolerate_unavailable and not answer["ok"] and answer["code"] == UNAVAILABLE:
                return None
            self.assertTrue(answer["ok"], answer)
            self.assertLess(took, APISERVER_TIMEOUT)
            return answer if predicate(answer) else None

        return wait_until(poll, timeout, interval=0.2, what=what)

    def assertGrpcError(self, answer, code, contains=None):
        self.assertFalse(answer["ok"], answer)
        self.assertEqual(answer["code"], code, answer)
        if contains:
            self.assertIn(contains, answer["message"], answer)


class KmsPluginTest(PluginTestCase):

    def test_status_is_v2_ok_with_the_key_arn_and_material_version(self):
        for _ in range(5):  # polled, as the apiserver does; stable between polls
            s = self.status()
            self.assertEqual(s["version"], "v2")
            self.assertEqual(s["healthz"], "ok")
            self.assertEqual(s["key_id"], self.key_id_v(1))
            self.assertRegex(s["key_id"], KEY_ARN_RE)

    def test_apiserver_seed_step(self):
        answer = self.call("seed")
        self.assertTrue(answer["ok"], answer)
        self.assertEqual(answer["key_id"], self.key_id_v(1))
        self.assertEqual(answer["annotations"], {})
        ciphertext = unb64(answer["ciphertext"])
        self.assertLessEqual(len(ciphertext), 1024)
        self.assertEqual(len(unb64(answer["seed"])), 32)
        self.assertNotIn(unb64(answer["seed"]), ciphertext)

    def test_encrypt_then_decrypt_with_key_id_and_annotations(self):
        seed = os.urandom(32)
        enc = self.call("encrypt", plaintext=b64(seed), uid="9d0b4a1e-uid")
        self.assertTrue(enc["ok"], enc)
        self.assertEqual(enc["key_id"], self.status()["key_id"])
        for annotations in (enc["annotations"], {"version.encryption.remote.io": b64(b"1")}):
            dec = self.call("decrypt", ciphertext=enc["ciphertext"], key_id=enc["key_id"],
                            annotations=annotations, uid="9d0b4a1e-uid2")
            self.assertTrue(dec["ok"], dec)
            self.assertEqual(unb64(dec["plaintext"]), seed)
        # Each Encrypt is a fresh KMS ciphertext.
        again = self.call("encrypt", plaintext=b64(seed))
        self.assertNotEqual(again["ciphertext"], enc["ciphertext"])

    def test_ciphertext_is_a_coffer_kms_blob_bound_to_the_plugin_purpose(self):
        seed = os.urandom(32)
        enc = self.call("encrypt", plaintext=b64(seed))
        blob = unb64(enc["ciphertext"])
        out = self.kms.decrypt(CiphertextBlob=blob, EncryptionContext=PURPOSE)
        self.assertEqual(out["Plaintext"], seed)
        self.assertEqual(out["KeyId"], self.key_arn)
        with self.assertRaises(ClientError) as cm:
            self.kms.decrypt(CiphertextBlob=blob)
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidCiphertextException")
        # And a KMS ciphertext made for another purpose does not decrypt through the plugin.
        other = self.kms.encrypt(KeyId=self.key_id, Plaintext=seed)["CiphertextBlob"]
        dec = self.call("decrypt", ciphertext=b64(other), key_id=self.key_id_v(1))
        self.assertGrpcError(dec, INVALID_ARGUMENT, "InvalidCiphertextException")

    def test_malformed_and_oversized_requests_get_grpc_errors(self):
        enc = self.call("encrypt", plaintext=b64(os.urandom(32)))
        self.assertTrue(enc["ok"], enc)
        ct, key_id = unb64(enc["ciphertext"]), enc["key_id"]
        tampered = bytearray(ct)
        tampered[-1] ^= 0x01  # the GCM tag
        cases = [
            ("decrypt", dict(ciphertext=b64(ct)), INVALID_ARGUMENT, "key_id is empty"),
            ("decrypt", dict(ciphertext="", key_id=key_id), INVALID_ARGUMENT, "ciphertext is empty"),
            ("decrypt", dict(ciphertext=b64(os.urandom(1025)), key_id=key_id), INVALID_ARGUMENT,
             "larger than 1024"),
            ("decrypt", dict(ciphertext=b64(ct), key_id="k" * 1025), INVALID_ARGUMENT,
             "larger than 1024"),
            ("decrypt", dict(ciphertext=b64(ct), key_id="projects/p/keys/k"), INVALID_ARGUMENT,
             "key_id"),
            ("decrypt", dict(ciphertext=b64(ct), key_id=self.key_id_v(7)), INVALID_ARGUMENT,
             "not made by key_id"),
            ("decrypt", dict(ciphertext=b64(bytes(tampered)), key_id=key_id), INVALID_ARGUMENT,
             "InvalidCiphertextException"),
            ("decrypt", dict(ciphertext=b64(b"\x01garbage"), key_id=key_id), INVALID_ARGUMENT, None),
            ("decrypt", dict(ciphertext=b64(ct), key_id=key_id,
                             annotations={"Not An FQDN": b64(b"x")}), INVALID_ARGUMENT,
             "fully qualified"),
            ("decrypt", dict(ciphertext=b64(ct), key_id=key_id,
                             annotations={"big.coffer.dev": b64(b"x" * 33000)}), INVALID_ARGUMENT,
             "32 KiB"),
            ("encrypt", dict(plaintext=""), INVALID_ARGUMENT, "plaintext is empty"),
            ("encrypt", dict(plaintext=b64(b"x" * 513)), INVALID_ARGUMENT, "larger than 512"),
            # Over the socket's 64 KiB message limit: refused by gRPC before the handler.
            ("encrypt", dict(plaintext=b64(os.urandom(1 << 20))), RESOURCE_EXHAUSTED, None),
            ("decrypt", dict(ciphertext=b64(ct), key_id=key_id,
                             annotations={"a.coffer.dev": b64(b"x" * 100000)}), RESOURCE_EXHAUSTED,
             None),
        ]
        for op, fields, code, contains in cases:
            with self.subTest(op=op, fields=str(fields)[:80]):
                answer, took = self.apiserver.call(op, **fields)
                self.assertGrpcError(answer, code, contains)
                self.assertLess(took, APISERVER_TIMEOUT)
        # Bytes that are no protobuf message, and a method that does not exist.
        junk = self.call("raw", method="/v2.KeyManagementService/Decrypt",
                         body=b64(b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"))
        self.assertFalse(junk["ok"], junk)
        self.assertNotIn(junk["code"], (OK, UNAVAILABLE, DEADLINE_EXCEEDED), junk)
        wrong_type = self.call("raw", method="/v2.KeyManagementService/Encrypt",
                               body=b64(b"\x0a\x05hello\x12\xff"))  # truncated field 2
        self.assertFalse(wrong_type["ok"], wrong_type)
        unknown = self.call("raw", method="/v2.KeyManagementService/Rotate", body="")
        self.assertGrpcError(unknown, UNIMPLEMENTED)
        # Nothing crashed: the plugin still serves.
        self.assertIsNone(self.plugin.proc.poll())
        self.assertEqual(self.status()["healthz"], "ok")

    def test_plaintext_never_reaches_the_log(self):
        seed = os.urandom(32)
        marker = b"coffer-e2e-plaintext-marker-0123"
        for p in (seed, marker):
            enc = self.call("encrypt", plaintext=b64(p), uid="log-check")
            dec = self.call("decrypt", ciphertext=enc["ciphertext"], key_id=enc["key_id"],
                            uid="log-check")
            self.assertEqual(unb64(dec["plaintext"]), p)
        log = self.plugin.stderr()
        self.assertIn("log-check", log)  # the uid is logged (debug level) for correlation
        for p in (seed, marker):
            self.assertNotIn(b64(p), log)
            self.assertNotIn(p.hex(), log)
        self.assertNotIn(marker.decode(), log)
        self.assertNotIn(ROOT_SECRET_ACCESS_KEY, log)

    def test_abstract_socket(self):
        name = f"unix:///@coffer-kms-e2e-{os.getpid()}"
        plugin = PluginProcess(self.tmp, self.server.endpoint_url, self.key_arn, name).start()
        apiserver = Apiserver(name)
        try:
            answer, _ = apiserver.call("seed")
            self.assertTrue(answer["ok"], answer)
            self.assertEqual(answer["key_id"], self.key_id_v(1))
        finally:
            apiserver.close()
            self.assertEqual(plugin.stop(), 0, plugin.stderr()[-3000:])

    def test_unusable_keys_are_unhealthy_with_the_cause(self):
        missing = PluginProcess(self.tmp, self.server.endpoint_url, "alias/no-such-key",
                                f"unix://{self.tmp}/missing.sock").start()
        apiserver = Apiserver(missing.socket)
        try:
            s, _ = apiserver.call("status")
            self.assertTrue(s["ok"], s)
            self.assertEqual(s["version"], "v2")
            self.assertNotEqual(s["healthz"], "ok")
            self.assertIn("NotFoundException", s["healthz"])
            self.assertIn("alias/no-such-key", s["healthz"])
            enc, _ = apiserver.call("encrypt", plaintext=b64(os.urandom(32)))
            self.assertEqual(enc["code"], 5, enc)  # NOT_FOUND
        finally:
            apiserver.close()
            self.assertEqual(missing.stop(), 0)

        key = self.kms.create_key()["KeyMetadata"]
        disabled = PluginProcess(self.tmp, self.server.endpoint_url, key["Arn"],
                                 f"unix://{self.tmp}/disabled.sock").start()
        apiserver = Apiserver(disabled.socket)
        try:
            self.assertEqual(apiserver.call("status")[0]["healthz"], "ok")
            self.kms.disable_key(KeyId=key["KeyId"])

            def unhealthy():
                s, _ = apiserver.call("status")
                return s if s["healthz"] != "ok" else None

            s = wait_until(unhealthy, 30, interval=0.2, what="healthz to report the disabled key")
            self.assertIn("DisabledException", s["healthz"])
            self.assertEqual(s["key_id"], key["Arn"] + ":v1")  # the last known one
            self.kms.enable_key(KeyId=key["KeyId"])
            wait_until(lambda: apiserver.call("status")[0]["healthz"] == "ok", 30, interval=0.2,
                       what="healthz to recover after EnableKey")
        finally:
            apiserver.close()
            self.assertEqual(disabled.stop(), 0)

    def test_bad_command_lines_fail_fast(self):
        cases = [
            (["--socket", "tcp://127.0.0.1:9000"], {}, "unix://"),
            (["--socket", f"unix://{self.tmp}/x.sock", "--timeout", "0"], {}, "--timeout"),
            (["--socket", f"unix://{self.tmp}/x.sock", "--endpoint", "ftp://x"], {}, "--endpoint"),
            (["--socket", f"unix://{self.tmp}/x.sock"], {"no_credentials": True},
             "AWS_ACCESS_KEY_ID"),
        ]
        for args, opts, message in cases:
            with self.subTest(args=args):
                env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
                if not opts.get("no_credentials"):
                    env.update(AWS_ACCESS_KEY_ID=ROOT_ACCESS_KEY_ID,
                               AWS_SECRET_ACCESS_KEY=ROOT_SECRET_ACCESS_KEY)
                cmd = [coffer_bin(), "kms-plugin", "--key", self.alias] + args
                if "--endpoint" not in args:
                    cmd += ["--endpoint", self.server.endpoint_url]
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
                self.assertEqual(proc.returncode, 1, proc)
                self.assertIn(message, proc.stderr)


class KmsPluginRotationTest(PluginTestCase):

    def test_rotation_changes_key_id_and_old_ciphertexts_still_decrypt(self):
        first = self.call("seed")
        self.assertTrue(first["ok"], first)
        self.assertEqual(first["key_id"], self.key_id_v(1))
        seeds = [first]
        for version in (2, 3):
            self.kms.rotate_key_on_demand(KeyId=self.key_id)
            s = self.wait_status(lambda s: s["key_id"] != seeds[-1]["key_id"],
                                 f"Status key_id to change to v{version}")
            self.assertEqual(s["healthz"], "ok")
            self.assertEqual(s["key_id"], self.key_id_v(version))
            seed = self.call("seed")  # the apiserver's reaction: a new seed under the new key
            self.assertTrue(seed["ok"], seed)
            self.assertEqual(seed["key_id"], self.key_id_v(version))
            seeds.append(seed)
        rotations = self.kms.list_key_rotations(KeyId=self.key_id)["Rotations"]
        self.assertEqual(len(rotations), 2)
        # Every seed still stored under an earlier key_id decrypts.
        for seed in seeds:
            dec = self.call("decrypt", ciphertext=seed["ciphertext"], key_id=seed["key_id"],
                            annotations=seed["annotations"])
            self.assertTrue(dec["ok"], dec)
            self.assertEqual(dec["plaintext"], seed["seed"])
        # A ciphertext presented under another version's key_id is refused.
        mixed = self.call("decrypt", ciphertext=seeds[0]["ciphertext"], key_id=seeds[1]["key_id"])
        self.assertGrpcError(mixed, INVALID_ARGUMENT, "not made by key_id")

    def test_z_plugin_restart_keeps_key_id_and_decrypts(self):
        before = self.status()
        seed = self.call("seed")
        self.assertTrue(seed["ok"], seed)
        socket_path = self.socket[len("unix://"):]
        self.assertEqual(self.plugin.stop(), 0, self.plugin.stderr()[-3000:])
        self.assertFalse(os.path.exists(socket_path), "the socket file is removed on exit")
        # The apiserver keeps calling while the plugin is away: errors, not hangs.
        down, took = self.apiserver.call("status", timeout_ms=1000)
        self.assertIn(down["code"], (DEADLINE_EXCEEDED, UNAVAILABLE), down)
        self.assertLess(took, 3)
        self.plugin.start()
        s = self.wait_status(lambda s: True, "the restarted plugin to answer on the old channel",
                             tolerate_unavailable=True)
        self.assertEqual(s["healthz"], "ok")
        self.assertEqual(s["key_id"], before["key_id"])
        dec = self.call("decrypt", ciphertext=seed["ciphertext"], key_id=seed["key_id"])
        self.assertTrue(dec["ok"], dec)
        self.assertEqual(dec["plaintext"], seed["seed"])

        # kill -9 leaves the socket file behind: the next start replaces it.
        self.plugin.kill()
        self.assertTrue(os.path.exists(socket_path))
        self.plugin.start()
        s = self.wait_status(lambda s: True, "the plugin to answer after kill -9 and a restart",
                             tolerate_unavailable=True)
        self.assertEqual(s["key_id"], before["key_id"])


class KmsPluginCofferDownTest(PluginTestCase):

    def test_coffer_down_is_reported_and_recovers_by_itself(self):
        seed = self.call("seed")
        self.assertTrue(seed["ok"], seed)
        key_id = seed["key_id"]
        port, data_dir = self.server.port, self.server.data_dir
        self.server.stop()

        s = self.wait_status(lambda s: s["healthz"] != "ok", "healthz to report Coffer down")
        self.assertEqual(s["version"], "v2")
        self.assertRegex(s["healthz"], r"cannot connect|Connection refused")
        self.assertIn(f"127.0.0.1:{port}", s["healthz"])
        self.assertEqual(s["key_id"], key_id)
        for op, fields in (("encrypt", dict(plaintext=b64(os.urandom(32)))),
                           ("decrypt", dict(ciphertext=seed["ciphertext"], key_id=key_id))):
            answer, took = self.apiserver.call(op, **fields)
            self.assertGrpcError(answer, UNAVAILABLE)
            self.assertLess(took, APISERVER_TIMEOUT)
        seed_down = self.call("seed")
        self.assertFalse(seed_down["ok"], seed_down)

        # Coffer comes back on the same port and data dir; the plugin is not restarted.
        self.server.listen = f"127.0.0.1:{port}"
        self.server.start()
        self.assertEqual(self.server.data_dir, data_dir)
        s = self.wait_status(lambda s: s["healthz"] == "ok", "healthz to recover")
        self.assertEqual(s["key_id"], key_id)
        dec = self.call("decrypt", ciphertext=seed["ciphertext"], key_id=key_id)
        self.assertTrue(dec["ok"], dec)
        self.assertEqual(dec["plaintext"], seed["seed"])
        records = self.plugin.log_records()
        self.assertTrue(any(r.get("msg") == "kms-plugin: unhealthy" for r in records))
        self.assertIsNone(self.plugin.proc.poll())


class KmsPluginTlsTest(unittest.TestCase):
    """--endpoint https://… with --ca-bundle; without it the certificate is not trusted."""

    def test_https_endpoint_with_a_ca_bundle(self):
        self.assertTrue(os.access(harness_bin(), os.X_OK), f"{harness_bin()} is not built")
        tmp = tempfile.mkdtemp(prefix="coffer-kmsp-tls-", dir="/tmp")
        self.addCleanup(shutil.rmtree, tmp, True)
        cert, key = openssl_self_signed(tmp)
        with CofferServer(tls_cert=cert, tls_key=key) as server:
            kms = server.client("kms")
            arn = kms.create_key()["KeyMetadata"]["Arn"]
            trusted = PluginProcess(tmp, server.endpoint_url, arn, f"unix://{tmp}/ok.sock",
                                    extra_args=["--ca-bundle", cert]).start()
            untrusted = PluginProcess(tmp, server.endpoint_url, arn, f"unix://{tmp}/no.sock",
                                      env={"SSL_CERT_FILE": "/nonexistent"}).start()
            a, b = Apiserver(trusted.socket), Apiserver(untrusted.socket)
            try:
                seed, _ = a.call("seed")
                self.assertTrue(seed["ok"], seed)
                self.assertEqual(seed["key_id"], arn + ":v1")
                s, _ = b.call("status")
                self.assertNotEqual(s["healthz"], "ok")
                self.assertRegex(s["healthz"], r"(?i)certificate|handshake|verify")
            finally:
                a.close()
                b.close()
                self.assertEqual(trusted.stop(), 0, trusted.stderr()[-3000:])
                self.assertEqual(untrusted.stop(), 0, untrusted.stderr()[-3000:])


class KmsPluginWebIdentityTest(CofferTestCase):
    """The plugin on a control-plane node authenticated as a pod would be: no static keys, a
    projected service-account token exchanged at Coffer's STS for role credentials (IRSA), with
    a role allowed exactly kms:Encrypt/Decrypt on the one key."""

    def test_web_identity_credentials_through_sts(self):
        self.assertTrue(os.access(harness_bin(), os.X_OK), f"{harness_bin()} is not built")
        from test_irsa import AUDIENCE, Issuer, RsaKey, make_token
        tmp = tempfile.mkdtemp(prefix="coffer-kmsp-irsa-", dir="/tmp")
        self.addCleanup(shutil.rmtree, tmp, True)
        key = RsaKey(tmp, "issuer")
        issuer = Issuer(tmp, key)
        self.addCleanup(issuer.close)
        iam = self.server.client("iam")
        provider = iam.create_open_id_connect_provider(
            Url=issuer.url, ClientIDList=[AUDIENCE],
            ThumbprintList=[issuer.thumbprint])["OpenIDConnectProviderArn"]
        sub = "system:serviceaccount:kube-system:coffer-kms-plugin"
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {issuer.url[len("https://"):] + ":sub": sub}}}]}
        role = iam.create_role(RoleName="kms-plugin",
                               AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        kms = self.server.client("kms")
        arn = kms.create_key()["KeyMetadata"]["Arn"]
        other = kms.create_key()["KeyMetadata"]["Arn"]
        iam.put_role_policy(RoleName="kms-plugin", PolicyName="etcd", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": arn}]}))
        token_file = os.path.join(tmp, "token")
        with open(token_file, "w") as f:
            f.write(make_token(key, issuer.url, sub=sub))
        env = {"AWS_ROLE_ARN": role, "AWS_WEB_IDENTITY_TOKEN_FILE": token_file,
               "AWS_ROLE_SESSION_NAME": "kms-plugin"}
        allowed = PluginProcess(tmp, self.server.endpoint_url, arn, f"unix://{tmp}/ok.sock",
                                env=env, credentials=None).start()
        denied = PluginProcess(tmp, self.server.endpoint_url, other, f"unix://{tmp}/no.sock",
                               env=env, credentials=None).start()
        a, b = Apiserver(allowed.socket), Apiserver(denied.socket)
        try:
            seed, _ = a.call("seed")
            self.assertTrue(seed["ok"], seed)
            self.assertEqual(seed["key_id"], arn + ":v1")
            s, _ = b.call("status")
            self.assertNotEqual(s["healthz"], "ok")
            self.assertIn("AccessDenied", s["healthz"])
        finally:
            a.close()
            b.close()
            self.assertEqual(allowed.stop(), 0, allowed.stderr()[-3000:])
            self.assertEqual(denied.stop(), 0, denied.stderr()[-3000:])


if __name__ == "__main__":
    run_tests()
