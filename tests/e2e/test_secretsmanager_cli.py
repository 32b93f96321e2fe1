"""Secrets Manager end to end, through the aws CLI (`python3 -m awscli`, else `aws` on PATH).

Checks the CLI's JSON output and, for failures, its exit code and the
"An error occurred (<Code>) when calling the <Op> operation: <Message>" line.

Run: python3 tests/e2e/test_secretsmanager_cli.py   (COFFER_BIN selects the binary)
"""

import base64
import concurrent.futures
import json
import os
import re
import string
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import CofferTestCase, run_tests  # noqa: E402

NOT_FOUND = "Secrets Manager can't find the specified secret."
# awscli v1 exits 255 on a service error; v2 exits 254.
SERVICE_ERROR_RCS = (254, 255)


class SecretsManagerCliTest(CofferTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Fixtures that a test does not exercise through the CLI are made with boto3 (faster).
        cls.sm = cls.server.client("secretsmanager")

    def cli(self, *args):
        """Runs the CLI, asserts success, returns the parsed JSON output (None if empty)."""
        r = self.server.aws("secretsmanager", *args)
        self.assertEqual(r.rc, 0, r)
        return r.json() if r.stdout.strip() else None

    def cli_error(self, code, operation, *args, message=None, message_contains=()):
        """Runs the CLI, asserts it failed with this AWS error; returns the CliResult."""
        r = self.server.aws("secretsmanager", *args)
        self.assertIn(r.rc, SERVICE_ERROR_RCS, r)
        self.assertEqual(r.stdout.strip(), "", r)
        # With AWS_MAX_ATTEMPTS set the CLI adds " (reached max retries: N)".
        m = re.search(r"An error occurred \(" + re.escape(code) + r"\) when calling the "
                      + re.escape(operation) + r" operation(?: \(reached max retries: \d+\))?: "
                      r"(.*)", r.stderr, re.S)
        self.assertIsNotNone(m, f"expected {code} from {operation}: {r!r}")
        text = m.group(1).strip()
        if message is not None:
            self.assertEqual(text, message, r)
        for part in ((message_contains,) if isinstance(message_contains, str)
                     else message_contains):
            self.assertIn(part, text, r)
        return r

    def parallel(self, *calls):
        """Runs independent CLI calls concurrently (each CLI start costs ~1 s)."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(calls)) as pool:
            futures = [pool.submit(c) for c in calls]
            return [f.result(timeout=120) for f in futures]

    def name(self, prefix="cli"):
        return self.unique(prefix)

    # -----------------------------------------------------------------------------------------

    def test_string_secret_versions_and_stages(self):
        name = self.name("cli/db")
        created = self.cli("create-secret", "--name", name, "--description", "db creds",
                           "--secret-string", '{"user":"admin","pass":"p1"}',
                           "--tags", "Key=env,Value=prod")
        self.assertEqual(created["Name"], name)
        self.assertRegex(created["ARN"], r"^arn:aws:secretsmanager:us-east-1:123456789012:secret:"
                         + re.escape(name) + r"-[A-Za-z0-9]{6}$")
        v1 = created["VersionId"]

        got = self.cli("get-secret-value", "--secret-id", name)
        self.assertEqual(json.loads(got["SecretString"]), {"user": "admin", "pass": "p1"})
        self.assertEqual(got["VersionStages"], ["AWSCURRENT"])
        self.assertEqual(got["VersionId"], v1)
        self.assertIsInstance(got["CreatedDate"], (str, int, float))

        put = self.cli("put-secret-value", "--secret-id", created["ARN"],
                       "--secret-string", '{"user":"admin","pass":"p2"}')
        self.assertEqual(put["VersionStages"], ["AWSCURRENT"])
        v2 = put["VersionId"]
        self.assertNotEqual(v1, v2)

        versions, desc = self.parallel(
            lambda: self.cli("list-secret-version-ids", "--secret-id", name),
            lambda: self.cli("describe-secret", "--secret-id", name))
        stages = {v["VersionId"]: v["VersionStages"] for v in versions["Versions"]}
        self.assertEqual(stages, {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]})
        self.assertEqual(desc["Description"], "db creds")
        self.assertEqual(desc["Tags"], [{"Key": "env", "Value": "prod"}])
        self.assertEqual(desc["VersionIdsToStages"], {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]})
        self.assertNotIn("DeletedDate", desc)

        # Roll back: move AWSCURRENT to v1 (v2 becomes AWSPREVIOUS).
        moved = self.cli("update-secret-version-stage", "--secret-id", name,
                         "--version-stage", "AWSCURRENT", "--remove-from-version-id", v2,
                         "--move-to-version-id", v1)
        self.assertEqual((moved["Name"], moved["ARN"]), (name, created["ARN"]))
        current, previous = self.parallel(
            lambda: self.cli("get-secret-value", "--secret-id", name),
            lambda: self.cli("get-secret-value", "--secret-id", name,
                             "--version-stage", "AWSPREVIOUS"))
        self.assertEqual((current["VersionId"], json.loads(current["SecretString"])["pass"]),
                         (v1, "p1"))
        self.assertEqual(previous["VersionId"], v2)

        # Without --remove-from-version-id the move is refused.
        self.cli_error("InvalidParameterException", "UpdateSecretVersionStage",
                       "update-secret-version-stage", "--secret-id", name,
                       "--version-stage", "AWSCURRENT", "--move-to-version-id", v2,
                       message_contains="RemoveFromVersionId")

    def test_binary_secret_from_file(self):
        name = self.name("cli-bin")
        data = bytes(range(256)) + os.urandom(512) + b"\x00"
        path = os.path.join(self.server.work_dir, f"{name}.bin")
        with open(path, "wb") as f:
            f.write(data)
        created = self.cli("create-secret", "--name", name, "--secret-binary", f"fileb://{path}")
        self.assertTrue(created["VersionId"])
        got = self.cli("get-secret-value", "--secret-id", name)
        self.assertNotIn("SecretString", got)
        self.assertEqual(base64.b64decode(got["SecretBinary"]), data)

    def test_list_secrets_filters_sort_and_pages(self):
        prefix = self.name("cli-list") + "/"
        self.parallel(
            lambda: self.cli("create-secret", "--name", prefix + "a", "--secret-string", "a",
                             "--description", "Alpha service", "--tags",
                             "Key=team,Value=blue"),
            lambda: self.cli("create-secret", "--name", prefix + "b", "--secret-string", "b",
                             "--description", "beta service"),
            lambda: self.cli("create-secret", "--name", prefix + "c", "--secret-string", "c",
                             "--tags", "Key=team,Value=red"))
        by_name, by_tag, combined, paged = self.parallel(
            lambda: self.cli("list-secrets", "--filters", f"Key=name,Values={prefix}",
                             "--sort-by", "name", "--sort-order", "desc"),
            lambda: self.cli("list-secrets", "--filters", "Key=tag-key,Values=team",
                             "Key=tag-value,Values=red"),
            lambda: self.cli("list-secrets", "--filters", f"Key=name,Values={prefix}",
                             "Key=description,Values=alpha"),
            # --page-size makes the CLI follow NextToken with MaxResults=1.
            lambda: self.cli("list-secrets", "--filters", f"Key=name,Values={prefix}",
                             "--page-size", "1"))
        self.assertEqual([s["Name"] for s in by_name["SecretList"]],
                         [prefix + "c", prefix + "b", prefix + "a"])
        self.assertEqual([s["Name"] for s in by_tag["SecretList"]], [prefix + "c"])
        self.assertEqual([s["Name"] for s in combined["SecretList"]], [prefix + "a"])
        self.assertEqual(sorted(s["Name"] for s in paged["SecretList"]),
                         [prefix + "a", prefix + "b", prefix + "c"])
        entry = by_name["SecretList"][-1]
        self.assertIn("SecretVersionsToStages", entry)
        self.assertEqual(entry["Tags"], [{"Key": "team", "Value": "blue"}])

        # --max-items stops early and hands back a NextToken.
        first = self.cli("list-secrets", "--filters", f"Key=name,Values={prefix}",
                         "--max-items", "2")
        self.assertEqual(len(first["SecretList"]), 2)
        self.assertIn("NextToken", first)

    def test_tag_and_untag(self):
        name = self.name("cli-tags")
        self.sm.create_secret(Name=name, SecretString="x")
        self.assertIsNone(self.cli("tag-resource", "--secret-id", name, "--tags",
                                   "Key=a,Value=1", "Key=b,Value=2"))
        self.assertIsNone(self.cli("untag-resource", "--secret-id", name, "--tag-keys", "a"))
        desc = self.cli("describe-secret", "--secret-id", name)
        self.assertEqual(desc["Tags"], [{"Key": "b", "Value": "2"}])

    def test_delete_and_restore(self):
        name = self.name("cli-del")
        self.sm.create_secret(Name=name, SecretString="keep")
        now = time.time()
        deleted = self.cli("delete-secret", "--secret-id", name,
                           "--recovery-window-in-days", "7")
        self.assertEqual(deleted["Name"], name)
        self.assertIn("DeletionDate", deleted)
        if isinstance(deleted["DeletionDate"], (int, float)):
            self.assertLess(abs(deleted["DeletionDate"] - (now + 7 * 86400)), 600)

        blocked, described, bad_window = self.parallel(
            lambda: self.cli_error(
                "InvalidRequestException", "GetSecretValue", "get-secret-value", "--secret-id",
                name, message=("You can't perform this operation on the secret because it was "
                               "marked for deletion.")),
            lambda: self.cli("describe-secret", "--secret-id", name),
            lambda: self.cli_error(
                "InvalidParameterException", "DeleteSecret", "delete-secret", "--secret-id",
                name, "--recovery-window-in-days", "3",
                message="The RecoveryWindowInDays value must be between 7 and 30 days "
                        "(inclusive)."))
        self.assertIn("DeletedDate", described)

        restored = self.cli("restore-secret", "--secret-id", name)
        self.assertEqual(restored["Name"], name)
        self.assertEqual(self.cli("get-secret-value", "--secret-id", name)["SecretString"], "keep")

        self.cli("delete-secret", "--secret-id", name, "--force-delete-without-recovery")
        self.cli_error("ResourceNotFoundException", "DescribeSecret", "describe-secret",
                       "--secret-id", name, message=NOT_FOUND)

    def test_get_random_password(self):
        plain, spaced = self.parallel(
            lambda: self.cli("get-random-password", "--password-length", "40",
                             "--exclude-punctuation"),
            lambda: self.cli("get-random-password", "--password-length", "20",
                             "--exclude-characters", "abcdefghijklmnopqrstuvwxyz0123456789",
                             "--require-each-included-type"))
        pw = plain["RandomPassword"]
        self.assertEqual(len(pw), 40)
        self.assertLessEqual(set(pw), set(string.ascii_letters + string.digits))
        pw = spaced["RandomPassword"]
        self.assertEqual(len(pw), 20)
        self.assertFalse(set(pw) & set(string.ascii_lowercase + string.digits))

    def test_batch_get_secret_value(self):
        prefix = self.name("cli-batch") + "/"
        self.sm.create_secret(Name=prefix + "one", SecretString="1")
        self.sm.create_secret(Name=prefix + "two", SecretString="2")
        by_id, by_filter = self.parallel(
            lambda: self.cli("batch-get-secret-value", "--secret-id-list", prefix + "one",
                             prefix + "missing"),
            lambda: self.cli("batch-get-secret-value", "--filters",
                             f"Key=name,Values={prefix}"))
        self.assertEqual([(v["Name"], v["SecretString"]) for v in by_id["SecretValues"]],
                         [(prefix + "one", "1")])
        self.assertEqual(by_id["Errors"], [{"SecretId": prefix + "missing",
                                            "ErrorCode": "ResourceNotFoundException",
                                            "Message": NOT_FOUND}])
        self.assertEqual(sorted((v["Name"], v["SecretString"]) for v in by_filter["SecretValues"]),
                         [(prefix + "one", "1"), (prefix + "two", "2")])

    def test_error_exit_codes_and_messages(self):
        missing = self.name("cli-missing")
        existing = self.name("cli-exists")
        self.sm.create_secret(Name=existing, SecretString="x")
        results = self.parallel(
            lambda: self.server.aws("secretsmanager", "list-secrets",
                                    access_key_id="AKIAE2ENOSUCHKEY0001"),
            lambda: self.cli_error("ResourceNotFoundException", "GetSecretValue",
                                   "get-secret-value", "--secret-id", missing, message=NOT_FOUND),
            lambda: self.cli_error(
                "ResourceExistsException", "CreateSecret", "create-secret", "--name", existing,
                "--secret-string", "y",
                message=f"The operation failed because the secret {existing} already exists."),
            lambda: self.cli_error(
                "ValidationException", "CreateSecret", "create-secret", "--name", "bad name",
                "--secret-string", "y",
                message=("Invalid name. Must be a valid name containing alphanumeric characters, "
                         "or any of the following: -/_+=.@!")),
            lambda: self.cli_error(
                "ResourceNotFoundException", "GetSecretValue", "get-secret-value",
                "--secret-id", existing, "--version-stage", "AWSPREVIOUS",
                message=("Secrets Manager can't find the specified secret value for staging "
                         "label: AWSPREVIOUS")))
        self.assertEqual(len(results), 5)
        bad_key = results[0]
        self.assertIn(bad_key.rc, SERVICE_ERROR_RCS, bad_key)
        self.assertRegex(bad_key.stderr,
                         r"An error occurred \(UnrecognizedClientException\) when calling the "
                         r"ListSecrets operation.*: The security token included in the request is "
                         r"invalid\.")


if __name__ == "__main__":
    run_tests()
