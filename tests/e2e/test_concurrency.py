"""Concurrent writers on one secret.

Writes answer once durable; concurrent writes to the same secret race on its revision, and the
loser is re-run transparently. Every write must succeed, every acknowledged version must exist
with its value, and the labels must stay consistent.
"""

import threading
import unittest
import uuid

from harness import CofferTestCase, run_tests

THREADS = 16
PUTS_PER_THREAD = 25


class ConcurrentWritersTest(CofferTestCase):
    def test_racing_puts_on_one_secret_all_succeed(self):
        name = self.unique("race")
        sm = self.server.client("secretsmanager")
        sm.create_secret(Name=name, SecretString="v0")
        acked, errors = [], []
        lock = threading.Lock()

        def writer(t):
            client = self.server.client("secretsmanager")
            for i in range(PUTS_PER_THREAD):
                token = str(uuid.uuid4())
                value = f"t{t}-{i}"
                try:
                    r = client.put_secret_value(SecretId=name, SecretString=value,
                                                ClientRequestToken=token)
                    with lock:
                        acked.append((r["VersionId"], value))
                except Exception as e:  # noqa: BLE001 - every failure is a test failure
                    with lock:
                        errors.append(repr(e))

        threads = [threading.Thread(target=writer, args=(t,)) for t in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        self.assertEqual(errors, [])
        self.assertEqual(len(acked), THREADS * PUTS_PER_THREAD)
        for version_id, value in acked:
            got = sm.get_secret_value(SecretId=name, VersionId=version_id)
            self.assertEqual(got["SecretString"], value)
        versions, token = [], None
        while True:
            kwargs = {"SecretId": name, "IncludeDeprecated": True, "MaxResults": 100}
            if token:
                kwargs["NextToken"] = token
            page = sm.list_secret_version_ids(**kwargs)
            versions += page["Versions"]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(len(versions), THREADS * PUTS_PER_THREAD + 1)
        current = [v for v in versions if "AWSCURRENT" in v.get("VersionStages", [])]
        previous = [v for v in versions if "AWSPREVIOUS" in v.get("VersionStages", [])]
        self.assertEqual(len(current), 1)
        self.assertEqual(len(previous), 1)
        self.assertIn(current[0]["VersionId"], {v for v, _ in acked})

    def test_racing_idempotent_retries_create_one_version(self):
        name = self.unique("idem")
        sm = self.server.client("secretsmanager")
        sm.create_secret(Name=name, SecretString="v0")
        token = str(uuid.uuid4())
        results, errors = [], []
        lock = threading.Lock()

        def retry():
            try:
                r = self.server.client("secretsmanager").put_secret_value(
                    SecretId=name, SecretString="same", ClientRequestToken=token)
                with lock:
                    results.append(r["VersionId"])
            except Exception as e:  # noqa: BLE001
                with lock:
                    errors.append(repr(e))

        threads = [threading.Thread(target=retry) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(errors, [])
        self.assertEqual(set(results), {token})
        ids = sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]
        self.assertEqual(len(ids), 2)


if __name__ == "__main__":
    run_tests()
