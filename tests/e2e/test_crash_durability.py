"""Every acknowledged write survives kill -9.

Many threads stream PutSecretValue calls (no client retries); the server is killed with SIGKILL in
the middle; after a restart on the same data directory every version the server acknowledged is
read back by VersionId with exactly the value that was written.
"""

import signal
import threading
import time
import unittest
import uuid

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from harness import CofferServer, run_tests, wait_until

THREADS = 32
SECRETS = 8
MIN_ACKED = 400


class CrashDurabilityTest(unittest.TestCase):
    def test_acknowledged_versions_survive_sigkill(self):
        server = CofferServer()
        server.start()
        try:
            sm = server.client("secretsmanager")
            names = [f"crash/s{i}" for i in range(SECRETS)]
            for n in names:
                sm.create_secret(Name=n, SecretString="initial")
            acked = []  # (name, version_id, value)
            lock = threading.Lock()
            stop = threading.Event()
            no_retry = Config(retries={"max_attempts": 1, "mode": "standard"},
                              connect_timeout=5, read_timeout=10)

            def writer(t):
                client = server.client("secretsmanager", config=no_retry)
                i = 0
                while not stop.is_set():
                    name = names[(t + i) % SECRETS]
                    token = str(uuid.uuid4())
                    value = f"value-{t}-{i}-{token}"
                    i += 1
                    try:
                        r = client.put_secret_value(SecretId=name, SecretString=value,
                                                    ClientRequestToken=token)
                    except (ClientError, BotoCoreError):
                        return  # the server died under us
                    with lock:
                        acked.append((name, r["VersionId"], value))

            threads = [threading.Thread(target=writer, args=(t,), daemon=True)
                       for t in range(THREADS)]
            for t in threads:
                t.start()
            wait_until(lambda: len(acked) >= MIN_ACKED, timeout=120, what="acknowledged writes")
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=30)
            stop.set()
            for t in threads:
                t.join(timeout=30)
            with lock:
                survivors = list(acked)
            self.assertGreaterEqual(len(survivors), MIN_ACKED)

            restarted = CofferServer(data_dir=server.data_dir)
            restarted.start()
            try:
                sm2 = restarted.client("secretsmanager")
                for name, version_id, value in survivors:
                    got = sm2.get_secret_value(SecretId=name, VersionId=version_id)
                    self.assertEqual(got["SecretString"], value, (name, version_id))
                # The store is still consistent: every secret has a readable AWSCURRENT.
                for n in names:
                    self.assertIn("SecretString", sm2.get_secret_value(SecretId=n))
            finally:
                restarted.stop()
                restarted.close()
        finally:
            if server.running:
                server.send_signal(signal.SIGKILL)
            server.close()


if __name__ == "__main__":
    run_tests()
