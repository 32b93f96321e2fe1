"""The `coffer server` process: data directory, credentials, flags, TLS and shutdown.

Run: python3 tests/e2e/test_server_lifecycle.py   (COFFER_BIN selects the binary)
"""

import json
import os
import re
import signal
import socket
import stat
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import botocore.exceptions  # noqa: E402

from harness import (ROOT_ACCESS_KEY_ID, CofferServer, ServerStartError,  # noqa: E402
                     file_mode, openssl_self_signed, read_shared_credentials, run_tests,
                     sigv4_headers, temp_dir, wait_until)

NO_GROUP_OR_OTHER = 0o077


class LifecycleTestCase(unittest.TestCase):
    def error_code(self, exc):
        return exc.response["Error"]["Code"]


class DataDirectoryTest(LifecycleTestCase):
    def test_data_dir_and_files_are_private(self):
        with CofferServer() as server:
            sm = server.client()
            sm.create_secret(Name="perm-check", SecretString="x")
            sm.put_secret_value(SecretId="perm-check", SecretString="y")
            data = server.data_dir
            self.assertEqual(file_mode(data), 0o700)
            self.assertTrue(stat.S_ISDIR(os.stat(data).st_mode))
            self.assertEqual(file_mode(os.path.join(data, "root.key")), 0o600)
            self.assertEqual(file_mode(os.path.join(data, "coffer.db")), 0o600)
            self.assertTrue(os.path.exists(os.path.join(data, "coffer.db-wal")),
                            os.listdir(data))
            self.assertEqual(file_mode(os.path.join(data, "coffer.db-wal")), 0o600)
            # Every file and directory below (the audit trail's too) is private.
            paths = []
            for root, dirs, files in os.walk(data):
                paths += [os.path.join(root, d) for d in dirs]
                paths += [os.path.join(root, f) for f in files]
            self.assertIn(os.path.join(data, "audit"), paths)
            self.assertEqual(file_mode(os.path.join(data, "audit")), 0o700)
            for path in paths:
                self.assertEqual(file_mode(path) & NO_GROUP_OR_OTHER, 0,
                                 f"{path} has mode {oct(file_mode(path))}")
            # The secret value is not stored in plain text, nor in the audit trail.
            for path in paths:
                if os.path.isfile(path):
                    with open(path, "rb") as f:
                        self.assertNotIn(b"e2e-secret-access-key-0000000001", f.read())

    def test_data_persists_across_restarts(self):
        with temp_dir() as tmp:
            data = os.path.join(tmp, "data")
            with CofferServer(data_dir=data) as server:
                sm = server.client()
                arn = sm.create_secret(Name="persist/me", SecretString="v1",
                                       Tags=[{"Key": "k", "Value": "v"}])["ARN"]
                sm.put_secret_value(SecretId="persist/me", SecretBinary=b"\x00v2")
            with CofferServer(data_dir=data) as server:
                sm = server.client()
                got = sm.get_secret_value(SecretId=arn)
                self.assertEqual(got["SecretBinary"], b"\x00v2")
                prev = sm.get_secret_value(SecretId="persist/me", VersionStage="AWSPREVIOUS")
                self.assertEqual(prev["SecretString"], "v1")
                self.assertEqual(sm.describe_secret(SecretId=arn)["Tags"],
                                 [{"Key": "k", "Value": "v"}])

    def test_group_readable_root_key_is_refused(self):
        with temp_dir() as tmp:
            data = os.path.join(tmp, "data")
            with CofferServer(data_dir=data):
                pass
            os.chmod(os.path.join(data, "root.key"), 0o640)
            server = CofferServer(data_dir=data)
            try:
                with self.assertRaises(ServerStartError) as cm:
                    server.start()
                self.assertNotEqual(cm.exception.returncode, 0)
                self.assertIn("root.key", cm.exception.stderr + cm.exception.stdout)
            finally:
                server.close()

    def test_different_account_id_on_the_same_data_dir_fails(self):
        with temp_dir() as tmp:
            data = os.path.join(tmp, "data")
            with CofferServer(data_dir=data, account_id="123456789012"):
                pass
            server = CofferServer(data_dir=data, account_id="210987654321")
            try:
                with self.assertRaises(ServerStartError) as cm:
                    server.start()
                err = cm.exception
                self.assertIsNotNone(err.returncode)
                self.assertNotEqual(err.returncode, 0)
                text = err.stderr + err.stdout
                self.assertIn("123456789012", text)
                self.assertIn("210987654321", text)
                self.assertNotIn("is listening on", err.stdout)
            finally:
                server.close()
            # Without --account-id the stored account is used.
            with CofferServer(data_dir=data, account_id=None) as server:
                self.assertIn("account 123456789012", server.stdout)
                arn = server.client().create_secret(Name="acct", SecretString="x")["ARN"]
                self.assertIn(":123456789012:secret:acct-", arn)

    def test_different_region_on_the_same_data_dir_fails(self):
        with temp_dir() as tmp:
            data = os.path.join(tmp, "data")
            with CofferServer(data_dir=data, region="eu-west-1") as server:
                arn = server.client().create_secret(Name="regional", SecretString="x")["ARN"]
                self.assertTrue(arn.startswith("arn:aws:secretsmanager:eu-west-1:"), arn)
            server = CofferServer(data_dir=data, region="us-east-1")
            try:
                with self.assertRaises(ServerStartError) as cm:
                    server.start()
                self.assertNotEqual(cm.exception.returncode, 0)
                self.assertIn("eu-west-1", cm.exception.stderr + cm.exception.stdout)
            finally:
                server.close()


class RootCredentialsTest(LifecycleTestCase):
    def test_generated_credentials_are_printed_once_and_kept(self):
        with temp_dir() as tmp:
            data = os.path.join(tmp, "data")
            with CofferServer(data_dir=data, root_credentials=None) as first:
                out = first.stdout
                key_id = re.search(r"AWS_ACCESS_KEY_ID=(\S+)", out)
                secret = re.search(r"AWS_SECRET_ACCESS_KEY=(\S+)", out)
                self.assertIsNotNone(key_id, out)
                self.assertIsNotNone(secret, out)
                key_id, secret = key_id.group(1), secret.group(1)
                self.assertNotEqual(key_id, ROOT_ACCESS_KEY_ID)
                self.assertGreaterEqual(len(secret), 20)

                creds_path = os.path.join(data, "root-credentials")
                self.assertEqual(file_mode(creds_path), 0o600)
                stored = read_shared_credentials(creds_path)
                self.assertEqual(stored["aws_access_key_id"], key_id)
                self.assertEqual(stored["aws_secret_access_key"], secret)

                sm = first.client(access_key_id=key_id, secret_access_key=secret)
                sm.create_secret(Name="made-with-generated", SecretString="ok")
                # The secret is not logged.
                self.assertNotIn(secret, first.stderr_text())

            with CofferServer(data_dir=data, root_credentials=None) as second:
                self.assertNotIn(secret, second.stdout)
                self.assertNotIn("AWS_SECRET_ACCESS_KEY", second.stdout)
                self.assertNotIn(secret, second.stderr_text())
                sm = second.client(access_key_id=key_id, secret_access_key=secret)
                self.assertEqual(
                    sm.get_secret_value(SecretId="made-with-generated")["SecretString"], "ok")
                # Other credentials are still refused.
                other = second.client(access_key_id=ROOT_ACCESS_KEY_ID,
                                      secret_access_key="e2e-secret-access-key-0000000001")
                with self.assertRaises(botocore.exceptions.ClientError) as cm:
                    other.list_secrets()
                self.assertEqual(self.error_code(cm.exception), "UnrecognizedClientException")
                self.assertEqual(read_shared_credentials(
                    os.path.join(data, "root-credentials"))["aws_secret_access_key"], secret)

    def test_env_credentials_are_not_printed(self):
        with CofferServer() as server:
            self.assertNotIn("e2e-secret-access-key-0000000001", server.stdout)
            self.assertNotIn("e2e-secret-access-key-0000000001", server.stderr_text())
            server.client().list_secrets()


class ListenAndTlsTest(LifecycleTestCase):
    def test_plain_http_on_a_non_loopback_address_is_refused(self):
        server = CofferServer(listen="0.0.0.0:0")
        try:
            with self.assertRaises(ServerStartError) as cm:
                server.start()
            self.assertNotEqual(cm.exception.returncode, 0)
            text = cm.exception.stderr + cm.exception.stdout
            self.assertIn("--tls-cert", text)
            self.assertIn("--insecure-http", text)
            self.assertNotIn("is listening on", cm.exception.stdout)
        finally:
            server.close()

    def test_insecure_http_flag_allows_it(self):
        with CofferServer(listen="0.0.0.0:0", extra_args=["--insecure-http"]) as server:
            self.assertIn("is listening on http://0.0.0.0:", server.stdout)
            self.assertEqual(server.client().list_secrets()["SecretList"], [])

    def test_tls(self):
        with temp_dir() as tmp:
            cert, key = openssl_self_signed(tmp)
            with CofferServer(tls_cert=cert, tls_key=key) as server:
                self.assertEqual(server.scheme, "https")
                self.assertTrue(server.endpoint_url.startswith("https://127.0.0.1:"))
                sm = server.client(verify=cert)
                sm.create_secret(Name="over-tls", SecretString="tls-value")
                self.assertEqual(sm.get_secret_value(SecretId="over-tls")["SecretString"],
                                 "tls-value")
                # The self-signed certificate is not trusted by default.
                untrusted = server.client(verify=True)
                with self.assertRaises(botocore.exceptions.SSLError):
                    untrusted.list_secrets()
                # Plain HTTP is not served on the TLS port.
                with socket.create_connection((server.host, server.port), timeout=10) as s:
                    s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
                    try:
                        reply = s.recv(1024)
                    except OSError:
                        reply = b""
                self.assertFalse(reply.startswith(b"HTTP/"), reply)
                # The aws CLI works with the CA bundle.
                r = server.aws("secretsmanager", "get-secret-value", "--secret-id", "over-tls")
                self.assertEqual(r.rc, 0, r)
                self.assertEqual(r.json()["SecretString"], "tls-value")

    def test_tls_allows_a_non_loopback_address(self):
        with temp_dir() as tmp:
            cert, key = openssl_self_signed(tmp)
            with CofferServer(listen="0.0.0.0:0", tls_cert=cert, tls_key=key) as server:
                self.assertIn("is listening on https://0.0.0.0:", server.stdout)
                self.assertEqual(server.client(verify=cert).list_secrets()["SecretList"], [])

    def test_tls_cert_without_key_is_refused(self):
        with temp_dir() as tmp:
            cert, _ = openssl_self_signed(tmp)
            server = CofferServer(tls_cert=cert)
            try:
                with self.assertRaises(ServerStartError) as cm:
                    server.start()
                self.assertNotEqual(cm.exception.returncode, 0)
            finally:
                server.close()


class ShutdownTest(LifecycleTestCase):
    def _start_request(self, server, target, payload):
        """Sends the head and half the body of a signed request with Expect: 100-continue.

        Returns (socket, rest of body) once the server has answered "100 Continue", i.e. once
        it has read the request head and is waiting for the body: the request is in flight.
        """
        body = json.dumps(payload).encode()
        headers = sigv4_headers("POST", server.endpoint_url + "/",
                                {"Content-Type": "application/x-amz-json-1.1",
                                 "X-Amz-Target": target}, body, server.access_key_id,
                                server.secret_access_key, server.region, "secretsmanager")
        headers["Content-Length"] = str(len(body))
        headers["Expect"] = "100-continue"
        head = "POST / HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock = socket.create_connection((server.host, server.port), timeout=20)
        sock.sendall(head.encode() + b"\r\n")
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = sock.recv(1024)
            if not chunk:
                break
            reply += chunk
        self.assertTrue(reply.startswith(b"HTTP/1.1 100"), reply)
        half = len(body) // 2
        sock.sendall(body[:half])
        return sock, body[half:]

    def _finish_request(self, sock, rest):
        sock.sendall(rest)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?i)content-length:\s*(\d+)", head)
                if m and len(body) >= int(m.group(1)):
                    break
        sock.close()
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1]) if head else 0
        return status, head, json.loads(body) if body else None

    def test_sigterm_lets_in_flight_requests_finish(self):
        with temp_dir() as tmp:
            data = os.path.join(tmp, "data")
            server = CofferServer(data_dir=data)
            try:
                server.start()
                sm = server.client()
                sm.create_secret(Name="inflight-existing", SecretString="before")
                token = str(uuid.uuid4())
                pending = [
                    self._start_request(server, "secretsmanager.CreateSecret",
                                        {"Name": "inflight-new", "SecretString": "created",
                                         "ClientRequestToken": str(uuid.uuid4())}),
                    self._start_request(server, "secretsmanager.PutSecretValue",
                                        {"SecretId": "inflight-existing",
                                         "SecretString": "during-drain",
                                         "ClientRequestToken": token}),
                    self._start_request(server, "secretsmanager.GetSecretValue",
                                        {"SecretId": "inflight-existing"}),
                ]
                server.send_signal(signal.SIGTERM)
                wait_until(lambda: any(r.get("msg", "").startswith("stopping")
                                       for r in server.log_records()),
                           10, what="the server to log that it is stopping")

                # New connections are refused while the old ones drain.
                def refused():
                    try:
                        socket.create_connection((server.host, server.port), timeout=2).close()
                        return False
                    except OSError:
                        return True
                wait_until(refused, 10, what="the listener to close")
                self.assertTrue(server.running, "exited before in-flight requests finished")

                # Finish the read first, so it must see the value from before the put.
                results = [self._finish_request(sock, rest) for sock, rest in reversed(pending)]
                results.reverse()
                for status, head, body in results:
                    self.assertEqual(status, 200, (head, body))
                self.assertEqual(results[0][2]["Name"], "inflight-new")
                self.assertEqual(results[1][2]["VersionId"], token)
                self.assertEqual(results[2][2]["SecretString"], "before")
                for _, head, _ in results:
                    self.assertRegex(head.decode(), r"(?i)connection:\s*close")
                self.assertEqual(server.wait(), 0, server.stderr_text()[-3000:])
            finally:
                server.close()

            # What was written during the drain is durable.
            with CofferServer(data_dir=data) as again:
                sm = again.client()
                self.assertEqual(
                    sm.get_secret_value(SecretId="inflight-existing")["SecretString"],
                    "during-drain")
                self.assertEqual(sm.get_secret_value(SecretId="inflight-new")["SecretString"],
                                 "created")

    def test_sigterm_when_idle_exits_zero_quickly(self):
        server = CofferServer()
        try:
            server.start()
            # An idle keep-alive connection must not hold up the shutdown.
            sock = socket.create_connection((server.host, server.port), timeout=10)
            started = time.monotonic()
            server.send_signal(signal.SIGTERM)
            self.assertEqual(server.wait(timeout=15), 0)
            self.assertLess(time.monotonic() - started, 8)
            sock.close()
        finally:
            server.close()

    def test_sigint_also_exits_zero(self):
        server = CofferServer()
        try:
            server.start()
            server.send_signal(signal.SIGINT)
            self.assertEqual(server.wait(timeout=15), 0)
        finally:
            server.close()


if __name__ == "__main__":
    run_tests()
