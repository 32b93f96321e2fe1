"""No secret material at rest in plaintext, in logs, or in error messages.

Writes distinctive secret values (string and binary), provokes failures that carry secret values
in their requests, then searches the SQLite database, its WAL, the server's log (at debug level)
and every error message for the values, the root key and the root secret access key.
"""

import base64
import glob
import os
import unittest

from botocore.exceptions import ClientError

from harness import CofferServer, run_tests


class SecretHygieneTest(unittest.TestCase):
    def test_no_plaintext_in_storage_logs_or_errors(self):
        server = CofferServer(extra_args=["--log-level", "debug"])
        server.start()
        markers = [f"hygiene-marker-{i}-7f3a9c1e" for i in range(5)]
        binary_marker = b"\x00\x01binary-hygiene-marker-55aa\xff"
        errors = []
        try:
            sm = server.client("secretsmanager")
            lax = server.client("secretsmanager", parameter_validation=False)
            sm.create_secret(Name="hygiene/a", SecretString=markers[0])
            sm.put_secret_value(SecretId="hygiene/a", SecretString=markers[1])
            sm.update_secret(SecretId="hygiene/a", SecretString=markers[2])
            sm.create_secret(Name="hygiene/b", SecretBinary=binary_marker)
            self.assertEqual(sm.get_secret_value(SecretId="hygiene/a")["SecretString"], markers[2])
            failing = [
                lambda: sm.put_secret_value(SecretId="hygiene/missing", SecretString=markers[3]),
                lambda: sm.create_secret(Name="hygiene/a", SecretString=markers[3]),
                lambda: lax.put_secret_value(SecretId="hygiene/a",
                                             SecretString=markers[4] + "x" * 65536),
                lambda: lax.create_secret(Name="bad name!", SecretString=markers[4]),
                lambda: sm.put_secret_value(SecretId="hygiene/a", SecretString=markers[3],
                                            ClientRequestToken=sm.describe_secret(
                                                SecretId="hygiene/a")["VersionIdsToStages"]
                                            .__iter__().__next__()),
            ]
            for call in failing:
                with self.assertRaises(ClientError) as cm:
                    call()
                errors.append(str(cm.exception.response.get("Error")))
        finally:
            server.stop()
        try:
            root_key_line = open(os.path.join(server.data_dir, "root.key")).read().split()[-1]
            root_key = base64.b64decode(root_key_line)
            needles = [m.encode() for m in markers] + [binary_marker, b"binary-hygiene-marker",
                                                       root_key, root_key_line.encode(),
                                                       root_key.hex().encode(),
                                                       server.secret_access_key.encode()]
            stored = b""
            for path in glob.glob(os.path.join(server.data_dir, "coffer.db*")):
                with open(path, "rb") as f:
                    stored += f.read()
            self.assertGreater(len(stored), 0)
            log = server.stderr_text().encode()
            self.assertIn(b'"level":"debug"', log, "the log was not at debug level")
            for needle in needles:
                self.assertNotIn(needle, stored, f"plaintext found in the database: {needle!r}")
                self.assertNotIn(needle, log, f"secret found in the log: {needle!r}")
                for e in errors:
                    self.assertNotIn(needle.decode(errors="replace"), e)
        finally:
            server.close()


if __name__ == "__main__":
    run_tests()
