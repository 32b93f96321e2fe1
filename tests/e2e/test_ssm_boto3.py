"""SSM Parameter Store end to end, through boto3 (and raw HTTP where boto3 can't say it).

Expected behaviour is AWS's: the botocore ssm model (shapes, error codes, member casing) and the
API reference's documented rules. Where AWS's exact message is not known, a test checks the code
and HTTP status only. Includes a 10,000-parameter tree read back by path with pagination.

Run: python3 tests/e2e/test_ssm_boto3.py   (COFFER_BIN selects the binary)
"""

import base64
import concurrent.futures
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (DEFAULT_ACCOUNT_ID, DEFAULT_REGION, CofferTestCase,  # noqa: E402
                     run_tests)

ARN_PREFIX = f"arn:aws:ssm:{DEFAULT_REGION}:{DEFAULT_ACCOUNT_ID}:parameter"
ROOT_ARN = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:root"


class SsmTestCase(CofferTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ssm = cls.server.client("ssm")
        cls.kms = cls.server.client("kms")

    def path(self, leaf="p"):
        return f"/{self.unique('t')}/{leaf}"

    def put(self, name, value="v", type_="String", **kwargs):
        return self.ssm.put_parameter(Name=name, Value=value, Type=type_, **kwargs)

    def by_path(self, path, **kwargs):
        """Every page of GetParametersByPath; returns (parameters, pages)."""
        params, pages = [], 0
        token = None
        while True:
            args = dict(kwargs, Path=path)
            if token:
                args["NextToken"] = token
            page = self.ssm.get_parameters_by_path(**args)
            pages += 1
            self.assertLessEqual(len(page["Parameters"]), args.get("MaxResults", 10))
            params.extend(page["Parameters"])
            token = page.get("NextToken")
            if not token:
                return params, pages


class PutGetTest(SsmTestCase):
    def test_put_get_string_with_arn_and_metadata(self):
        name = self.path("url")
        r = self.put(name, "https://example", Description="the url")
        self.assertEqual(r["Version"], 1)
        self.assertEqual(r["Tier"], "Standard")
        p = self.ssm.get_parameter(Name=name)["Parameter"]
        self.assertEqual(p["Name"], name)
        self.assertEqual(p["Type"], "String")
        self.assertEqual(p["Value"], "https://example")
        self.assertEqual(p["Version"], 1)
        self.assertEqual(p["ARN"], ARN_PREFIX + name)
        self.assertEqual(p["DataType"], "text")
        self.assertNotIn("Selector", p)
        self.assertIn("LastModifiedDate", p)

    def test_single_level_name_arn_and_slash_equivalence(self):
        name = self.unique("single")
        self.put(name, "x")
        p = self.ssm.get_parameter(Name="/" + name)["Parameter"]
        self.assertEqual(p["Name"], name)
        self.assertEqual(p["ARN"], f"{ARN_PREFIX}/{name}")
        self.assertEqual(self.ssm.get_parameter(Name=p["ARN"])["Parameter"]["Value"], "x")
        self.assertAwsError(lambda: self.put("/" + name, "y"), "ParameterAlreadyExists")

    def test_overwrite_bumps_version_and_keeps_type(self):
        name = self.path()
        self.put(name, "a")
        self.assertAwsError(lambda: self.put(name, "b"), "ParameterAlreadyExists",
                            message_contains="overwrite")
        r = self.ssm.put_parameter(Name=name, Value="b", Overwrite=True)
        self.assertEqual(r["Version"], 2)
        p = self.ssm.get_parameter(Name=name)["Parameter"]
        self.assertEqual((p["Value"], p["Version"], p["Type"]), ("b", 2, "String"))
        # Overwrite may change the type.
        self.ssm.put_parameter(Name=name, Value="c,d", Type="StringList", Overwrite=True)
        self.assertEqual(self.ssm.get_parameter(Name=name)["Parameter"]["Type"], "StringList")

    def test_selectors_version_and_label(self):
        name = self.path()
        self.put(name, "one")
        self.ssm.put_parameter(Name=name, Value="two", Overwrite=True)
        p = self.ssm.get_parameter(Name=f"{name}:1")["Parameter"]
        self.assertEqual((p["Value"], p["Version"], p["Selector"]), ("one", 1, ":1"))
        self.assertEqual(p["Name"], name)
        self.ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=["golden"])
        p = self.ssm.get_parameter(Name=f"{name}:golden")["Parameter"]
        self.assertEqual((p["Value"], p["Selector"]), ("one", ":golden"))
        self.assertAwsError(lambda: self.ssm.get_parameter(Name=f"{name}:9"),
                            "ParameterVersionNotFound")

    def test_stringlist_value_round_trips(self):
        name = self.path()
        self.put(name, "a,b,c", "StringList")
        self.assertEqual(self.ssm.get_parameter(Name=name)["Parameter"]["Value"], "a,b,c")

    def test_invalid_names(self):
        for bad in ["/a b", "bad name", "/a//b", "a/b", "/x$y"]:
            self.assertAwsError(lambda: self.put(bad), "ValidationException")
        self.assertAwsError(lambda: self.put("awsx"), "ValidationException",
                            message_contains="prefixed")
        self.assertAwsError(lambda: self.put("/ssm/x"), "ValidationException")
        self.assertAwsError(lambda: self.put("/aws/x/y"), "AccessDeniedException")
        self.assertAwsError(lambda: self.ssm.get_parameter(Name="/a b"), "ValidationException")
        deep = "".join(f"/l{i}" for i in range(16))
        self.assertAwsError(lambda: self.put(deep), "HierarchyLevelLimitExceededException")
        self.put("".join(f"/{self.unique('d')}" if i == 0 else f"/l{i}" for i in range(15)))

    def test_names_are_case_sensitive_and_trimmed(self):
        base = self.unique("case")
        self.put(f"/{base}/Key", "upper")
        self.put(f"/{base}/key", "lower")
        self.assertEqual(self.ssm.get_parameter(Name=f"/{base}/Key")["Parameter"]["Value"], "upper")
        self.assertEqual(self.ssm.get_parameter(Name=f"  /{base}/key ")["Parameter"]["Value"],
                         "lower")

    def test_missing_type_value_and_unknown_parameter(self):
        self.assertAwsError(lambda: self.ssm.put_parameter(Name=self.path(), Value="v"),
                            "ValidationException", message_contains="type is required")
        self.assertAwsError(lambda: self.ssm.get_parameter(Name=self.path()), "ParameterNotFound")

    def test_tiers_sizes_and_downgrade(self):
        name = self.path()
        self.assertAwsError(lambda: self.put(name, "x" * 4097), "ValidationException",
                            message_contains="4096")
        r = self.put(name, "x" * 5000, Tier="Intelligent-Tiering")
        self.assertEqual(r["Tier"], "Advanced")
        self.assertAwsError(
            lambda: self.ssm.put_parameter(Name=name, Value="s", Overwrite=True, Tier="Standard"),
            "ValidationException", message_contains="downgrade")
        self.assertEqual(self.ssm.put_parameter(Name=name, Value="s", Overwrite=True)["Tier"],
                         "Advanced")
        small = self.path("small")
        self.assertEqual(self.put(small, "s", Tier="Intelligent-Tiering")["Tier"], "Standard")
        self.assertAwsError(lambda: self.put(self.path(), "x" * 8193, Tier="Advanced"),
                            "ValidationException")

    def test_allowed_pattern(self):
        name = self.path()
        self.assertAwsError(lambda: self.put(name, "12a", AllowedPattern=r"^\d+$"),
                            "ParameterPatternMismatchException")
        self.put(name, "12", AllowedPattern=r"^\d+$")
        self.assertAwsError(lambda: self.ssm.put_parameter(Name=name, Value="x", Overwrite=True),
                            "ParameterPatternMismatchException")
        self.assertAwsError(lambda: self.put(self.path(), "v", AllowedPattern="(unclosed"),
                            "InvalidAllowedPatternException")

    def test_data_type(self):
        self.assertAwsError(lambda: self.put(self.path(), "ami-xyz", DataType="aws:ec2:image"),
                            "ValidationException", message_contains="AMI")
        name = self.path()
        self.put(name, "ami-0123456789abcdef0", DataType="aws:ec2:image")
        self.assertEqual(self.ssm.get_parameter(Name=name)["Parameter"]["DataType"],
                         "aws:ec2:image")
        self.assertAwsError(lambda: self.put(self.path(), "v", DataType="Text"),
                            "ValidationException")

    def test_policies_stored_and_validated(self):
        name = self.path()
        policies = [{"Type": "Expiration", "Version": "1.0",
                     "Attributes": {"Timestamp": "2030-12-02T21:34:33.000Z"}}]
        r = self.put(name, "v", Tier="Advanced", Policies=json.dumps(policies))
        self.assertEqual(r["Tier"], "Advanced")
        meta = self.ssm.describe_parameters(
            ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"][0]
        self.assertEqual(meta["Policies"][0]["PolicyType"], "Expiration")
        self.assertEqual(json.loads(meta["Policies"][0]["PolicyText"]), policies[0])
        self.assertAwsError(lambda: self.put(self.path(), "v", Tier="Advanced",
                                             Policies='[{"Type": "Bogus"}]'),
                            "InvalidPolicyTypeException")
        self.assertAwsError(lambda: self.put(self.path(), "v", Tier="Advanced",
                                             Policies=json.dumps(policies * 2)),
                            "IncompatiblePolicyException")
        self.assertAwsError(lambda: self.put(self.path(), "v", Tier="Standard",
                                             Policies=json.dumps(policies)),
                            "ValidationException")
        self.assertEqual(self.put(self.path(), "v", Tier="Intelligent-Tiering",
                                  Policies=json.dumps(policies))["Tier"], "Advanced")


class SecureStringTest(SsmTestCase):
    def test_default_key_ciphertext_and_kms_decrypt(self):
        name = self.path("pw")
        self.put(name, "hunter2", "SecureString")
        p = self.ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        self.assertEqual((p["Value"], p["Type"]), ("hunter2", "SecureString"))
        raw = self.ssm.get_parameter(Name=name)["Parameter"]["Value"]
        self.assertNotEqual(raw, "hunter2")
        blob = base64.b64decode(raw)
        # The value is a KMS ciphertext blob under AWS's encryption context.
        out = self.kms.decrypt(CiphertextBlob=blob,
                               EncryptionContext={"PARAMETER_ARN": ARN_PREFIX + name})
        self.assertEqual(out["Plaintext"], b"hunter2")
        self.assertAwsError(lambda: self.kms.decrypt(CiphertextBlob=blob),
                            "InvalidCiphertextException")
        alias_target = self.kms.describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]["Arn"]
        self.assertEqual(out["KeyId"], alias_target)
        meta = self.ssm.describe_parameters(
            ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"][0]
        self.assertEqual(meta["KeyId"], "alias/aws/ssm")
        self.assertEqual(meta["LastModifiedUser"], ROOT_ARN)

    def test_customer_key_and_disabled_key(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        name = self.path()
        self.put(name, "s3", "SecureString", KeyId=key)
        self.assertEqual(
            self.ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"], "s3")
        self.kms.disable_key(KeyId=key)
        self.assertAwsError(lambda: self.ssm.get_parameter(Name=name, WithDecryption=True),
                            "InvalidKeyId")
        self.assertAwsError(lambda: self.ssm.get_parameters(Names=[name], WithDecryption=True),
                            "InvalidKeyId")
        self.ssm.get_parameter(Name=name)  # the ciphertext needs no key
        self.assertAwsError(lambda: self.put(self.path(), "v", "SecureString", KeyId=key),
                            "InvalidKeyId")
        self.kms.enable_key(KeyId=key)
        self.assertEqual(
            self.ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"], "s3")

    def test_unknown_key(self):
        self.assertAwsError(lambda: self.put(self.path(), "v", "SecureString",
                                             KeyId="alias/does-not-exist"), "InvalidKeyId")

    def test_history_decrypts_each_version(self):
        name = self.path()
        self.put(name, "one", "SecureString", Description="d1")
        self.ssm.put_parameter(Name=name, Value="two", Overwrite=True, Description="d2")
        h = self.ssm.get_parameter_history(Name=name, WithDecryption=True)["Parameters"]
        self.assertEqual([(x["Version"], x["Value"], x["Description"]) for x in h],
                         [(1, "one", "d1"), (2, "two", "d2")])
        self.assertEqual({x["KeyId"] for x in h}, {"alias/aws/ssm"})


class BatchAndHistoryTest(SsmTestCase):
    def test_get_parameters_sorted_with_invalid(self):
        base = self.unique("gp")
        self.put(f"/{base}/b", "2")
        self.put(f"/{base}/a", "1")
        r = self.ssm.get_parameters(Names=[f"/{base}/b", f"/{base}/a", f"/{base}/zz",
                                           f"/{base}/a:5"])
        self.assertEqual([p["Name"] for p in r["Parameters"]], [f"/{base}/a", f"/{base}/b"])
        self.assertEqual(sorted(r["InvalidParameters"]), [f"/{base}/a:5", f"/{base}/zz"])

    def test_get_parameters_more_than_ten_is_validation(self):
        self.assertAwsError(lambda: self.ssm.get_parameters(Names=[f"/n{i}" for i in range(11)]),
                            "ValidationException")

    def test_delete_and_delete_many(self):
        a, b = self.path("a"), self.path("b")
        self.put(a)
        self.put(b)
        self.ssm.delete_parameter(Name=a)
        self.assertAwsError(lambda: self.ssm.delete_parameter(Name=a), "ParameterNotFound")
        r = self.ssm.delete_parameters(Names=[b, a])
        self.assertEqual(r["DeletedParameters"], [b])
        self.assertEqual(r["InvalidParameters"], [a])
        self.put(a, "again")  # the name is free again, at version 1
        self.assertEqual(self.ssm.get_parameter(Name=a)["Parameter"]["Version"], 1)

    def test_history_pages_and_labels(self):
        name = self.path()
        self.put(name, "0")
        for i in range(1, 60):
            self.ssm.put_parameter(Name=name, Value=str(i), Overwrite=True)
        self.ssm.label_parameter_version(Name=name, ParameterVersion=3, Labels=["x", "y"])
        first = self.ssm.get_parameter_history(Name=name)
        self.assertEqual(len(first["Parameters"]), 50)
        self.assertEqual(first["Parameters"][2]["Labels"], ["x", "y"])
        self.assertEqual(first["Parameters"][0]["LastModifiedUser"], ROOT_ARN)
        rest = self.ssm.get_parameter_history(Name=name, NextToken=first["NextToken"])
        self.assertEqual([p["Version"] for p in rest["Parameters"]], list(range(51, 61)))
        self.assertNotIn("NextToken", rest)
        self.assertAwsError(lambda: self.ssm.get_parameter_history(Name=name, NextToken="bogus"),
                            "InvalidNextToken")
        self.assertAwsError(lambda: self.ssm.get_parameter_history(Name=self.path()),
                            "ParameterNotFound")

    def test_hundred_versions_then_labelled_oldest_blocks(self):
        name = self.path()
        self.put(name, "1")
        for i in range(2, 101):
            self.ssm.put_parameter(Name=name, Value=str(i), Overwrite=True)
        self.assertEqual(self.ssm.put_parameter(Name=name, Value="101", Overwrite=True)["Version"],
                         101)
        self.assertAwsError(lambda: self.ssm.get_parameter(Name=f"{name}:1"),
                            "ParameterVersionNotFound")
        self.ssm.label_parameter_version(Name=name, ParameterVersion=2, Labels=["pin"])
        self.assertAwsError(lambda: self.ssm.put_parameter(Name=name, Value="x", Overwrite=True),
                            "ParameterMaxVersionLimitExceeded",
                            message_contains="Version 2, the oldest version")

    def test_labels(self):
        name = self.path()
        self.put(name, "a")
        self.ssm.put_parameter(Name=name, Value="b", Overwrite=True)
        r = self.ssm.label_parameter_version(Name=name, ParameterVersion=1,
                                             Labels=["Prod", "9lives", "awsy", "ssm1", "ok.1"])
        self.assertEqual(sorted(r["InvalidLabels"]), ["9lives", "awsy", "ssm1"])
        self.assertEqual(r["ParameterVersion"], 1)
        r = self.ssm.label_parameter_version(Name=name, Labels=["Prod"])  # moves to latest
        self.assertEqual(r["ParameterVersion"], 2)
        self.assertEqual(self.ssm.get_parameter(Name=f"{name}:Prod")["Parameter"]["Value"], "b")
        self.assertAwsError(lambda: self.ssm.label_parameter_version(
            Name=name, ParameterVersion=2, Labels=[f"l{i}" for i in range(10)]),
            "ParameterVersionLabelLimitExceeded")
        self.assertAwsError(lambda: self.ssm.label_parameter_version(
            Name=name, ParameterVersion=7, Labels=["x"]), "ParameterVersionNotFound")
        self.assertAwsError(lambda: self.ssm.label_parameter_version(
            Name=self.path(), Labels=["x"]), "ParameterNotFound")
        u = self.ssm.unlabel_parameter_version(Name=name, ParameterVersion=2,
                                               Labels=["Prod", "nope"])
        self.assertEqual((u["RemovedLabels"], u["InvalidLabels"]), (["Prod"], ["nope"]))
        self.assertAwsError(lambda: self.ssm.unlabel_parameter_version(
            Name=name, ParameterVersion=5, Labels=["x"]), "ParameterVersionNotFound")


class PathAndDescribeTest(SsmTestCase):
    def test_by_path_one_level_recursive_and_filters(self):
        base = "/" + self.unique("tree")
        for n in ["a", "b", "c/d", "c/e/f"]:
            self.put(f"{base}/{n}", n)
        self.put(f"{base}/s", "secret", "SecureString")
        self.ssm.label_parameter_version(Name=f"{base}/a", Labels=["live"])
        one, _ = self.by_path(base)
        self.assertEqual([p["Name"] for p in one], [f"{base}/a", f"{base}/b", f"{base}/s"])
        rec, _ = self.by_path(base + "/", Recursive=True, MaxResults=2)
        self.assertEqual(len(rec), 5)
        sec, _ = self.by_path(base, ParameterFilters=[{"Key": "Type", "Values": ["SecureString"]}],
                              WithDecryption=True)
        self.assertEqual([p["Value"] for p in sec], ["secret"])
        lab, _ = self.by_path(base, ParameterFilters=[{"Key": "Label", "Values": ["live"]}])
        self.assertEqual([p["Name"] for p in lab], [f"{base}/a"])
        kid, _ = self.by_path(base, Recursive=True,
                              ParameterFilters=[{"Key": "KeyId", "Values": ["alias/aws/ssm"]}])
        self.assertEqual(len(kid), 1)
        self.assertAwsError(lambda: self.ssm.get_parameters_by_path(
            Path=base, ParameterFilters=[{"Key": "Name", "Values": ["x"]}]), "InvalidFilterKey")
        self.assertAwsError(lambda: self.ssm.get_parameters_by_path(
            Path=base, ParameterFilters=[{"Key": "Label", "Option": "BeginsWith",
                                          "Values": ["x"]}]), "InvalidFilterOption")
        self.assertAwsError(lambda: self.ssm.get_parameters_by_path(
            Path=base, ParameterFilters=[{"Key": "Type", "Values": ["Nope"]}]),
            "InvalidFilterValue")
        self.assertAwsError(lambda: self.ssm.get_parameters_by_path(Path=base, NextToken="x!"),
                            "InvalidNextToken")
        self.assertAwsError(lambda: self.ssm.get_parameters_by_path(Path="no-slash"),
                            "ValidationException")
        self.assertAwsError(lambda: self.ssm.get_parameters_by_path(Path=base, MaxResults=11),
                            "ValidationException")

    def test_describe_filters_options_and_paging(self):
        base = "/" + self.unique("desc")
        for i in range(12):
            self.put(f"{base}/p{i:02d}", "v", Tags=[{"Key": "env", "Value": "prod" if i % 2 else
                                                     "dev"}])
        self.put(f"{base}/sub/q", "v", "StringList")

        def describe(**kwargs):
            out, token = [], None
            while True:
                args = dict(kwargs)
                if token:
                    args["NextToken"] = token
                page = self.ssm.describe_parameters(**args)
                out.extend(page["Parameters"])
                token = page.get("NextToken")
                if not token:
                    return out

        one = describe(ParameterFilters=[{"Key": "Path", "Values": [base]}], MaxResults=5)
        self.assertEqual(len(one), 12)
        rec = describe(ParameterFilters=[{"Key": "Path", "Option": "Recursive",
                                          "Values": [base]}])
        self.assertEqual(len(rec), 13)
        prod = describe(ParameterFilters=[{"Key": "Path", "Values": [base]},
                                          {"Key": "tag:env", "Values": ["prod"]}])
        self.assertEqual(len(prod), 6)
        lst = describe(ParameterFilters=[{"Key": "Name", "Option": "BeginsWith",
                                          "Values": [base]},
                                         {"Key": "Type", "Values": ["StringList"]}])
        self.assertEqual([p["Name"] for p in lst], [f"{base}/sub/q"])
        legacy = describe(Filters=[{"Key": "Name", "Values": [base + "/p0"]}])
        self.assertEqual(len(legacy), 10)
        contains = describe(ParameterFilters=[{"Key": "Name", "Option": "Contains",
                                               "Values": [base[1:] + "/sub"]}])
        self.assertEqual(len(contains), 1)
        m = one[0]
        for k in ("Name", "ARN", "Type", "LastModifiedDate", "LastModifiedUser", "Version",
                  "Tier", "DataType"):
            self.assertIn(k, m)
        self.assertAwsError(lambda: self.ssm.describe_parameters(
            Filters=[{"Key": "Name", "Values": ["x"]}],
            ParameterFilters=[{"Key": "Type", "Values": ["String"]}]), "ValidationException")
        self.assertAwsError(lambda: self.ssm.describe_parameters(
            ParameterFilters=[{"Key": "Label", "Values": ["x"]}]), "InvalidFilterKey")
        self.assertAwsError(lambda: self.ssm.describe_parameters(
            ParameterFilters=[{"Key": "Path", "Option": "Equals", "Values": ["/x"]}]),
            "InvalidFilterOption")
        self.assertAwsError(lambda: self.ssm.describe_parameters(
            ParameterFilters=[{"Key": "Tier", "Values": ["Gold"]}]), "InvalidFilterValue")
        self.assertAwsError(lambda: self.ssm.describe_parameters(
            ParameterFilters=[{"Key": "Type"}]), "InvalidFilterValue")
        self.assertAwsError(lambda: self.ssm.describe_parameters(NextToken="zz!"),
                            "InvalidNextToken")


class TagsTest(SsmTestCase):
    def test_tag_lifecycle_and_errors(self):
        name = self.path()
        self.put(name, Tags=[{"Key": "a", "Value": "1"}])
        self.ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId=name,
                                      Tags=[{"Key": "b", "Value": "2"}, {"Key": "a",
                                                                        "Value": "3"}])
        tags = self.ssm.list_tags_for_resource(ResourceType="Parameter",
                                               ResourceId=name)["TagList"]
        self.assertEqual({t["Key"]: t["Value"] for t in tags}, {"a": "3", "b": "2"})
        self.ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId=name,
                                           TagKeys=["a"])
        tags = self.ssm.list_tags_for_resource(ResourceType="Parameter",
                                               ResourceId=name)["TagList"]
        self.assertEqual(tags, [{"Key": "b", "Value": "2"}])
        self.assertAwsError(lambda: self.ssm.list_tags_for_resource(
            ResourceType="Document", ResourceId=name), "InvalidResourceType")
        self.assertAwsError(lambda: self.ssm.list_tags_for_resource(
            ResourceType="Parameter", ResourceId=self.path()), "InvalidResourceId")
        self.assertAwsError(lambda: self.ssm.add_tags_to_resource(
            ResourceType="Parameter", ResourceId=name,
            Tags=[{"Key": f"k{i}", "Value": ""} for i in range(60)]), "TooManyTagsError")
        self.assertAwsError(lambda: self.ssm.put_parameter(
            Name=name, Value="v", Overwrite=True, Tags=[{"Key": "x", "Value": "y"}]),
            "ValidationException")


class SecretsManagerReferenceTest(SsmTestCase):
    def test_reference_returns_the_secret(self):
        sm = self.server.client("secretsmanager")
        secret = self.unique("ref")
        created = sm.create_secret(Name=secret, SecretString="pw",
                                   ClientRequestToken=str(uuid.uuid4()))
        name = f"/aws/reference/secretsmanager/{secret}"
        p = self.ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        self.assertEqual((p["Value"], p["Type"], p["ARN"]), ("pw", "SecureString", created["ARN"]))
        self.assertEqual(json.loads(p["SourceResult"])["Name"], secret)
        r = self.ssm.get_parameters(Names=[name], WithDecryption=True)
        self.assertEqual(r["Parameters"][0]["Value"], "pw")
        self.assertAwsError(lambda: self.ssm.get_parameter(Name=name), "ValidationException",
                            message_contains="WithDecryption")
        self.assertAwsError(lambda: self.ssm.get_parameter(
            Name="/aws/reference/secretsmanager/none-such", WithDecryption=True),
            "ParameterNotFound")


class WireTest(SsmTestCase):
    def test_error_member_casing(self):
        r = self.server.aws_json_request("AmazonSSM.GetParameter", {"Name": "/wire/none"})
        body = r.json()
        self.assertEqual((r.status, body["__type"]), (400, "ParameterNotFound"))
        self.assertIn("message", body)
        self.assertEqual(r.headers["x-amzn-errortype"], "ParameterNotFound")
        r = self.server.aws_json_request("AmazonSSM.GetParametersByPath",
                                         {"Path": "/", "NextToken": "!!"})
        self.assertEqual(r.json()["__type"], "InvalidNextToken")
        self.assertIn("Message", r.json())

    def test_unimplemented_operation(self):
        r = self.server.aws_json_request("AmazonSSM.ListDocuments", {})
        self.assertEqual(r.json()["__type"], "UnknownOperationException")


class LargeTreeTest(SsmTestCase):
    def test_ten_thousand_parameters_read_back_by_path(self):
        base = "/" + self.unique("big")
        names = [f"{base}/l{a}/m{b}/p{c:02d}" for a in range(10) for b in range(10)
                 for c in range(100)]
        clients = [self.server.client("ssm", max_pool_connections=4) for _ in range(16)]

        def create(i):
            client = clients[i % len(clients)]
            for n in names[i::len(clients)]:
                client.put_parameter(Name=n, Value=n[-3:], Type="String")

        with concurrent.futures.ThreadPoolExecutor(len(clients)) as pool:
            list(pool.map(create, range(len(clients))))

        def read(prefix, recursive):
            return self.by_path(prefix, Recursive=recursive)

        # Ten subtrees in parallel, each paged 10 at a time: 10,000 parameters, 1,000 pages.
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            results = list(pool.map(lambda a: read(f"{base}/l{a}", True), range(10)))
        got = [p["Name"] for params, _ in results for p in params]
        self.assertEqual(got, names)  # path order, nothing lost or repeated
        self.assertEqual(sum(pages for _, pages in results), 1000)
        # One level, and one recursive walk of the whole tree's first pages.
        level, pages = read(f"{base}/l3/m4", False)
        self.assertEqual(len(level), 100)
        self.assertEqual(pages, 10)
        self.assertEqual(self.by_path(f"{base}/l3", Recursive=False)[0], [])
        page = self.ssm.get_parameters_by_path(Path=base, Recursive=True, MaxResults=10)
        self.assertEqual([p["Name"] for p in page["Parameters"]], names[:10])
        page = self.ssm.get_parameters_by_path(Path=base, Recursive=True, MaxResults=10,
                                               NextToken=page["NextToken"])
        self.assertEqual([p["Name"] for p in page["Parameters"]], names[10:20])
        described = self.ssm.describe_parameters(
            ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [base]}],
            MaxResults=50)
        self.assertEqual([p["Name"] for p in described["Parameters"]], names[:50])


if __name__ == "__main__":
    run_tests()
