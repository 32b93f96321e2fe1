"""The root of trust: key file, Shamir shares and a PKCS#11 HSM (SoftHSM2); sealing, unsealing and
rotating the root key and the keyring term, driven through `coffer operator` and boto3.

Run: python3 tests/e2e/test_root_of_trust.py   (COFFER_BIN selects the binary)
"""

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

from harness import (CLI_TIMEOUT, CofferServer, ServerStartError, coffer_bin,  # noqa: E402
                     file_mode, run_tests, sigv4_headers, temp_dir, wait_until)

SOFTHSM_MODULE = os.environ.get("COFFER_TEST_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
SHARE_RE = re.compile(r"^Unseal Key (\d+): (\S+)$", re.M)


def operator(*args, env=None, input=None):
    """Runs `coffer operator <args>`; returns CompletedProcess (text)."""
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("AWS_", "COFFER_ROOT_", "COFFER_PKCS11_"))}
    full_env.setdefault("ASAN_OPTIONS", "abort_on_error=0")
    full_env.update(env or {})
    return subprocess.run([coffer_bin(), "operator", *args], capture_output=True, text=True,
                          timeout=CLI_TIMEOUT, env=full_env, input=input)


def shares_from(text):
    found = SHARE_RE.findall(text)
    return [s for _, s in sorted(found, key=lambda m: int(m[0]))]


class RootOfTrustTestCase(unittest.TestCase):
    def remote_env(self, server):
        return {"COFFER_ENDPOINT": server.endpoint_url,
                "AWS_ACCESS_KEY_ID": server.access_key_id,
                "AWS_SECRET_ACCESS_KEY": server.secret_access_key,
                "AWS_REGION": server.region}

    def op(self, server, *args, input=None, ok=True):
        r = operator(*args, env=self.remote_env(server), input=input)
        if ok:
            self.assertEqual(r.returncode, 0, f"{args}: {r.stdout}\n{r.stderr}")
        return r

    def status(self, server):
        r = self.op(server, "seal-status")
        return json.loads(r.stdout)

    def unseal(self, server, share):
        return json.loads(self.op(server, "unseal", share).stdout)

    def assert_sealed_api(self, server):
        sm = server.client()
        with self.assertRaises(ClientError) as cm:
            sm.list_secrets()
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "ServiceUnavailableException", err)
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 503)
        raw = server.aws_json_request("secretsmanager.GetSecretValue", {"SecretId": "x"})
        self.assertEqual(raw.status, 503, raw)
        body = raw.json()
        self.assertEqual(body["__type"], "ServiceUnavailableException")
        self.assertTrue(body["message"].startswith("Coffer is sealed: "), body)
        self.assertEqual(server.http_request("GET", "/health/ready").status, 503)
        self.assertEqual(server.http_request("GET", "/health/live").status, 200)

    def wait_ready(self, server):
        wait_until(lambda: server.http_request("GET", "/health/ready").status == 200, 30,
                   what="/health/ready 200 after unseal")

    def init_shamir(self, data, shares=5, threshold=3):
        r = operator("init", "--data-dir", data, "--shares", str(shares), "--threshold",
                     str(threshold))
        self.assertEqual(r.returncode, 0, r.stderr)
        keys = shares_from(r.stdout)
        self.assertEqual(len(keys), shares, r.stdout)
        self.assertEqual(len(set(keys)), shares)
        return keys


class ShamirTest(RootOfTrustTestCase):
    def test_sealed_until_threshold_then_seal_unseal_and_restart(self):
        with temp_dir() as tmp:
            data = os.path.join(tmp, "data")
            keys = self.init_shamir(data)
            self.assertFalse(os.path.exists(os.path.join(data, "root.key")))
            settings_path = os.path.join(data, "root-of-trust.json")
            self.assertEqual(file_mode(settings_path), 0o600)
            with open(settings_path) as f:
                settings = json.load(f)
            self.assertEqual(settings["provider"], "shamir")
            self.assertEqual((settings["shares"], settings["threshold"]), (5, 3))
            for entry in os.listdir(data):
                with open(os.path.join(data, entry), "rb") as f:
                    blob = f.read()
                for k in keys:
                    self.assertNotIn(k.encode(), blob, f"an unseal key is stored in {entry}")

            with CofferServer(data_dir=data, wait_ready=False) as server:
                self.assertIn("sealed", server.stdout)
                st = self.status(server)
                self.assertEqual(st, {"sealed": True, "provider": "shamir", "threshold": 3,
                                      "shares": 5, "progress": 0})
                self.assert_sealed_api(server)

                self.assertEqual(self.unseal(server, keys[0])["progress"], 1)
                # The second key through stdin.
                r = self.op(server, "unseal", input=keys[1] + "\n")
                st = json.loads(r.stdout)
                self.assertEqual((st["sealed"], st["progress"]), (True, 2))
                self.assertNotIn(keys[1], r.stdout + r.stderr)
                self.assert_sealed_api(server)

                st = self.unseal(server, keys[2])
                self.assertFalse(st["sealed"])
                self.assertEqual(st["progress"], 0)
                self.wait_ready(server)
                sm = server.client()
                sm.create_secret(Name="rot/shamir", SecretString="kept-by-shares")
                self.assertEqual(sm.get_secret_value(SecretId="rot/shamir")["SecretString"],
                                 "kept-by-shares")

                r = self.op(server, "seal")
                self.assertTrue(json.loads(r.stdout)["sealed"])
                self.assert_sealed_api(server)

                for k in (keys[4], keys[3], keys[1]):
                    st = self.unseal(server, k)
                self.assertFalse(st["sealed"])
                self.wait_ready(server)
                self.assertEqual(sm.get_secret_value(SecretId="rot/shamir")["SecretString"],
                                 "kept-by-shares")
                # No key ever reaches the log.
                for k in keys:
                    self.assertNotIn(k, server.stderr_text())

                server.stop()
                server.start()
                self.assertTrue(self.status(server)["sealed"])
                self.assert_sealed_api(server)
                for k in (keys[0], keys[2], keys[4]):
                    self.unseal(server, k)
                self.wait_ready(server)
                self.assertEqual(
                    server.client().get_secret_value(SecretId="rot/shamir")["SecretString"],
                    "kept-by-shares")

    def test_wrong_share_combination_is_rejected_and_resets_progress(self):
        with temp_dir() as tmp:
            a = os.path.join(tmp, "a")
            b = os.path.join(tmp, "b")
            keys_a = self.init_shamir(a, 3, 2)
            keys_b = self.init_shamir(b, 3, 2)
            with CofferServer(data_dir=a, wait_ready=False) as server:
                self.unseal(server, keys_a[0])
                # The same key twice is refused without losing progress.
                r = self.op(server, "unseal", keys_a[0], ok=False)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("already entered", r.stderr)
                self.assertEqual(self.status(server)["progress"], 1)
                # A key from another server completes the threshold but not the root key.
                r = self.op(server, "unseal", keys_b[1], ok=False)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("do not rebuild the root key", r.stderr)
                self.assertNotIn(keys_b[1], r.stderr + r.stdout)
                st = self.status(server)
                self.assertEqual((st["sealed"], st["progress"]), (True, 0))
                # Garbage and --reset.
                r = self.op(server, "unseal", "bm90LWEta2V5", ok=False)
                self.assertNotEqual(r.returncode, 0)
                self.unseal(server, keys_a[2])
                self.assertEqual(json.loads(self.op(server, "unseal", "--reset").stdout)[
                    "progress"], 0)
                # The raw endpoint answers 400 with an error list.
                res = server.http_request("POST", "/sys/unseal", body=b'{"key":"%%%"}',
                                          headers={"Content-Type": "application/json"})
                self.assertEqual(res.status, 400)
                self.assertIn("errors", res.json())
                self.unseal(server, keys_a[2])
                self.assertFalse(self.unseal(server, keys_a[1])["sealed"])
                self.wait_ready(server)

    def test_operator_endpoints_need_the_account_root(self):
        with temp_dir() as tmp:
            data = os.path.join(tmp, "data")
            keys = self.init_shamir(data, 2, 2)
            with CofferServer(data_dir=data, wait_ready=False) as server:
                self.unseal(server, keys[0])
                self.unseal(server, keys[1])
                self.wait_ready(server)
                for path in ("/sys/seal", "/sys/rotate-root", "/sys/rotate-root/cancel",
                             "/sys/rotate-keyring"):
                    res = server.http_request("POST", path, body=b"{}")
                    self.assertIn(res.status, (400, 403), res)
                    self.assertIn("MissingAuthenticationToken", res.body.decode())
                    hdrs = sigv4_headers("POST", server.endpoint_url + path, {}, b"{}",
                                         server.access_key_id, "wrong-secret-0000000000",
                                         server.region, "coffer")
                    res = server.http_request("POST", path, body=b"{}", headers=hdrs)
                    self.assertIn(res.status, (400, 403), res)
                    # Signed for another service.
                    hdrs = sigv4_headers("POST", server.endpoint_url + path, {}, b"{}",
                                         server.access_key_id, server.secret_access_key,
                                         server.region, "secretsmanager")
                    res = server.http_request("POST", path, body=b"{}", headers=hdrs)
                    self.assertIn(res.status, (400, 403), res)
                self.assertFalse(self.status(server)["sealed"])
                r = operator("seal", env={"COFFER_ENDPOINT": server.endpoint_url})
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("AWS_ACCESS_KEY_ID", r.stderr)

    def rotation_status(self, server):
        return json.loads(self.op(server, "rotate-root", "--status").stdout)

    def verify(self, server, share, nonce=None, ok=True):
        args = ["rotate-root-verify", share] + (["--nonce", nonce] if nonce else [])
        r = self.op(server, *args, ok=ok)
        return json.loads(r.stdout) if ok else r

    def crash_and_restart(self, server):
        """SIGKILL (no clean shutdown), then start again; the server comes back sealed."""
        server.send_signal(signal.SIGKILL)
        server.wait()
        server.start()
        self.assertTrue(self.status(server)["sealed"])

    def unseal_with(self, server, keys):
        for k in keys:
            st = self.unseal(server, k)
        self.assertFalse(st["sealed"])
        self.wait_ready(server)

    def assert_keys_do_not_unseal(self, server, keys):
        for k in keys[:-1]:
            self.unseal(server, k)
        r = self.op(server, "unseal", keys[-1], ok=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("do not rebuild the root key", r.stderr)
        self.assertTrue(self.status(server)["sealed"])

    def test_rotate_root_commits_only_after_the_new_shares_are_verified(self):
        with temp_dir() as tmp:
            data = os.path.join(tmp, "data")
            old = self.init_shamir(data)
            with CofferServer(data_dir=data, wait_ready=False) as server:
                self.unseal_with(server, old[:3])
                server.client().create_secret(Name="rot/rotated", SecretString="survives")
                self.assertEqual(self.rotation_status(server),
                                 {"pending": False, "progress": 0, "threshold": 3, "shares": 5})
                r = self.op(server, "rotate-root")
                new = shares_from(r.stdout)
                self.assertEqual(len(new), 5, r.stdout)
                self.assertFalse(set(new) & set(old))
                self.assertIn("rotate-root-verify", r.stdout)
                nonce = re.search(r"^Nonce: (\S+)$", r.stdout, re.M).group(1)
                st = self.rotation_status(server)
                self.assertEqual(st["nonce"], nonce)
                self.assertEqual((st["pending"], st["progress"], st["threshold"]), (True, 0, 3))
                raw = server.http_request("GET", "/sys/rotate-root/status").body.decode()
                for k in new + old:
                    self.assertNotIn(k, raw)
                # No downtime: still serving.
                self.assertEqual(
                    server.client().get_secret_value(SecretId="rot/rotated")["SecretString"],
                    "survives")
                # One rotation at a time; the keyring term is frozen until it is settled.
                hdrs = sigv4_headers("POST", server.endpoint_url + "/sys/rotate-root", {}, b"{}",
                                     server.access_key_id, server.secret_access_key,
                                     server.region, "coffer")
                res = server.http_request("POST", "/sys/rotate-root", body=b"{}", headers=hdrs)
                self.assertEqual(res.status, 409, res)
                self.assertIn("already pending", res.json()["errors"][0])
                r = self.op(server, "rotate-keyring", ok=False)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("root key rotation is pending", r.stderr)
                hdrs = sigv4_headers("POST", server.endpoint_url + "/sys/rotate-keyring", {},
                                     b"{}", server.access_key_id, server.secret_access_key,
                                     server.region, "coffer")
                res = server.http_request("POST", "/sys/rotate-keyring", body=b"{}", headers=hdrs)
                self.assertEqual(res.status, 409, res)
                self.assertEqual(self.status(server)["term"], 1)

                # A crash before verification (say the response never reached the operator):
                # the old shares still unseal, the new ones do not, the data is intact and the
                # pending rotation is still there.
                self.crash_and_restart(server)
                self.assert_keys_do_not_unseal(server, new[:3])
                self.unseal_with(server, (old[4], old[0], old[2]))
                self.assertEqual(
                    server.client().get_secret_value(SecretId="rot/rotated")["SecretString"],
                    "survives")
                st = self.rotation_status(server)
                self.assertEqual((st["pending"], st["nonce"], st["progress"]), (True, nonce, 0))

                st = self.verify(server, new[1], nonce)
                self.assertEqual((st["pending"], st["progress"]), (True, 1))
                r = self.verify(server, new[1], nonce, ok=False)
                self.assertIn("already entered", r.stderr)
                # The nonce defaults to the pending one; the key may come from stdin.
                r = self.op(server, "rotate-root-verify", input=new[3] + "\n")
                self.assertEqual(json.loads(r.stdout)["progress"], 2)
                self.assertNotIn(new[3], r.stdout + r.stderr)
                st = self.verify(server, new[4], nonce)
                self.assertTrue(st["complete"])
                self.assertFalse(st["pending"])
                self.assertFalse(self.rotation_status(server)["pending"])
                for k in old + new:
                    self.assertNotIn(k, server.stderr_text())
                # Settled: the keyring term can move again.
                self.assertIn("New keyring term: 2", self.op(server, "rotate-keyring").stdout)
                self.assertEqual(
                    server.client().get_secret_value(SecretId="rot/rotated")["SecretString"],
                    "survives")

                # After a restart only the new shares work.
                server.stop()
                server.start()
                self.assert_keys_do_not_unseal(server, old[:3])
                self.unseal_with(server, (new[1], new[3], new[4]))
                self.assertEqual(self.status(server)["term"], 2)
                self.assertEqual(
                    server.client().get_secret_value(SecretId="rot/rotated")["SecretString"],
                    "survives")
                self.crash_and_restart(server)
                self.unseal_with(server, (new[0], new[2], new[4]))

    def test_wrong_verify_share_resets_and_cancel_drops_the_rotation(self):
        with temp_dir() as tmp:
            a = os.path.join(tmp, "a")
            old = self.init_shamir(a, 3, 2)
            other = self.init_shamir(os.path.join(tmp, "b"), 3, 2)
            with CofferServer(data_dir=a, wait_ready=False) as server:
                self.unseal_with(server, old[:2])
                server.client().create_secret(Name="rot/cancel", SecretString="kept")
                r = self.op(server, "rotate-root")
                new = shares_from(r.stdout)
                nonce = re.search(r"^Nonce: (\S+)$", r.stdout, re.M).group(1)

                r = self.verify(server, new[0], "00000000-0000-4000-8000-000000000000", ok=False)
                self.assertIn("nonce does not name the pending", r.stderr)
                self.assertEqual(self.verify(server, new[0], nonce)["progress"], 1)
                # An old share completes the threshold but not the pending root: reset, 400.
                r = self.verify(server, old[1], nonce, ok=False)
                self.assertIn("do not rebuild the pending root key", r.stderr)
                self.assertNotIn(old[1], r.stdout + r.stderr)
                st = self.rotation_status(server)
                self.assertEqual((st["pending"], st["progress"]), (True, 0))
                self.verify(server, new[2], nonce)
                res = server.http_request(
                    "POST", "/sys/rotate-root/verify",
                    body=json.dumps({"nonce": nonce, "key": other[0]}).encode(),
                    headers={"Content-Type": "application/json"})
                self.assertEqual(res.status, 400, res)
                self.assertIn("progress was reset", res.json()["errors"][0])
                self.assertEqual(self.rotation_status(server)["progress"], 0)
                res = server.http_request("POST", "/sys/rotate-root/verify", body=b'{"key":"x"}')
                self.assertEqual(res.status, 400, res)

                # Cancel needs the account root, then drops the rotation for good.
                res = server.http_request("POST", "/sys/rotate-root/cancel", body=b"{}")
                self.assertIn(res.status, (400, 403), res)
                self.assertTrue(self.rotation_status(server)["pending"])
                r = self.op(server, "rotate-root", "--cancel")
                self.assertIn("cancelled", r.stdout)
                self.assertFalse(self.rotation_status(server)["pending"])
                r = self.verify(server, new[0], nonce, ok=False)
                self.assertIn("no root key rotation is pending", r.stderr)
                r = self.op(server, "rotate-root", "--cancel", ok=False)
                self.assertIn("no root key rotation is pending", r.stderr)
                self.assertIn("New keyring term: 2", self.op(server, "rotate-keyring").stdout)

                server.stop()
                server.start()
                self.assertFalse(self.rotation_status(server)["pending"])
                self.assert_keys_do_not_unseal(server, new[:2])
                self.unseal_with(server, (old[2], old[0]))
                self.assertEqual(
                    server.client().get_secret_value(SecretId="rot/cancel")["SecretString"],
                    "kept")
                # A new rotation can start after a cancel, and is verified on its own.
                r = self.op(server, "rotate-root")
                again = shares_from(r.stdout)
                self.assertFalse(set(again) & set(new))
                self.verify(server, again[2])
                self.assertTrue(self.verify(server, again[0])["complete"])
                server.stop()
                server.start()
                self.assert_keys_do_not_unseal(server, old[:2])
                self.unseal_with(server, again[1:])
                self.assertEqual(self.status(server)["term"], 2)
                self.assertEqual(
                    server.client().get_secret_value(SecretId="rot/cancel")["SecretString"],
                    "kept")


class KeyFileTest(RootOfTrustTestCase):
    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def test_rotate_root_makes_the_old_key_file_useless(self):
        with temp_dir() as tmp:
            data = os.path.join(tmp, "data")
            root_key = os.path.join(data, "root.key")
            with CofferServer(data_dir=data) as server:
                sm = server.client()
                sm.create_secret(Name="rot/file", SecretString="file-rooted")
                old = self.read(root_key)
                r = self.op(server, "rotate-root")
                self.assertIn("rotated", r.stdout)
                new = self.read(root_key)
                self.assertNotEqual(old, new)
                self.assertEqual(file_mode(root_key), 0o600)
                self.assertFalse(os.path.exists(root_key + ".next"))
                # One step: nothing is left pending and there is nothing to verify.
                self.assertFalse(json.loads(self.op(server, "rotate-root", "--status").stdout)[
                    "pending"])
                r = self.op(server, "rotate-root-verify", "--nonce", "0000", "AAAA", ok=False)
                self.assertIn("needs no verification", r.stderr)
                self.assertEqual(sm.get_secret_value(SecretId="rot/file")["SecretString"],
                                 "file-rooted")
            with open(root_key, "wb") as f:
                f.write(old)
            server = CofferServer(data_dir=data)
            try:
                with self.assertRaises(ServerStartError) as cm:
                    server.start()
                self.assertNotEqual(cm.exception.returncode, 0)
                self.assertIn("root key does not open this keyring",
                              cm.exception.stderr + cm.exception.stdout)
            finally:
                server.close()
            with open(root_key, "wb") as f:
                f.write(new)
            with CofferServer(data_dir=data) as server:
                self.assertEqual(
                    server.client().get_secret_value(SecretId="rot/file")["SecretString"],
                    "file-rooted")

    def test_start_up_finishes_or_drops_an_interrupted_rotation(self):
        with temp_dir() as tmp:
            data = os.path.join(tmp, "data")
            root_key = os.path.join(data, "root.key")
            pending = root_key + ".next"
            with CofferServer(data_dir=data) as server:
                server.client().create_secret(Name="rot/crash", SecretString="v")
                old = self.read(root_key)
                self.op(server, "rotate-root")
                new = self.read(root_key)
            # Crash after the keyring was rewrapped, before the rename: root.key is still the old
            # key and root.key.next holds the new one. Start-up finishes the rename.
            shutil.copyfile(root_key, pending)
            os.chmod(pending, 0o600)
            with open(root_key, "wb") as f:
                f.write(old)
            with CofferServer(data_dir=data) as server:
                self.assertEqual(
                    server.client().get_secret_value(SecretId="rot/crash")["SecretString"], "v")
            self.assertEqual(self.read(root_key), new)
            self.assertFalse(os.path.exists(pending))
            # Crash before the rewrap: root.key.next holds a key that opens nothing. Dropped.
            with open(pending, "wb") as f:
                f.write(b"coffer-root-key-v1 " + base64.b64encode(os.urandom(32)) + b"\n")
            os.chmod(pending, 0o600)
            with CofferServer(data_dir=data) as server:
                self.assertEqual(
                    server.client().get_secret_value(SecretId="rot/crash")["SecretString"], "v")
            self.assertEqual(self.read(root_key), new)
            self.assertFalse(os.path.exists(pending))

    def test_rotate_keyring_adds_a_term_and_old_data_stays_readable(self):
        with temp_dir() as tmp:
            data = os.path.join(tmp, "data")
            with CofferServer(data_dir=data) as server:
                sm = server.client()
                sm.create_secret(Name="rot/before", SecretString="old-term")
                self.assertEqual(self.status(server)["term"], 1)
                r = self.op(server, "rotate-keyring")
                self.assertIn("New keyring term: 2", r.stdout)
                self.assertEqual(self.status(server)["term"], 2)
                sm.create_secret(Name="rot/after", SecretString="new-term")
                self.assertEqual(sm.get_secret_value(SecretId="rot/before")["SecretString"],
                                 "old-term")
            with CofferServer(data_dir=data) as server:
                sm = server.client()
                self.assertEqual(self.status(server)["term"], 2)
                self.assertEqual(sm.get_secret_value(SecretId="rot/before")["SecretString"],
                                 "old-term")
                self.assertEqual(sm.get_secret_value(SecretId="rot/after")["SecretString"],
                                 "new-term")

    def test_init_is_refused_once_a_keyring_exists(self):
        with temp_dir() as tmp:
            data = os.path.join(tmp, "data")
            with CofferServer(data_dir=data):
                pass
            r = operator("init", "--data-dir", data, "--shares", "3", "--threshold", "2")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("already has a keyring", r.stderr)
            self.assertNotIn("Unseal Key", r.stdout)
            r = operator("init", "--data-dir", os.path.join(tmp, "x"), "--shares", "2",
                         "--threshold", "3")
            self.assertNotEqual(r.returncode, 0)
            # A key-file init works too, and the server then starts unsealed.
            fresh = os.path.join(tmp, "fresh")
            r = operator("init", "--data-dir", fresh)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(file_mode(os.path.join(fresh, "root.key")), 0o600)
            with CofferServer(data_dir=fresh) as server:
                self.assertFalse(self.status(server)["sealed"])


@unittest.skipUnless(os.path.exists(SOFTHSM_MODULE) and shutil.which("softhsm2-util"),
                     "SoftHSM2 is not installed (scripts/setup installs it)")
class Pkcs11Test(RootOfTrustTestCase):
    PIN = "e2e-user-pin-4321"

    def setUp(self):
        cm = temp_dir()
        self.tmp = cm.__enter__()
        self.addCleanup(cm.__exit__, None, None, None)
        tokens = os.path.join(self.tmp, "tokens")
        os.mkdir(tokens)
        self.conf = os.path.join(self.tmp, "softhsm2.conf")
        with open(self.conf, "w") as f:
            f.write(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
        self.hsm_env = {"SOFTHSM2_CONF": self.conf}
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "coffer-e2e",
                        "--pin", self.PIN, "--so-pin", "e2e-so-pin-8765"], check=True,
                       capture_output=True, timeout=60, env={**os.environ, **self.hsm_env})
        self.pin_file = os.path.join(self.tmp, "pin")
        with open(self.pin_file, "w") as f:
            f.write(self.PIN + "\n")
        os.chmod(self.pin_file, 0o600)
        self.data = os.path.join(self.tmp, "data")

    def init(self, *extra, env=None):
        return operator("init", "--data-dir", self.data, "--pkcs11-module", SOFTHSM_MODULE,
                        "--pkcs11-token-label", "coffer-e2e", "--pkcs11-key-label",
                        "coffer-root", *extra, env={**self.hsm_env, **(env or {})})

    def settings(self):
        with open(os.path.join(self.data, "root-of-trust.json")) as f:
            return json.load(f)

    def test_hsm_wrapped_root_key_end_to_end(self):
        r = self.init("--pkcs11-pin-file", self.pin_file)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(self.PIN, r.stdout + r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.data, "root.key")))
        settings = self.settings()
        self.assertEqual(settings["provider"], "pkcs11")
        self.assertEqual(settings["pkcs11"]["pin_file"], self.pin_file)
        self.assertEqual(len(base64.b64decode(settings["wrapped_root_key"])), 1 + 12 + 32 + 16)
        self.assertEqual(set(settings), {"version", "provider", "pkcs11", "wrapped_root_key"})
        self.assertEqual(file_mode(os.path.join(self.data, "root-of-trust.json")), 0o600)
        for entry in os.listdir(self.data):
            with open(os.path.join(self.data, entry), "rb") as f:
                self.assertNotIn(self.PIN.encode(), f.read(), entry)

        with CofferServer(data_dir=self.data, env=self.hsm_env) as server:
            self.assertIn("root of trust pkcs11, unsealed", server.stdout)
            sm = server.client()
            sm.create_secret(Name="rot/hsm", SecretString="hsm-rooted")
            # Seal, then unseal through the HSM again (no key to enter).
            self.op(server, "seal")
            self.assert_sealed_api(server)
            self.assertFalse(json.loads(self.op(server, "unseal", input="").stdout)["sealed"])
            self.wait_ready(server)
            self.assertEqual(sm.get_secret_value(SecretId="rot/hsm")["SecretString"],
                             "hsm-rooted")
            before = settings["wrapped_root_key"]
            self.op(server, "rotate-root")
            after = self.settings()
            self.assertNotEqual(after["wrapped_root_key"], before)
            self.assertNotIn("pending_wrapped_root_key", after)
        with CofferServer(data_dir=self.data, env=self.hsm_env) as server:
            self.assertEqual(server.client().get_secret_value(SecretId="rot/hsm")["SecretString"],
                             "hsm-rooted")
        # The old wrapped key no longer opens the keyring.
        stale = dict(self.settings(), wrapped_root_key=before)
        good = self.settings()
        path = os.path.join(self.data, "root-of-trust.json")
        with open(path, "w") as f:
            json.dump(stale, f)
        server = CofferServer(data_dir=self.data, env=self.hsm_env)
        try:
            with self.assertRaises(ServerStartError) as cm:
                server.start()
            self.assertNotEqual(cm.exception.returncode, 0)
            self.assertIn("root key does not open this keyring",
                          cm.exception.stderr + cm.exception.stdout)
        finally:
            server.close()
        with open(path, "w") as f:
            json.dump(good, f)

        # A wrong PIN: the server refuses to start, with a clear error, without echoing it.
        wrong = os.path.join(self.tmp, "wrong-pin")
        with open(wrong, "w") as f:
            f.write("not-the-pin-000\n")
        os.chmod(wrong, 0o600)
        server = CofferServer(data_dir=self.data, env=self.hsm_env,
                              extra_args=["--pkcs11-pin-file", wrong])
        try:
            with self.assertRaises(ServerStartError) as cm:
                server.start()
            self.assertIsNotNone(cm.exception.returncode)
            self.assertNotEqual(cm.exception.returncode, 0)
            text = cm.exception.stderr + cm.exception.stdout
            self.assertIn("rejected the PKCS#11 PIN", text)
            self.assertNotIn("not-the-pin-000", text)
        finally:
            server.close()
        with CofferServer(data_dir=self.data, env=self.hsm_env) as server:
            self.assertEqual(server.client().get_secret_value(SecretId="rot/hsm")["SecretString"],
                             "hsm-rooted")

    def test_pin_from_the_environment(self):
        r = self.init(env={"COFFER_PKCS11_PIN": self.PIN})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.settings()["pkcs11"]["pin_env"], "COFFER_PKCS11_PIN")
        server = CofferServer(data_dir=self.data, env=self.hsm_env)
        try:
            with self.assertRaises(ServerStartError) as cm:
                server.start()
            self.assertIn("COFFER_PKCS11_PIN", cm.exception.stderr + cm.exception.stdout)
        finally:
            server.close()
        with CofferServer(data_dir=self.data,
                          env={**self.hsm_env, "COFFER_PKCS11_PIN": self.PIN}) as server:
            server.client().create_secret(Name="rot/env-pin", SecretString="ok")

    def test_init_fails_cleanly_with_a_wrong_pin_or_token(self):
        r = self.init(env={"COFFER_PKCS11_PIN": "wrong-pin-123"})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("rejected the PKCS#11 PIN", r.stderr)
        r = operator("init", "--data-dir", self.data, "--pkcs11-module", SOFTHSM_MODULE,
                     "--pkcs11-token-label", "no-such-token", "--pkcs11-key-label", "k",
                     env={**self.hsm_env, "COFFER_PKCS11_PIN": self.PIN})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no-such-token", r.stderr)
        # Nothing was initialised: a correct init still works.
        r = self.init("--pkcs11-pin-file", self.pin_file)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    run_tests()
