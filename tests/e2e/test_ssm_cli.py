"""SSM Parameter Store end to end, through the aws CLI (`python3 -m awscli`, else `aws` on PATH).

Checks the CLI's JSON output and, for failures, its exit code and the
"An error occurred (<Code>) when calling the <Op> operation: <Message>" line. Fixtures the CLI does
not exercise are made with boto3 (faster).

Run: python3 tests/e2e/test_ssm_cli.py   (COFFER_BIN selects the binary)
"""

import base64
import concurrent.futures
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, CofferTestCase, run_tests  # noqa: E402

SERVICE_ERROR_RCS = (254, 255)
ARN_PREFIX = f"arn:aws:ssm:{DEFAULT_REGION}:{DEFAULT_ACCOUNT_ID}:parameter"


class SsmCliTest(CofferTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ssm = cls.server.client("ssm")

    def cli(self, *args):
        r = self.server.aws("ssm", *args)
        self.assertEqual(r.rc, 0, r)
        return r.json() if r.stdout.strip() else None

    def cli_error(self, code, operation, *args, message_contains=()):
        r = self.server.aws("ssm", *args)
        self.assertIn(r.rc, SERVICE_ERROR_RCS, r)
        m = re.search(r"An error occurred \(" + re.escape(code) + r"\) when calling the "
                      + re.escape(operation) + r" operation(?: \(reached max retries: \d+\))?: "
                      r"(.*)", r.stderr, re.S)
        self.assertIsNotNone(m, f"expected {code} from {operation}: {r!r}")
        for part in ((message_contains,) if isinstance(message_contains, str)
                     else message_contains):
            self.assertIn(part, m.group(1))
        return r

    def test_put_get_overwrite_history_delete(self):
        name = f"/{self.unique('cli')}/db/url"
        out = self.cli("put-parameter", "--name", name, "--value", "one", "--type", "String",
                       "--description", "first")
        self.assertEqual(out, {"Version": 1, "Tier": "Standard"})
        self.cli_error("ParameterAlreadyExists", "PutParameter", "put-parameter", "--name", name,
                       "--value", "two", "--type", "String")
        self.assertEqual(self.cli("put-parameter", "--name", name, "--value", "two",
                                  "--overwrite")["Version"], 2)
        p = self.cli("get-parameter", "--name", name)["Parameter"]
        self.assertEqual((p["Value"], p["Version"], p["ARN"]), ("two", 2, ARN_PREFIX + name))
        self.assertEqual(self.cli("get-parameter", "--name", name + ":1")["Parameter"]["Value"],
                         "one")
        h = self.cli("get-parameter-history", "--name", name)["Parameters"]
        self.assertEqual([x["Value"] for x in h], ["one", "two"])
        self.assertEqual(h[0]["Description"], "first")
        self.cli("delete-parameter", "--name", name)
        self.cli_error("ParameterNotFound", "GetParameter", "get-parameter", "--name", name)
        self.cli_error("ParameterNotFound", "DeleteParameter", "delete-parameter", "--name", name)

    def test_secure_string_with_and_without_decryption(self):
        name = f"/{self.unique('cli')}/pw"
        self.cli("put-parameter", "--name", name, "--value", "hunter2", "--type", "SecureString")
        self.assertEqual(self.cli("get-parameter", "--name", name, "--with-decryption")
                         ["Parameter"]["Value"], "hunter2")
        raw = self.cli("get-parameter", "--name", name)["Parameter"]["Value"]
        self.assertNotEqual(raw, "hunter2")
        base64.b64decode(raw, validate=True)
        meta = self.cli("describe-parameters", "--parameter-filters",
                        f"Key=Name,Values={name}")["Parameters"][0]
        self.assertEqual(meta["KeyId"], "alias/aws/ssm")
        self.cli_error("InvalidKeyId", "PutParameter", "put-parameter", "--name", name + "x",
                       "--value", "v", "--type", "SecureString", "--key-id", "alias/nope")

    def test_get_parameters_and_delete_parameters(self):
        base = f"/{self.unique('cli')}"
        for n in ("a", "b"):
            self.ssm.put_parameter(Name=f"{base}/{n}", Value=n, Type="String")
        out = self.cli("get-parameters", "--names", f"{base}/b", f"{base}/a", f"{base}/c")
        self.assertEqual([p["Name"] for p in out["Parameters"]], [f"{base}/a", f"{base}/b"])
        self.assertEqual(out["InvalidParameters"], [f"{base}/c"])
        out = self.cli("delete-parameters", "--names", f"{base}/a", f"{base}/c")
        self.assertEqual((out["DeletedParameters"], out["InvalidParameters"]),
                         ([f"{base}/a"], [f"{base}/c"]))

    def test_get_parameters_by_path_paginates(self):
        base = f"/{self.unique('cli')}/tree"
        names = [f"{base}/g{g}/p{i:03d}" for g in range(3) for i in range(100)]

        def create(chunk):
            client = self.server.client("ssm")
            for n in chunk:
                client.put_parameter(Name=n, Value="v", Type="String")

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(create, [names[i::8] for i in range(8)]))
        # The CLI follows NextToken itself; --page-size sets MaxResults on each call.
        out = self.cli("get-parameters-by-path", "--path", base, "--recursive", "--page-size", "10")
        self.assertEqual([p["Name"] for p in out["Parameters"]], names)
        one = self.cli("get-parameters-by-path", "--path", f"{base}/g1")
        self.assertEqual(len(one["Parameters"]), 100)
        self.assertEqual(self.cli("get-parameters-by-path", "--path", base)["Parameters"], [])
        page = self.cli("get-parameters-by-path", "--path", base, "--recursive", "--max-items",
                        "25", "--page-size", "10")
        self.assertEqual(len(page["Parameters"]), 25)
        self.assertIn("NextToken", page)
        described = self.cli("describe-parameters", "--parameter-filters",
                             f"Key=Path,Option=Recursive,Values={base}")
        self.assertEqual(len(described["Parameters"]), 300)
        self.cli_error("InvalidFilterKey", "GetParametersByPath", "get-parameters-by-path",
                       "--path", base, "--parameter-filters", "Key=Name,Values=x")
        self.cli_error("InvalidFilterOption", "DescribeParameters", "describe-parameters",
                       "--parameter-filters", "Key=Type,Option=Recursive,Values=String")

    def test_labels_and_tags(self):
        name = f"/{self.unique('cli')}/l"
        self.ssm.put_parameter(Name=name, Value="a", Type="String")
        self.ssm.put_parameter(Name=name, Value="b", Overwrite=True)
        out = self.cli("label-parameter-version", "--name", name, "--parameter-version", "1",
                       "--labels", "prod", "1bad")
        self.assertEqual((out["InvalidLabels"], out["ParameterVersion"]), (["1bad"], 1))
        self.assertEqual(self.cli("get-parameter", "--name", name + ":prod")["Parameter"]["Value"],
                         "a")
        out = self.cli("unlabel-parameter-version", "--name", name, "--parameter-version", "1",
                       "--labels", "prod")
        self.assertEqual(out["RemovedLabels"], ["prod"])
        self.cli("add-tags-to-resource", "--resource-type", "Parameter", "--resource-id", name,
                 "--tags", "Key=env,Value=prod")
        tags = self.cli("list-tags-for-resource", "--resource-type", "Parameter",
                        "--resource-id", name)["TagList"]
        self.assertEqual(tags, [{"Key": "env", "Value": "prod"}])
        self.cli("remove-tags-from-resource", "--resource-type", "Parameter", "--resource-id",
                 name, "--tag-keys", "env")
        self.assertEqual(self.cli("list-tags-for-resource", "--resource-type", "Parameter",
                                  "--resource-id", name)["TagList"], [])
        self.cli_error("InvalidResourceId", "ListTagsForResource", "list-tags-for-resource",
                       "--resource-type", "Parameter", "--resource-id", name + "-none")

    def test_validation_errors(self):
        self.cli_error("ValidationException", "PutParameter", "put-parameter", "--name",
                       "bad name", "--value", "v", "--type", "String")
        self.cli_error("HierarchyLevelLimitExceededException", "PutParameter", "put-parameter",
                       "--name", "".join(f"/l{i}" for i in range(16)), "--value", "v", "--type",
                       "String")
        self.cli_error("ParameterPatternMismatchException", "PutParameter", "put-parameter",
                       "--name", f"/{self.unique('cli')}", "--value", "abc", "--type", "String",
                       "--allowed-pattern", "^[0-9]+$")
        self.cli_error("ValidationException", "GetParameter", "get-parameter", "--name",
                       "/aws/reference/secretsmanager/x")
        policies = json.dumps([{"Type": "Nope"}])
        self.cli_error("InvalidPolicyTypeException", "PutParameter", "put-parameter", "--name",
                       f"/{self.unique('cli')}", "--value", "v", "--type", "String", "--tier",
                       "Advanced", "--policies", policies)


if __name__ == "__main__":
    run_tests()
