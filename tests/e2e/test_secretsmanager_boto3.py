"""Secrets Manager end to end, through boto3 (and raw HTTP where boto3 can't say it).

Expected behaviour is real AWS behaviour: the error codes, HTTP statuses and messages come from
recordings of real AWS traffic, the botocore model and the AWS docs (see /work/notes/sm-behaviour.md).
Where AWS's exact text is not known, a test checks only the code and status (and a fragment
that every known variant shares).

Run: python3 tests/e2e/test_secretsmanager_boto3.py   (COFFER_BIN selects the binary)
"""

import base64
import datetime
import os
import re
import string
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

from harness import (DEFAULT_ACCOUNT_ID, DEFAULT_REGION, ROOT_ACCESS_KEY_ID,  # noqa: E402
                     ROOT_SECRET_ACCESS_KEY, CofferTestCase, run_tests, wait_until)

ARN_PREFIX = f"arn:aws:secretsmanager:{DEFAULT_REGION}:{DEFAULT_ACCOUNT_ID}:secret:"
NOT_FOUND = "Secrets Manager can't find the specified secret."
INVALID_NAME = ("Invalid name. Must be a valid name containing alphanumeric characters, or any of "
                "the following: -/_+=.@!")
MARKED_FOR_DELETION = ("You can't perform this operation on the secret because it was marked for "
                       "deletion.")
BAD_WINDOW = "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."
SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you "
                      "provided. Check your AWS Secret Access Key and signing method. Consult the "
                      "service documentation for details.")
PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
DAY = 86400


def token():
    return str(uuid.uuid4())


def arn_regex(name):
    return "^" + re.escape(ARN_PREFIX + name) + "-[A-Za-z0-9]{6}$"


def versions_to_stages(sm, secret_id, include_deprecated=False):
    """{VersionId: sorted stages or None} from ListSecretVersionIds, following NextToken."""
    out = {}
    kwargs = {"SecretId": secret_id, "IncludeDeprecated": include_deprecated}
    for _ in range(100):
        page = sm.list_secret_version_ids(**kwargs)
        for v in page["Versions"]:
            out[v["VersionId"]] = sorted(v["VersionStages"]) if "VersionStages" in v else None
        if "NextToken" not in page:
            return out
        kwargs["NextToken"] = page["NextToken"]
    raise AssertionError("ListSecretVersionIds never stopped returning NextToken")


def list_all(sm, **kwargs):
    """All ListSecrets pages; returns (entries, pages)."""
    entries, pages = [], []
    for _ in range(200):
        page = sm.list_secrets(**kwargs)
        pages.append(page)
        entries.extend(page["SecretList"])
        if "NextToken" not in page:
            return entries, pages
        kwargs = dict(kwargs, NextToken=page["NextToken"])
    raise AssertionError("ListSecrets never stopped returning NextToken")


class SecretsTestCase(CofferTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sm = cls.server.client("secretsmanager")
        cls.sm_raw = cls.server.client("secretsmanager", parameter_validation=False)

    def create(self, name=None, **kwargs):
        name = name or self.unique()
        resp = self.sm.create_secret(Name=name, **kwargs)
        return name, resp


# ---------------------------------------------------------------------------------------------


class CreateAndGetTest(SecretsTestCase):
    def test_create_secret_string_then_get(self):
        name = self.unique("app/db")
        tok = token()
        resp = self.sm.create_secret(Name=name, SecretString='{"user":"u","pass":"p"}',
                                     ClientRequestToken=tok)
        self.assertRegex(resp["ARN"], arn_regex(name))
        self.assertEqual(resp["Name"], name)
        self.assertEqual(resp["VersionId"], tok)

        got = self.sm.get_secret_value(SecretId=name)
        self.assertEqual(got["SecretString"], '{"user":"u","pass":"p"}')
        self.assertNotIn("SecretBinary", got)
        self.assertEqual(got["ARN"], resp["ARN"])
        self.assertEqual(got["Name"], name)
        self.assertEqual(got["VersionId"], tok)
        self.assertEqual(got["VersionStages"], ["AWSCURRENT"])
        self.assertIsInstance(got["CreatedDate"], datetime.datetime)
        self.assertLess(abs(got["CreatedDate"].timestamp() - time.time()), 300)
        self.assertTrue(got["ResponseMetadata"]["RequestId"])

    def test_secret_binary_round_trips_bytes(self):
        data = bytes(range(256)) * 3 + b"\x00\xff\x00"
        name, resp = self.create(SecretBinary=data)
        got = self.sm.get_secret_value(SecretId=name)
        self.assertEqual(got["SecretBinary"], data)
        self.assertNotIn("SecretString", got)
        self.assertEqual(got["VersionId"], resp["VersionId"])

        # A new binary version replaces it, and a string version can follow a binary one.
        self.sm.put_secret_value(SecretId=name, SecretBinary=b"\x01\x02")
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretBinary"], b"\x01\x02")
        self.sm.put_secret_value(SecretId=name, SecretString="now text")
        got = self.sm.get_secret_value(SecretId=name)
        self.assertEqual(got["SecretString"], "now text")
        self.assertNotIn("SecretBinary", got)
        prev = self.sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")
        self.assertEqual(prev["SecretBinary"], b"\x01\x02")

    def test_unicode_secret_string_round_trips(self):
        value = "pässwörd ✓ 秘密 \U0001F511 \"quoted\" \\ back\nslash"
        name, _ = self.create(SecretString=value)
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], value)

    def test_secret_string_limit_is_65536(self):
        name, _ = self.create(SecretString="s" * 65536)
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "s" * 65536)
        self.assertAwsError(
            lambda: self.sm_raw.create_secret(Name=self.unique(), SecretString="s" * 65537),
            "ValidationException",
            message=("1 validation error detected: Value at 'secretString' failed to satisfy "
                     "constraint: Member must have length less than or equal to 65536"))
        self.assertAwsError(
            lambda: self.sm_raw.put_secret_value(SecretId=name, SecretString="s" * 65537),
            "ValidationException", message_contains=("'secretString'", "65536"))
        # The failed put did not create a version.
        self.assertEqual(len(versions_to_stages(self.sm, name, include_deprecated=True)), 1)

    def test_secret_binary_limit_is_65536(self):
        name, _ = self.create(SecretBinary=b"\xab" * 65536)
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretBinary"], b"\xab" * 65536)
        err = self.assertAwsError(
            lambda: self.sm_raw.put_secret_value(SecretId=name, SecretBinary=b"\xab" * 65537),
            "ValidationException", message_contains=("'secretBinary'", "65536"))
        # The value is sensitive: AWS does not echo it back.
        self.assertNotIn("q6ur", err.response["Error"]["Message"])

    def test_empty_secret_string_is_a_validation_error(self):
        self.assertAwsError(
            lambda: self.sm_raw.create_secret(Name=self.unique(), SecretString=""),
            "ValidationException",
            message=("1 validation error detected: Value at 'secretString' failed to satisfy "
                     "constraint: Member must have length greater than or equal to 1"))

    def test_create_without_value_has_no_version(self):
        name, resp = self.create(Description="no value yet")
        self.assertEqual(set(resp) - {"ResponseMetadata"}, {"ARN", "Name"})
        desc = self.sm.describe_secret(SecretId=name)
        self.assertNotIn("VersionIdsToStages", desc)
        self.assertAwsError(lambda: self.sm.get_secret_value(SecretId=name),
                            "ResourceNotFoundException",
                            message_contains="Secrets Manager can't find the specified secret value")
        # The first PutSecretValue gets AWSCURRENT.
        put = self.sm.put_secret_value(SecretId=name, SecretString="first")
        self.assertEqual(put["VersionStages"], ["AWSCURRENT"])
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "first")

    def test_create_existing_name_is_resource_exists(self):
        name, _ = self.create(SecretString="a")
        self.assertAwsError(lambda: self.sm.create_secret(Name=name, SecretString="b"),
                            "ResourceExistsException",
                            message=f"The operation failed because the secret {name} already exists.")
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "a")

    def test_create_with_both_string_and_binary_is_refused(self):
        name = self.unique()
        self.assertAwsError(
            lambda: self.sm.create_secret(Name=name, SecretString="a", SecretBinary=b"b"),
            None, codes=("InvalidParameterException", "InvalidRequestException"))
        self.assertAwsError(lambda: self.sm.describe_secret(SecretId=name),
                            "ResourceNotFoundException", message=NOT_FOUND)

    def test_missing_secret_is_resource_not_found_400(self):
        missing = self.unique("missing")
        for call in (lambda: self.sm.get_secret_value(SecretId=missing),
                     lambda: self.sm.describe_secret(SecretId=missing),
                     lambda: self.sm.put_secret_value(SecretId=missing, SecretString="x"),
                     lambda: self.sm.update_secret(SecretId=missing, Description="d"),
                     lambda: self.sm.list_secret_version_ids(SecretId=missing),
                     lambda: self.sm.delete_secret(SecretId=missing),
                     lambda: self.sm.restore_secret(SecretId=missing),
                     lambda: self.sm.tag_resource(SecretId=missing, Tags=[{"Key": "k",
                                                                           "Value": "v"}]),
                     lambda: self.sm.untag_resource(SecretId=missing, TagKeys=["k"]),
                     lambda: self.sm.update_secret_version_stage(
                         SecretId=missing, VersionStage="X", MoveToVersionId=token())):
            self.assertAwsError(call, "ResourceNotFoundException", message=NOT_FOUND)

    def test_full_arn_partial_arn_and_name_resolve_the_same_secret(self):
        name, resp = self.create(name=self.unique("team/svc"), SecretString="v")
        arn = resp["ARN"]
        partial = arn[:-7]
        self.assertEqual(partial, ARN_PREFIX + name)
        for secret_id in (name, arn, partial):
            got = self.sm.get_secret_value(SecretId=secret_id)
            self.assertEqual(got["ARN"], arn, secret_id)
            self.assertEqual(got["SecretString"], "v")
            self.assertEqual(self.sm.describe_secret(SecretId=secret_id)["ARN"], arn)
        # The same name with a different random suffix is another (nonexistent) secret.
        suffix = arn[-6:]
        wrong = arn[:-6] + ("A" if suffix[0] != "A" else "B") + suffix[1:]
        self.assertAwsError(lambda: self.sm.get_secret_value(SecretId=wrong),
                            "ResourceNotFoundException", message=NOT_FOUND)
        # Another account's ARN does not resolve here.
        other = arn.replace(DEFAULT_ACCOUNT_ID, "210987654321")
        self.assertAwsError(lambda: self.sm.describe_secret(SecretId=other),
                            None, codes=("ResourceNotFoundException", "AccessDeniedException"))

    def test_recreated_name_gets_a_new_arn(self):
        name, first = self.create(SecretString="one")
        self.sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
        self.assertAwsError(lambda: self.sm.describe_secret(SecretId=name),
                            "ResourceNotFoundException", message=NOT_FOUND)
        _, second = self.create(name=name, SecretString="two")
        self.assertNotEqual(first["ARN"], second["ARN"])
        self.assertRegex(second["ARN"], arn_regex(name))
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "two")
        self.assertEqual(self.sm.get_secret_value(SecretId=second["ARN"])["SecretString"], "two")
        self.assertAwsError(lambda: self.sm.get_secret_value(SecretId=first["ARN"]),
                            "ResourceNotFoundException", message=NOT_FOUND)

    def test_client_request_token_idempotency(self):
        name, created = self.create(SecretString="v1")
        tok = token()
        put = self.sm.put_secret_value(SecretId=name, SecretString="v2", ClientRequestToken=tok)
        self.assertEqual(put["VersionId"], tok)
        self.assertEqual(put["VersionStages"], ["AWSCURRENT"])
        before = versions_to_stages(self.sm, name, include_deprecated=True)

        # Same token, same value: success, nothing changes.
        again = self.sm.put_secret_value(SecretId=name, SecretString="v2", ClientRequestToken=tok)
        self.assertEqual(again["VersionId"], tok)
        self.assertEqual(versions_to_stages(self.sm, name, include_deprecated=True), before)
        self.assertEqual(before[created["VersionId"]], ["AWSPREVIOUS"])

        # Same token, different value: you can't modify an existing version.
        self.assertAwsError(
            lambda: self.sm.put_secret_value(SecretId=name, SecretString="v3",
                                             ClientRequestToken=tok),
            "ResourceExistsException", message_contains=tok)
        self.assertAwsError(
            lambda: self.sm.put_secret_value(SecretId=name, SecretBinary=b"v2",
                                             ClientRequestToken=tok),
            "ResourceExistsException")
        self.assertEqual(versions_to_stages(self.sm, name, include_deprecated=True), before)
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "v2")

        # UpdateSecret follows the same rule.
        self.assertAwsError(
            lambda: self.sm.update_secret(SecretId=name, SecretString="v4",
                                          ClientRequestToken=tok),
            "ResourceExistsException")
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "v2")

    def test_create_secret_is_idempotent_with_the_same_token(self):
        tok = token()
        name, first = self.create(SecretString="same", ClientRequestToken=tok)
        # Real AWS answers ResourceExistsException here (the name exists), see getmoto/moto#9700;
        # either way no second version may appear.
        try:
            again = self.sm.create_secret(Name=name, SecretString="same", ClientRequestToken=tok)
            self.assertEqual(again["ARN"], first["ARN"])
            self.assertEqual(again["VersionId"], tok)
        except ClientError as e:
            self.assertEqual(e.response["Error"]["Code"], "ResourceExistsException")
        self.assertEqual(versions_to_stages(self.sm, name, include_deprecated=True),
                         {tok: ["AWSCURRENT"]})


# ---------------------------------------------------------------------------------------------


class DescribeAndUpdateTest(SecretsTestCase):
    def test_describe_secret_fields(self):
        name, resp = self.create(Description="the db password", SecretString="x")
        d = self.sm.describe_secret(SecretId=name)
        self.assertEqual(d["ARN"], resp["ARN"])
        self.assertEqual(d["Name"], name)
        self.assertEqual(d["Description"], "the db password")
        self.assertEqual(d["VersionIdsToStages"], {resp["VersionId"]: ["AWSCURRENT"]})
        self.assertIsInstance(d["CreatedDate"], datetime.datetime)
        self.assertIsInstance(d["LastChangedDate"], datetime.datetime)
        # Only fields with a value are returned: default key => no KmsKeyId; no tags => no Tags;
        # not deleted => no DeletedDate; never read => no LastAccessedDate.
        for absent in ("KmsKeyId", "Tags", "DeletedDate", "LastAccessedDate", "RotationEnabled",
                       "SecretVersionsToStages"):
            if absent == "RotationEnabled":
                self.assertFalse(d.get("RotationEnabled", False))
            else:
                self.assertNotIn(absent, d)

    def test_last_accessed_date_is_set_by_get_and_is_a_date(self):
        name, _ = self.create(SecretString="x")
        self.assertNotIn("LastAccessedDate", self.sm.describe_secret(SecretId=name))
        self.sm.get_secret_value(SecretId=name)
        # Recorded off the read path (eventually consistent, as in AWS): poll, bounded.
        d = wait_until(lambda: (lambda d: d if "LastAccessedDate" in d else None)(
            self.sm.describe_secret(SecretId=name)), 10, interval=0.05,
            what="LastAccessedDate to appear")
        ts = d["LastAccessedDate"].timestamp()
        self.assertEqual(ts % DAY, 0, "LastAccessedDate is truncated to midnight UTC")
        self.assertLess(abs(ts - time.time()), DAY + 300)

    def test_update_description_only_creates_no_version(self):
        name, resp = self.create(Description="old", SecretString="x")
        up = self.sm.update_secret(SecretId=name, Description="new")
        self.assertEqual(set(up) - {"ResponseMetadata"}, {"ARN", "Name"})
        self.assertEqual(up["ARN"], resp["ARN"])
        d = self.sm.describe_secret(SecretId=name)
        self.assertEqual(d["Description"], "new")
        self.assertEqual(d["VersionIdsToStages"], {resp["VersionId"]: ["AWSCURRENT"]})

    def test_update_with_only_secret_id_is_a_no_op(self):
        name, resp = self.create(SecretString="x")
        up = self.sm.update_secret(SecretId=name)
        self.assertEqual(set(up) - {"ResponseMetadata"}, {"ARN", "Name"})
        self.assertEqual(versions_to_stages(self.sm, name, include_deprecated=True),
                         {resp["VersionId"]: ["AWSCURRENT"]})

    def test_update_with_value_rotates_labels(self):
        name, resp = self.create(SecretString="v1")
        tok = token()
        up = self.sm.update_secret(SecretId=name, SecretString="v2", ClientRequestToken=tok,
                                   Description="d2")
        self.assertEqual(up["VersionId"], tok)
        self.assertEqual(versions_to_stages(self.sm, name),
                         {resp["VersionId"]: ["AWSPREVIOUS"], tok: ["AWSCURRENT"]})
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "v2")
        self.assertEqual(self.sm.describe_secret(SecretId=name)["Description"], "d2")
        up2 = self.sm.update_secret(SecretId=name, SecretBinary=b"\x00bin")
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretBinary"], b"\x00bin")
        self.assertEqual(
            self.sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"],
            "v2")
        self.assertIn(up2["VersionId"], versions_to_stages(self.sm, name))

    def test_update_changes_last_changed_date(self):
        name, _ = self.create(SecretString="v1")
        before = self.sm.describe_secret(SecretId=name)["LastChangedDate"]
        wait_for = before.timestamp()
        # LastChangedDate has at least second precision; keep updating until it moves (bounded).
        deadline = time.monotonic() + 5
        while True:
            self.sm.update_secret(SecretId=name, Description=str(time.time()))
            after = self.sm.describe_secret(SecretId=name)["LastChangedDate"]
            if after.timestamp() > wait_for or time.monotonic() > deadline:
                break
        self.assertGreater(after.timestamp(), wait_for)


# ---------------------------------------------------------------------------------------------


class StagingLabelsTest(SecretsTestCase):
    def test_put_moves_current_and_previous_and_deprecates(self):
        name, c = self.create(SecretString="v1")
        v1 = c["VersionId"]
        v2 = self.sm.put_secret_value(SecretId=name, SecretString="v2")["VersionId"]
        self.assertEqual(versions_to_stages(self.sm, name),
                         {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]})
        v3 = self.sm.put_secret_value(SecretId=name, SecretString="v3")["VersionId"]
        # v1 lost its last label: deprecated, hidden unless IncludeDeprecated.
        self.assertEqual(versions_to_stages(self.sm, name),
                         {v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]})
        with_deprecated = self.sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)
        by_id = {v["VersionId"]: v for v in with_deprecated["Versions"]}
        self.assertEqual(set(by_id), {v1, v2, v3})
        self.assertNotIn("VersionStages", by_id[v1])
        self.assertEqual(by_id[v3]["VersionStages"], ["AWSCURRENT"])
        for v in by_id.values():
            self.assertIsInstance(v["CreatedDate"], datetime.datetime)
            # Secrets under the default key list it like this (real AWS, [LS-snap]).
            self.assertEqual(v["KmsKeyIds"], ["DefaultEncryptionKey"])
        self.assertEqual(with_deprecated["ARN"], c["ARN"])
        self.assertEqual(with_deprecated["Name"], name)

        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "v3")
        prev = self.sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")
        self.assertEqual((prev["SecretString"], prev["VersionId"]), ("v2", v2))
        self.assertEqual(prev["VersionStages"], ["AWSPREVIOUS"])
        by_vid = self.sm.get_secret_value(SecretId=name, VersionId=v2)
        self.assertEqual(by_vid["SecretString"], "v2")
        both = self.sm.get_secret_value(SecretId=name, VersionId=v3, VersionStage="AWSCURRENT")
        self.assertEqual(both["SecretString"], "v3")
        self.assertEqual(self.sm.describe_secret(SecretId=name)["VersionIdsToStages"],
                         {v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]})

    def test_put_with_custom_stage_leaves_current_alone(self):
        name, c = self.create(SecretString="v1")
        v1 = c["VersionId"]
        p = self.sm.put_secret_value(SecretId=name, SecretString="staged",
                                     VersionStages=["STAGING"])
        self.assertEqual(p["VersionStages"], ["STAGING"])
        v2 = p["VersionId"]
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "v1")
        self.assertEqual(
            self.sm.get_secret_value(SecretId=name, VersionStage="STAGING")["SecretString"],
            "staged")
        self.assertEqual(versions_to_stages(self.sm, name), {v1: ["AWSCURRENT"], v2: ["STAGING"]})

        # The label moves to the newest version; the old one has no label left and is hidden.
        v3 = self.sm.put_secret_value(SecretId=name, SecretString="staged2",
                                      VersionStages=["STAGING", "QA"])["VersionId"]
        self.assertEqual(versions_to_stages(self.sm, name),
                         {v1: ["AWSCURRENT"], v3: ["QA", "STAGING"]})
        self.assertIsNone(versions_to_stages(self.sm, name, include_deprecated=True)[v2])

        # Listing AWSCURRENT explicitly moves it (and AWSPREVIOUS follows).
        v4 = self.sm.put_secret_value(SecretId=name, SecretString="live",
                                      VersionStages=["AWSCURRENT", "QA"])["VersionId"]
        self.assertEqual(versions_to_stages(self.sm, name),
                         {v1: ["AWSPREVIOUS"], v3: ["STAGING"], v4: ["AWSCURRENT", "QA"]})

    def test_get_with_stage_not_attached(self):
        name, _ = self.create(SecretString="v1")
        self.assertAwsError(
            lambda: self.sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS"),
            "ResourceNotFoundException",
            message=("Secrets Manager can't find the specified secret value for staging label: "
                     "AWSPREVIOUS"))

    def test_get_with_version_id_and_mismatched_stage(self):
        name, c = self.create(SecretString="v1")
        self.sm.put_secret_value(SecretId=name, SecretString="v2")
        self.assertAwsError(
            lambda: self.sm.get_secret_value(SecretId=name, VersionId=c["VersionId"],
                                             VersionStage="AWSCURRENT"),
            "InvalidRequestException",
            message="You provided a VersionStage that is not associated to the provided VersionId.")

    def test_get_with_unknown_version_id(self):
        name, _ = self.create(SecretString="v1")
        missing = token()
        self.assertAwsError(lambda: self.sm.get_secret_value(SecretId=name, VersionId=missing),
                            "ResourceNotFoundException",
                            message_contains="Secrets Manager can't find the specified secret value")

    def test_update_secret_version_stage_rules(self):
        name, c = self.create(SecretString="v0")
        v0 = c["VersionId"]
        v1 = self.sm.put_secret_value(SecretId=name, SecretString="v1",
                                      VersionStages=["PENDING"])["VersionId"]
        self.assertEqual(versions_to_stages(self.sm, name), {v0: ["AWSCURRENT"], v1: ["PENDING"]})

        # AWSCURRENT is attached to v0, so RemoveFromVersionId is required...
        self.assertAwsError(
            lambda: self.sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT",
                                                        MoveToVersionId=v1),
            "InvalidParameterException", message_contains="RemoveFromVersionId")
        # ...and must name the version that holds it.
        self.assertAwsError(
            lambda: self.sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT",
                                                        RemoveFromVersionId=v1,
                                                        MoveToVersionId=v1),
            "InvalidParameterException", message_contains="AWSCURRENT")
        self.assertEqual(versions_to_stages(self.sm, name), {v0: ["AWSCURRENT"], v1: ["PENDING"]})

        # Moving AWSCURRENT makes the old current AWSPREVIOUS.
        r = self.sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT",
                                                RemoveFromVersionId=v0, MoveToVersionId=v1)
        self.assertEqual(set(r) - {"ResponseMetadata"}, {"ARN", "Name"})
        self.assertEqual((r["ARN"], r["Name"]), (c["ARN"], name))
        self.assertEqual(versions_to_stages(self.sm, name),
                         {v0: ["AWSPREVIOUS"], v1: ["AWSCURRENT", "PENDING"]})
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "v1")

        # A custom label can be removed with RemoveFromVersionId alone.
        self.sm.update_secret_version_stage(SecretId=name, VersionStage="PENDING",
                                            RemoveFromVersionId=v1)
        self.assertEqual(versions_to_stages(self.sm, name),
                         {v0: ["AWSPREVIOUS"], v1: ["AWSCURRENT"]})

        # A custom label not attached anywhere can be added with MoveToVersionId alone.
        self.sm.update_secret_version_stage(SecretId=name, VersionStage="BLUE",
                                            MoveToVersionId=v0)
        self.assertEqual(versions_to_stages(self.sm, name),
                         {v0: ["AWSPREVIOUS", "BLUE"], v1: ["AWSCURRENT"]})
        # Once attached, moving it elsewhere needs RemoveFromVersionId.
        self.assertAwsError(
            lambda: self.sm.update_secret_version_stage(SecretId=name, VersionStage="BLUE",
                                                        MoveToVersionId=v1),
            "InvalidParameterException", message_contains="BLUE")
        self.sm.update_secret_version_stage(SecretId=name, VersionStage="BLUE",
                                            RemoveFromVersionId=v0, MoveToVersionId=v1)
        self.assertEqual(versions_to_stages(self.sm, name),
                         {v0: ["AWSPREVIOUS"], v1: ["AWSCURRENT", "BLUE"]})
        self.assertEqual(
            self.sm.get_secret_value(SecretId=name, VersionStage="BLUE")["SecretString"], "v1")

        # A version that does not exist can't receive a label.
        self.assertAwsError(
            lambda: self.sm.update_secret_version_stage(SecretId=name, VersionStage="GREEN",
                                                        MoveToVersionId=token()),
            None, codes=("InvalidParameterException", "ResourceNotFoundException"))

        # Removing the last label deprecates the version.
        self.sm.update_secret_version_stage(SecretId=name, VersionStage="AWSPREVIOUS",
                                            RemoveFromVersionId=v0)
        self.assertEqual(versions_to_stages(self.sm, name), {v1: ["AWSCURRENT", "BLUE"]})
        self.assertEqual(versions_to_stages(self.sm, name, include_deprecated=True),
                         {v0: None, v1: ["AWSCURRENT", "BLUE"]})

    def test_list_secret_version_ids_pagination(self):
        name, c = self.create(SecretString="a")
        ids = {c["VersionId"]}
        for i, stage in enumerate(["S1", "S2", "S3", "S4"]):
            ids.add(self.sm.put_secret_value(SecretId=name, SecretString=f"v{i}",
                                             VersionStages=[stage])["VersionId"])
        seen = []
        kwargs = {"SecretId": name, "MaxResults": 2}
        for _ in range(10):
            page = self.sm.list_secret_version_ids(**kwargs)
            self.assertLessEqual(len(page["Versions"]), 2)
            seen.extend(v["VersionId"] for v in page["Versions"])
            if "NextToken" not in page:
                break
            kwargs["NextToken"] = page["NextToken"]
        self.assertEqual(len(seen), len(set(seen)), "no version listed twice")
        self.assertEqual(set(seen), ids)


# ---------------------------------------------------------------------------------------------


class DeletionTest(SecretsTestCase):
    def test_delete_with_default_window_then_restore(self):
        name, c = self.create(SecretString="keep me")
        before = time.time()
        d = self.sm.delete_secret(SecretId=name)
        self.assertEqual((d["ARN"], d["Name"]), (c["ARN"], name))
        self.assertLess(abs(d["DeletionDate"].timestamp() - (before + 30 * DAY)), 600)

        desc = self.sm.describe_secret(SecretId=name)
        self.assertIn("DeletedDate", desc)
        self.assertAwsError(lambda: self.sm.get_secret_value(SecretId=name),
                            "InvalidRequestException", message=MARKED_FOR_DELETION)
        self.assertAwsError(lambda: self.sm.put_secret_value(SecretId=name, SecretString="x"),
                            "InvalidRequestException")
        self.assertAwsError(lambda: self.sm.update_secret(SecretId=name, SecretString="x"),
                            "InvalidRequestException")
        self.assertAwsError(
            lambda: self.sm.create_secret(Name=name, SecretString="again"),
            "InvalidRequestException",
            message=("You can't create this secret because a secret with this name is already "
                     "scheduled for deletion."))
        # Deleting again without force is refused.
        self.assertAwsError(lambda: self.sm.delete_secret(SecretId=name),
                            "InvalidRequestException")

        r = self.sm.restore_secret(SecretId=name)
        self.assertEqual(set(r) - {"ResponseMetadata"}, {"ARN", "Name"})
        self.assertEqual((r["ARN"], r["Name"]), (c["ARN"], name))
        self.assertNotIn("DeletedDate", self.sm.describe_secret(SecretId=name))
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "keep me")

    def test_recovery_window_bounds(self):
        name, _ = self.create(SecretString="x")
        for days in (0, 6, 31, -1, 365):
            self.assertAwsError(
                lambda: self.sm.delete_secret(SecretId=name, RecoveryWindowInDays=days),
                "InvalidParameterException", message=BAD_WINDOW)
        # The range check runs first, even with ForceDeleteWithoutRecovery.
        self.assertAwsError(
            lambda: self.sm.delete_secret(SecretId=name, RecoveryWindowInDays=0,
                                          ForceDeleteWithoutRecovery=True),
            "InvalidParameterException", message=BAD_WINDOW)
        self.assertNotIn("DeletedDate", self.sm.describe_secret(SecretId=name))

        now = time.time()
        d = self.sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
        self.assertLess(abs(d["DeletionDate"].timestamp() - (now + 7 * DAY)), 600)
        self.sm.restore_secret(SecretId=name)
        d = self.sm.delete_secret(SecretId=name, RecoveryWindowInDays=30,
                                  ForceDeleteWithoutRecovery=False)
        self.assertLess(abs(d["DeletionDate"].timestamp() - (now + 30 * DAY)), 600)

    def test_force_and_window_conflict(self):
        name, _ = self.create(SecretString="x")
        self.assertAwsError(
            lambda: self.sm.delete_secret(SecretId=name, RecoveryWindowInDays=7,
                                          ForceDeleteWithoutRecovery=True),
            "InvalidParameterException", message_contains="ForceDeleteWithoutRecovery")
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "x")

    def test_force_delete_removes_immediately(self):
        name, c = self.create(SecretString="x")
        now = time.time()
        d = self.sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
        self.assertEqual((d["ARN"], d["Name"]), (c["ARN"], name))
        self.assertLess(abs(d["DeletionDate"].timestamp() - now), 600)
        self.assertAwsError(lambda: self.sm.describe_secret(SecretId=name),
                            "ResourceNotFoundException", message=NOT_FOUND)
        self.assertAwsError(lambda: self.sm.restore_secret(SecretId=name),
                            "ResourceNotFoundException", message=NOT_FOUND)

    def test_force_delete_of_a_secret_pending_deletion(self):
        name, _ = self.create(SecretString="x")
        self.sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
        d = self.sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
        self.assertEqual(d["Name"], name)
        self.assertAwsError(lambda: self.sm.describe_secret(SecretId=name),
                            "ResourceNotFoundException", message=NOT_FOUND)

    def test_force_delete_of_a_nonexistent_secret_succeeds(self):
        missing = self.unique("never-existed")
        d = self.sm.delete_secret(SecretId=missing, ForceDeleteWithoutRecovery=True)
        self.assertEqual(d["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(d["Name"], missing)
        self.assertTrue(d.get("ARN"))
        self.assertIn("DeletionDate", d)
        self.assertAwsError(lambda: self.sm.describe_secret(SecretId=missing),
                            "ResourceNotFoundException", message=NOT_FOUND)

    def test_planned_deletion_and_list_secrets(self):
        name, _ = self.create(name=self.unique("doomed"), SecretString="x")
        self.sm.delete_secret(SecretId=name, RecoveryWindowInDays=10)
        names = [s["Name"] for s in list_all(self.sm)[0]]
        self.assertNotIn(name, names)
        entries = list_all(self.sm, IncludePlannedDeletion=True)[0]
        entry = [s for s in entries if s["Name"] == name]
        self.assertEqual(len(entry), 1)
        self.assertIn("DeletedDate", entry[0])


# ---------------------------------------------------------------------------------------------


class ListSecretsTest(SecretsTestCase):
    """Its own server, so the listing holds only the fixtures below."""

    PAGE_COUNT = 25

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        sm = cls.sm
        # Created in a scrambled name order so created-date and name orders differ.
        order = [(i * 7) % cls.PAGE_COUNT for i in range(cls.PAGE_COUNT)]
        cls.page_names_by_creation = [f"page-{i:02d}" for i in order]
        for n in cls.page_names_by_creation:
            sm.create_secret(Name=n, SecretString=n)
        sm.create_secret(Name="app/alpha/db", Description="Primary database password",
                         SecretString="a", Tags=[{"Key": "env", "Value": "prod"},
                                                 {"Key": "team", "Value": "payments"}])
        sm.create_secret(Name="app/beta/api", Description="third-party API key",
                         SecretString="b", Tags=[{"Key": "env", "Value": "dev"}])
        sm.create_secret(Name="other/gamma", Description="primary cache", SecretString="g")
        cls.fixture_names = {"app/alpha/db", "app/beta/api", "other/gamma"}
        cls.all_names = set(cls.page_names_by_creation) | cls.fixture_names

    def names(self, **kwargs):
        return [s["Name"] for s in list_all(self.sm, **kwargs)[0]]

    def filtered(self, *filters):
        return set(self.names(Filters=[{"Key": k, "Values": v} for k, v in filters]))

    def test_list_entry_shape(self):
        entries = list_all(self.sm, Filters=[{"Key": "name", "Values": ["app/alpha/db"]}])[0]
        self.assertEqual(len(entries), 1)
        e = entries[0]
        self.assertRegex(e["ARN"], arn_regex("app/alpha/db"))
        self.assertEqual(e["Description"], "Primary database password")
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in e["Tags"]),
                         [("env", "prod"), ("team", "payments")])
        self.assertEqual(list(e["SecretVersionsToStages"].values()), [["AWSCURRENT"]])
        self.assertNotIn("VersionIdsToStages", e)
        self.assertIsInstance(e["CreatedDate"], datetime.datetime)

    def test_pagination_collects_every_secret_once(self):
        entries, pages = list_all(self.sm, MaxResults=7)
        names = [e["Name"] for e in entries]
        self.assertEqual(len(names), len(set(names)), "a secret was listed twice")
        self.assertEqual(set(names), self.all_names)
        self.assertGreater(len(pages), 1)
        for page in pages:
            self.assertLessEqual(len(page["SecretList"]), 7)
        for page in pages[:-1]:
            self.assertIn("NextToken", page)
        single = self.sm.list_secrets(MaxResults=100)
        self.assertEqual({s["Name"] for s in single["SecretList"]}, self.all_names)
        self.assertNotIn("NextToken", single)

    def test_pagination_with_a_filter(self):
        entries, pages = list_all(self.sm, MaxResults=10,
                                  Filters=[{"Key": "name", "Values": ["page-"]}])
        names = [e["Name"] for e in entries]
        self.assertEqual(sorted(names), sorted(self.page_names_by_creation))
        self.assertGreaterEqual(len(pages), 3)

    def test_paginator(self):
        paginator = self.sm.get_paginator("list_secrets")
        names = []
        for page in paginator.paginate(PaginationConfig={"PageSize": 4}):
            names.extend(s["Name"] for s in page["SecretList"])
        self.assertEqual(sorted(names), sorted(self.all_names))

    def test_filter_by_name_is_a_case_sensitive_prefix(self):
        self.assertEqual(self.filtered(("name", ["app/"])), {"app/alpha/db", "app/beta/api"})
        self.assertEqual(self.filtered(("name", ["app/alpha"])), {"app/alpha/db"})
        self.assertEqual(self.filtered(("name", ["App/"])), set())
        self.assertEqual(self.filtered(("name", ["alpha"])), set())
        # Several values in one filter: any may match.
        self.assertEqual(self.filtered(("name", ["app/alpha", "other"])),
                         {"app/alpha/db", "other/gamma"})

    def test_filter_by_description_ignores_case(self):
        self.assertEqual(self.filtered(("description", ["primary"])),
                         {"app/alpha/db", "other/gamma"})
        self.assertEqual(self.filtered(("description", ["THIRD"])), {"app/beta/api"})

    def test_filter_by_tag_key_and_value(self):
        self.assertEqual(self.filtered(("tag-key", ["env"])), {"app/alpha/db", "app/beta/api"})
        self.assertEqual(self.filtered(("tag-key", ["te"])), {"app/alpha/db"})
        self.assertEqual(self.filtered(("tag-value", ["prod"])), {"app/alpha/db"})
        self.assertEqual(self.filtered(("tag-value", ["de"])), {"app/beta/api"})
        self.assertEqual(self.filtered(("tag-value", ["nope"])), set())

    def test_filter_all_searches_every_attribute(self):
        self.assertEqual(self.filtered(("all", ["payments"])), {"app/alpha/db"})
        self.assertEqual(self.filtered(("all", ["PAYMENTS"])), {"app/alpha/db"})
        self.assertEqual(self.filtered(("all", ["other"])), {"other/gamma"})
        self.assertEqual(self.filtered(("all", ["third"])), {"app/beta/api"})

    def test_negated_filters(self):
        got = self.filtered(("name", ["!app/"]))
        self.assertEqual(got, self.all_names - {"app/alpha/db", "app/beta/api"})
        got = self.filtered(("name", ["!page-"]))
        self.assertEqual(got, self.fixture_names)

    def test_filters_combine_with_and(self):
        self.assertEqual(self.filtered(("name", ["app/"]), ("tag-value", ["prod"])),
                         {"app/alpha/db"})
        self.assertEqual(self.filtered(("name", ["other"]), ("tag-key", ["env"])), set())

    def test_sort_by_name(self):
        flt = [{"Key": "name", "Values": ["page-"]}]
        asc = self.names(Filters=flt, SortBy="name", SortOrder="asc")
        self.assertEqual(asc, sorted(self.page_names_by_creation))
        desc = self.names(Filters=flt, SortBy="name", SortOrder="desc")
        self.assertEqual(desc, sorted(self.page_names_by_creation, reverse=True))
        # Sorting holds across pages too.
        paged = self.names(Filters=flt, SortBy="name", SortOrder="asc", MaxResults=6)
        self.assertEqual(paged, asc)

    def test_sort_by_created_date(self):
        flt = [{"Key": "name", "Values": ["page-"]}]
        asc = self.names(Filters=flt, SortBy="created-date", SortOrder="asc")
        self.assertEqual(asc, self.page_names_by_creation)
        desc = self.names(Filters=flt, SortBy="created-date", SortOrder="desc", MaxResults=9)
        self.assertEqual(desc, list(reversed(self.page_names_by_creation)))

    def test_sort_by_last_changed_date(self):
        target = self.page_names_by_creation[3]
        self.sm.update_secret(SecretId=target, Description="touched")
        desc = self.names(Filters=[{"Key": "name", "Values": ["page-"]}],
                          SortBy="last-changed-date", SortOrder="desc")
        self.assertEqual(desc[0], target)
        self.assertEqual(sorted(desc), sorted(self.page_names_by_creation))

    def test_include_planned_deletion(self):
        self.sm.create_secret(Name="zz-doomed", SecretString="x")
        self.sm.delete_secret(SecretId="zz-doomed", RecoveryWindowInDays=7)
        try:
            self.assertNotIn("zz-doomed", self.names())
            entries = list_all(self.sm, IncludePlannedDeletion=True)[0]
            doomed = [e for e in entries if e["Name"] == "zz-doomed"]
            self.assertEqual(len(doomed), 1)
            self.assertIn("DeletedDate", doomed[0])
            self.assertEqual({e["Name"] for e in entries}, self.all_names | {"zz-doomed"})
        finally:
            self.sm.delete_secret(SecretId="zz-doomed", ForceDeleteWithoutRecovery=True)

    def test_list_validation_errors(self):
        raw = self.sm_raw
        self.assertAwsError(
            lambda: raw.list_secrets(MaxResults=101), "ValidationException",
            message=("1 validation error detected: Value '101' at 'maxResults' failed to satisfy "
                     "constraint: Member must have value less than or equal to 100"))
        self.assertAwsError(
            lambda: raw.list_secrets(MaxResults=0), "ValidationException",
            message=("1 validation error detected: Value '0' at 'maxResults' failed to satisfy "
                     "constraint: Member must have value greater than or equal to 1"))
        self.assertAwsError(
            lambda: raw.list_secrets(Filters=[{"Key": "bogus", "Values": ["x"]}]),
            "ValidationException",
            message_contains=("Value 'bogus' at 'filters.1.member.key' failed to satisfy "
                              "constraint: Member must satisfy enum value set:",))
        self.assertAwsError(
            lambda: raw.list_secrets(Filters=[{"Key": "name", "Values": ["bad#value"]}]),
            "ValidationException",
            message_contains=("filters.1.member.values",
                              "Member must satisfy regular expression pattern"))
        self.assertAwsError(
            lambda: raw.list_secrets(SortOrder="sideways"), "ValidationException",
            message_contains=("Value 'sideways' at 'sortOrder'",
                              "Member must satisfy enum value set: [asc, desc]"))
        self.assertAwsError(
            lambda: raw.list_secrets(SortBy="size"), "ValidationException",
            message_contains=("Value 'size' at 'sortBy'",))
        self.assertAwsError(
            lambda: raw.list_secrets(NextToken="not-a-token"), "InvalidNextTokenException")


# ---------------------------------------------------------------------------------------------


class BatchGetSecretValueTest(SecretsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.prefix = f"batch-{os.getpid()}/"
        cls.arns = {}
        for i in range(5):
            name = f"{cls.prefix}s{i}"
            cls.arns[name] = cls.sm.create_secret(Name=name, SecretString=f"value-{i}")["ARN"]
        name = f"{cls.prefix}bin"
        cls.arns[name] = cls.sm.create_secret(Name=name, SecretBinary=b"\x00\x01")["ARN"]

    def test_secret_id_list_with_a_missing_secret_reports_an_error_entry(self):
        a, b = f"{self.prefix}s0", f"{self.prefix}s1"
        missing = f"{self.prefix}missing"
        r = self.sm.batch_get_secret_value(SecretIdList=[a, self.arns[b], missing])
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        values = {v["Name"]: v for v in r["SecretValues"]}
        self.assertEqual(set(values), {a, b})
        self.assertEqual(values[a]["SecretString"], "value-0")
        self.assertEqual(values[b]["SecretString"], "value-1")
        self.assertEqual(values[a]["ARN"], self.arns[a])
        self.assertEqual(values[a]["VersionStages"], ["AWSCURRENT"])
        self.assertTrue(values[a]["VersionId"])
        self.assertIsInstance(values[a]["CreatedDate"], datetime.datetime)
        self.assertEqual(len(r["Errors"]), 1)
        self.assertEqual(r["Errors"][0]["SecretId"], missing)
        self.assertEqual(r["Errors"][0]["ErrorCode"], "ResourceNotFoundException")
        self.assertEqual(r["Errors"][0]["Message"], NOT_FOUND)

    def test_binary_values(self):
        r = self.sm.batch_get_secret_value(SecretIdList=[f"{self.prefix}bin"])
        self.assertEqual(r["SecretValues"][0]["SecretBinary"], b"\x00\x01")
        self.assertNotIn("SecretString", r["SecretValues"][0])
        self.assertEqual(r.get("Errors", []), [])

    def test_secret_pending_deletion_is_an_error_entry(self):
        name = f"{self.prefix}pending"
        self.sm.create_secret(Name=name, SecretString="x")
        self.sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
        try:
            r = self.sm.batch_get_secret_value(SecretIdList=[name, f"{self.prefix}s2"])
            self.assertEqual([v["Name"] for v in r["SecretValues"]], [f"{self.prefix}s2"])
            self.assertEqual([e["SecretId"] for e in r["Errors"]], [name])
            self.assertEqual(r["Errors"][0]["ErrorCode"], "InvalidRequestException")
        finally:
            self.sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)

    def test_filters_and_pagination(self):
        expected = {n for n in self.arns}
        seen = []
        kwargs = {"Filters": [{"Key": "name", "Values": [self.prefix]}], "MaxResults": 2}
        for _ in range(20):
            r = self.sm.batch_get_secret_value(**kwargs)
            self.assertLessEqual(len(r["SecretValues"]), 2)
            seen.extend(v["Name"] for v in r["SecretValues"])
            if "NextToken" not in r:
                break
            kwargs["NextToken"] = r["NextToken"]
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(set(seen), expected)

        r = self.sm.batch_get_secret_value(
            Filters=[{"Key": "name", "Values": [f"{self.prefix}s"]}])
        self.assertEqual({v["Name"]: v["SecretString"] for v in r["SecretValues"]},
                         {f"{self.prefix}s{i}": f"value-{i}" for i in range(5)})

    def test_batch_argument_errors(self):
        one = f"{self.prefix}s0"
        bad_combo = ("InvalidParameterException", "InvalidRequestException", "ValidationException")
        self.assertAwsError(
            lambda: self.sm.batch_get_secret_value(
                SecretIdList=[one], Filters=[{"Key": "name", "Values": ["x"]}]),
            None, codes=bad_combo)
        self.assertAwsError(lambda: self.sm.batch_get_secret_value(), None, codes=bad_combo)
        self.assertAwsError(
            lambda: self.sm.batch_get_secret_value(SecretIdList=[one], MaxResults=5),
            None, codes=bad_combo)
        self.assertAwsError(
            lambda: self.sm_raw.batch_get_secret_value(SecretIdList=[one] * 21),
            "ValidationException",
            message_contains=("'secretIdList'",
                              "Member must have length less than or equal to 20"))
        self.assertAwsError(
            lambda: self.sm_raw.batch_get_secret_value(
                Filters=[{"Key": "name", "Values": ["x"]}], MaxResults=21),
            "ValidationException",
            message_contains=("'maxResults'", "Member must have value less than or equal to 20"))


# ---------------------------------------------------------------------------------------------


class TagsTest(SecretsTestCase):
    def tags(self, name):
        d = self.sm.describe_secret(SecretId=name)
        if "Tags" not in d:
            return None
        return {t["Key"]: t["Value"] for t in d["Tags"]}

    def test_tag_lifecycle(self):
        name, _ = self.create(SecretString="x", Tags=[{"Key": "env", "Value": "prod"}])
        self.assertEqual(self.tags(name), {"env": "prod"})
        r = self.sm.tag_resource(SecretId=name, Tags=[{"Key": "team", "Value": "core"},
                                                      {"Key": "env", "Value": "stage"},
                                                      {"Key": "empty", "Value": ""}])
        self.assertEqual(set(r) - {"ResponseMetadata"}, set())
        self.assertEqual(self.tags(name), {"env": "stage", "team": "core", "empty": ""})
        r = self.sm.untag_resource(SecretId=name, TagKeys=["team", "not-there"])
        self.assertEqual(set(r) - {"ResponseMetadata"}, set())
        self.assertEqual(self.tags(name), {"env": "stage", "empty": ""})
        # Keys are case sensitive.
        self.sm.tag_resource(SecretId=name, Tags=[{"Key": "ENV", "Value": "upper"}])
        self.assertEqual(self.tags(name), {"env": "stage", "ENV": "upper", "empty": ""})
        self.sm.untag_resource(SecretId=name, TagKeys=["env", "ENV", "empty"])
        self.assertEqual(self.tags(name), {})  # "Tags": [] once every tag is gone

    def test_untagged_secret_has_no_tags_field(self):
        name, _ = self.create(SecretString="x")
        self.assertIsNone(self.tags(name))
        self.sm.tag_resource(SecretId=name, Tags=[{"Key": "k", "Value": "v"}])
        self.assertEqual(self.tags(name), {"k": "v"})

    def test_tag_by_arn(self):
        name, c = self.create(SecretString="x")
        self.sm.tag_resource(SecretId=c["ARN"], Tags=[{"Key": "k", "Value": "v"}])
        self.sm.tag_resource(SecretId=c["ARN"][:-7], Tags=[{"Key": "k2", "Value": "v2"}])
        self.assertEqual(self.tags(name), {"k": "v", "k2": "v2"})

    def test_aws_prefix_is_reserved(self):
        name, _ = self.create(SecretString="x")
        self.assertAwsError(
            lambda: self.sm.tag_resource(SecretId=name, Tags=[{"Key": "aws:owner",
                                                               "Value": "me"}]),
            None, codes=("ValidationException", "InvalidParameterException"))
        self.assertAwsError(
            lambda: self.sm.create_secret(Name=self.unique(), SecretString="x",
                                          Tags=[{"Key": "aws:cloudformation", "Value": "x"}]),
            None, codes=("ValidationException", "InvalidParameterException"))
        self.assertIsNone(self.tags(name))

    def test_at_most_50_tags(self):
        name, _ = self.create(SecretString="x")
        self.sm.tag_resource(SecretId=name,
                             Tags=[{"Key": f"k{i}", "Value": str(i)} for i in range(50)])
        self.assertEqual(len(self.tags(name)), 50)
        self.assertAwsError(
            lambda: self.sm.tag_resource(SecretId=name, Tags=[{"Key": "k50", "Value": "x"}]),
            None, codes=("ValidationException", "InvalidParameterException",
                         "LimitExceededException"))
        self.assertEqual(len(self.tags(name)), 50)
        # Overwriting an existing key is not a new tag.
        self.sm.tag_resource(SecretId=name, Tags=[{"Key": "k0", "Value": "new"}])
        self.assertEqual(self.tags(name)["k0"], "new")

    def test_tag_length_limits(self):
        name, _ = self.create(SecretString="x")
        self.sm.tag_resource(SecretId=name, Tags=[{"Key": "k" * 128, "Value": "v" * 256}])
        self.assertAwsError(
            lambda: self.sm_raw.tag_resource(SecretId=name,
                                             Tags=[{"Key": "k" * 129, "Value": "v"}]),
            "ValidationException",
            message_contains=("tags.1.member.key",
                              "Member must have length less than or equal to 128"))
        self.assertAwsError(
            lambda: self.sm_raw.tag_resource(SecretId=name,
                                             Tags=[{"Key": "ok", "Value": "v" * 257}]),
            "ValidationException",
            message_contains=("tags.1.member.value",
                              "Member must have length less than or equal to 256"))
        self.assertAwsError(
            lambda: self.sm_raw.tag_resource(SecretId=name, Tags=[{"Key": "", "Value": "v"}]),
            "ValidationException",
            message_contains=("tags.1.member.key",
                              "Member must have length greater than or equal to 1"))
        self.assertEqual(self.tags(name), {"k" * 128: "v" * 256})


# ---------------------------------------------------------------------------------------------


class GetRandomPasswordTest(SecretsTestCase):
    def test_default_password(self):
        for _ in range(5):
            pw = self.sm.get_random_password()["RandomPassword"]
            self.assertEqual(len(pw), 32)
            allowed = set(string.ascii_letters + string.digits + PUNCTUATION)
            self.assertLessEqual(set(pw), allowed)
            self.assertTrue(set(pw) & set(string.ascii_uppercase), pw)
            self.assertTrue(set(pw) & set(string.ascii_lowercase), pw)
            self.assertTrue(set(pw) & set(string.digits), pw)
            self.assertTrue(set(pw) & set(PUNCTUATION), pw)
        a = self.sm.get_random_password()["RandomPassword"]
        b = self.sm.get_random_password()["RandomPassword"]
        self.assertNotEqual(a, b)

    def test_exclude_characters(self):
        excluded = "xyzDje@?!."
        pw = self.sm.get_random_password(PasswordLength=120,
                                         ExcludeCharacters=excluded)["RandomPassword"]
        self.assertEqual(len(pw), 120)
        self.assertFalse(set(pw) & set(excluded), pw)

    def test_exclude_classes(self):
        pw = self.sm.get_random_password(PasswordLength=64, ExcludeNumbers=True,
                                         ExcludePunctuation=True,
                                         ExcludeUppercase=True)["RandomPassword"]
        self.assertEqual(len(pw), 64)
        self.assertLessEqual(set(pw), set(string.ascii_lowercase))
        pw = self.sm.get_random_password(PasswordLength=64, ExcludeLowercase=True,
                                         ExcludeUppercase=True)["RandomPassword"]
        self.assertLessEqual(set(pw), set(string.digits + PUNCTUATION))
        self.assertTrue(set(pw) & set(string.digits))
        self.assertTrue(set(pw) & set(PUNCTUATION))

    def test_include_space(self):
        pw = self.sm.get_random_password(PasswordLength=4096, IncludeSpace=True)["RandomPassword"]
        self.assertEqual(len(pw), 4096)
        self.assertIn(" ", pw)
        pw = self.sm.get_random_password(PasswordLength=4096)["RandomPassword"]
        self.assertNotIn(" ", pw)

    def test_require_each_included_type_false_allows_short_passwords(self):
        pw = self.sm.get_random_password(PasswordLength=1,
                                         RequireEachIncludedType=False)["RandomPassword"]
        self.assertEqual(len(pw), 1)
        pw = self.sm.get_random_password(PasswordLength=4)["RandomPassword"]
        self.assertEqual(len(pw), 4)
        self.assertEqual(len({c in string.ascii_uppercase for c in pw} |
                             {c in string.ascii_lowercase for c in pw}), 2)

    def test_password_errors(self):
        self.assertAwsError(
            lambda: self.sm_raw.get_random_password(PasswordLength=4097), "ValidationException",
            message=("1 validation error detected: Value '4097' at 'passwordLength' failed to "
                     "satisfy constraint: Member must have value less than or equal to 4096"))
        self.assertAwsError(
            lambda: self.sm_raw.get_random_password(PasswordLength=0), "ValidationException",
            message=("1 validation error detected: Value '0' at 'passwordLength' failed to "
                     "satisfy constraint: Member must have value greater than or equal to 1"))
        self.assertAwsError(
            lambda: self.sm.get_random_password(PasswordLength=3), None,
            codes=("InvalidParameterException", "InvalidRequestException"))
        self.assertAwsError(
            lambda: self.sm.get_random_password(ExcludeNumbers=True, ExcludePunctuation=True,
                                                ExcludeUppercase=True, ExcludeLowercase=True),
            None, codes=("InvalidParameterException", "InvalidRequestException"))


# ---------------------------------------------------------------------------------------------


class ValidationTest(SecretsTestCase):
    BAD_NAMES = ("Inv Name", " Inv*Name? ", "bad#name", "semi;colon")

    def test_invalid_names_on_create(self):
        for bad in self.BAD_NAMES:
            self.assertAwsError(lambda: self.sm.create_secret(Name=bad, SecretString="x"),
                                "ValidationException", message=INVALID_NAME)

    def test_invalid_secret_ids_on_every_operation(self):
        for bad in self.BAD_NAMES[:2]:
            calls = {
                "DescribeSecret": lambda: self.sm.describe_secret(SecretId=bad),
                "GetSecretValue": lambda: self.sm.get_secret_value(SecretId=bad),
                "PutSecretValue": lambda: self.sm.put_secret_value(SecretId=bad,
                                                                   SecretString="x"),
                "UpdateSecret": lambda: self.sm.update_secret(SecretId=bad, Description="d"),
                "ListSecretVersionIds": lambda: self.sm.list_secret_version_ids(SecretId=bad),
                "DeleteSecret": lambda: self.sm.delete_secret(SecretId=bad,
                                                              ForceDeleteWithoutRecovery=True),
                "TagResource": lambda: self.sm.tag_resource(
                    SecretId=bad, Tags=[{"Key": "k", "Value": "v"}]),
                "UntagResource": lambda: self.sm.untag_resource(SecretId=bad, TagKeys=["k"]),
            }
            for op, call in calls.items():
                with self.subTest(op=op, id=bad):
                    self.assertAwsError(call, "ValidationException", message=INVALID_NAME)

    def test_all_allowed_name_characters(self):
        name = f"Az09/_+=.@-{os.getpid()}"
        self.sm.create_secret(Name=name, SecretString="ok")
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "ok")

    def test_length_limits(self):
        long_name = "n" * 513
        # (Whether AWS echoes a 513-character value in full is not known; check both ends.)
        self.assertAwsError(
            lambda: self.sm_raw.create_secret(Name=long_name, SecretString="x"),
            "ValidationException",
            message_regex=(r"^1 validation error detected: Value 'n+[^']*' at 'name' failed to "
                           r"satisfy constraint: Member must have length less than or equal to "
                           r"512$"))
        name = "n" * 512
        self.assertRegex(self.sm.create_secret(Name=name, SecretString="x")["ARN"],
                         arn_regex(name))
        self.assertAwsError(
            lambda: self.sm_raw.describe_secret(SecretId="s" * 2049), "ValidationException",
            message_contains=("at 'secretId' failed to satisfy constraint: Member must have "
                              "length less than or equal to 2048",))
        self.assertAwsError(
            lambda: self.sm_raw.describe_secret(SecretId=""), "ValidationException",
            message_contains=("at 'secretId' failed to satisfy constraint: Member must have "
                              "length greater than or equal to 1",))
        self.assertAwsError(
            lambda: self.sm_raw.create_secret(Name=self.unique(), Description="d" * 2049),
            "ValidationException",
            message_contains=("at 'description' failed to satisfy constraint: Member must have "
                              "length less than or equal to 2048",))
        self.assertAwsError(
            lambda: self.sm_raw.create_secret(Name=self.unique(), SecretString="x",
                                              ClientRequestToken="t" * 31),
            "ValidationException",
            message=("1 validation error detected: Value '" + "t" * 31 + "' at "
                     "'clientRequestToken' failed to satisfy constraint: Member must have length "
                     "greater than or equal to 32"))

    def test_version_id_too_short(self):
        name, _ = self.create(SecretString="x")
        self.assertAwsError(
            lambda: self.sm_raw.get_secret_value(SecretId=name, VersionId="AWSCURRENT"),
            "ValidationException",
            message=("1 validation error detected: Value 'AWSCURRENT' at 'versionId' failed to "
                     "satisfy constraint: Member must have length greater than or equal to 32"))

    def test_missing_required_member(self):
        self.assertAwsError(
            lambda: self.sm_raw.get_secret_value(), "ValidationException",
            message=("1 validation error detected: Value null at 'secretId' failed to satisfy "
                     "constraint: Member must not be null"))

    def test_several_errors_in_one_message(self):
        err = self.assertAwsError(
            lambda: self.sm_raw.get_secret_value(SecretId="", VersionId="short"),
            "ValidationException", message_regex=r"^2 validation errors detected: ")
        msg = err.response["Error"]["Message"]
        self.assertIn("'secretId'", msg)
        self.assertIn("'versionId'", msg)
        self.assertIn("; ", msg)

    def test_too_many_version_stages(self):
        name, _ = self.create(SecretString="x")
        self.assertAwsError(
            lambda: self.sm_raw.put_secret_value(SecretId=name, SecretString="y",
                                                 VersionStages=[f"S{i}" for i in range(21)]),
            "ValidationException",
            message_contains=("'versionStages'",
                              "Member must have length less than or equal to 20"))


# ---------------------------------------------------------------------------------------------


class AuthTest(SecretsTestCase):
    def test_unknown_access_key_id(self):
        bad = self.server.client(access_key_id="AKIAE2ENOSUCHKEY0001",
                                 secret_access_key=ROOT_SECRET_ACCESS_KEY)
        self.assertAwsError(lambda: bad.list_secrets(), "UnrecognizedClientException",
                            message="The security token included in the request is invalid.")

    def test_wrong_secret_access_key(self):
        bad = self.server.client(access_key_id=ROOT_ACCESS_KEY_ID,
                                 secret_access_key="wrong-secret-access-key-000000000")
        err = self.assertAwsError(lambda: bad.list_secrets(), "InvalidSignatureException")
        msg = err.response["Error"]["Message"]
        self.assertTrue(msg.startswith(SIGNATURE_MISMATCH), msg)
        # Real SM appends what it expected (aws/aws-sdk-net#3978).
        self.assertIn("\n\nThe Canonical String for this request should have been\n'POST\n/\n",
                      msg)
        self.assertIn("\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n", msg)
        self.assertNotIn("wrong-secret-access-key", msg)

    def test_unsigned_request(self):
        anon = self.server.client(unsigned=True)
        self.assertAwsError(lambda: anon.list_secrets(), "MissingAuthenticationTokenException",
                            message="Missing Authentication Token")
        r = self.server.aws_json_request("secretsmanager.ListSecrets", {}, sign=False)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {"__type": "MissingAuthenticationTokenException",
                                    "message": "Missing Authentication Token"})
        self.assertTrue(r.headers.get("x-amzn-requestid"))

    def test_signed_for_another_service(self):
        r = self.server.aws_json_request("secretsmanager.ListSecrets", {}, signing_name="kms")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {
            "__type": "InvalidSignatureException",
            "message": "Credential should be scoped to correct service: 'secretsmanager'. "})

    def test_signed_for_another_region_is_accepted(self):
        # Issue 2 specifies "any region" in the credential scope: one Coffer serves clients
        # configured for any region (its ARNs keep the region it was started with). Real AWS
        # endpoints accept only their own region.
        r = self.server.aws_json_request("secretsmanager.ListSecrets", {}, region="eu-west-1")
        self.assertEqual(r.status, 200, r)
        self.assertIn("SecretList", r.json())

    def test_malformed_region_in_scope(self):
        r = self.server.aws_json_request("secretsmanager.ListSecrets", {}, region="EU_WEST")
        self.assertEqual(r.status, 400)
        body = r.json()
        self.assertEqual(body["__type"], "InvalidSignatureException")
        self.assertEqual(body["message"],
                         "Credential should be scoped to a valid region, not 'EU_WEST'. ")

    def test_default_skew_window_is_fifteen_minutes(self):
        # Issue 2 specifies a 15-minute window (AWS's SigV4 documentation); 10 minutes passes.
        now = datetime.datetime.now(datetime.timezone.utc)
        r = self.server.aws_json_request("secretsmanager.ListSecrets", {},
                                         amz_date=now - datetime.timedelta(minutes=10))
        self.assertEqual(r.status, 200, r)
        old = now - datetime.timedelta(minutes=16)
        r = self.server.aws_json_request("secretsmanager.ListSecrets", {}, amz_date=old)
        self.assertEqual(r.status, 400, r)
        stamp = old.strftime("%Y%m%dT%H%M%SZ")
        self.assertRegex(r.json()["message"],
                         "^Signature expired: " + stamp +
                         r" is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$")

    def test_signature_far_in_the_past_or_future(self):
        old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=2)
        r = self.server.aws_json_request("secretsmanager.ListSecrets", {}, amz_date=old)
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["__type"], "InvalidSignatureException")
        self.assertTrue(r.json()["message"].startswith(
            "Signature expired: " + old.strftime("%Y%m%dT%H%M%SZ") + " is now earlier than "),
            r)
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)
        r = self.server.aws_json_request("secretsmanager.ListSecrets", {}, amz_date=future)
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["__type"], "InvalidSignatureException")
        self.assertTrue(r.json()["message"].startswith(
            "Signature not yet current: " + future.strftime("%Y%m%dT%H%M%SZ") +
            " is still later than "), r)

    def test_incomplete_authorization_header(self):
        hdrs = {"Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "secretsmanager.ListSecrets",
                "X-Amz-Date": datetime.datetime.now(datetime.timezone.utc).strftime(
                    "%Y%m%dT%H%M%SZ"),
                "Authorization": (f"AWS4-HMAC-SHA256 Credential={ROOT_ACCESS_KEY_ID}/20250101/"
                                  "us-east-1/secretsmanager/aws4_request, "
                                  "SignedHeaders=host;x-amz-date")}
        r = self.server.http_request("POST", "/", body=b"{}", headers=hdrs)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["__type"], "IncompleteSignatureException")
        self.assertIn("Authorization header requires 'Signature' parameter.", r.json()["message"])

        hdrs["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={ROOT_ACCESS_KEY_ID}/20250101/"
                                 "us-east-1, SignedHeaders=host;x-amz-date, Signature=abcd")
        r = self.server.http_request("POST", "/", body=b"{}", headers=hdrs)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["__type"], "IncompleteSignatureException")
        self.assertEqual(r.json()["message"],
                         "Credential must have exactly 5 slash-delimited elements, e.g. "
                         "keyid/date/region/service/term, got "
                         f"'{ROOT_ACCESS_KEY_ID}/20250101/us-east-1'")

    def test_own_signer_is_accepted(self):
        # Guards the tests above: a correctly signed raw request succeeds.
        r = self.server.aws_json_request("secretsmanager.ListSecrets", {})
        self.assertEqual(r.status, 200, r)
        self.assertIn("SecretList", r.json())


# ---------------------------------------------------------------------------------------------


class RawHttpTest(SecretsTestCase):
    def assert_aws_headers(self, r):
        self.assertTrue(r.headers.get("x-amzn-requestid"), r)
        self.assertRegex(r.headers["x-amzn-requestid"], r"^[0-9a-fA-F-]{36}$")
        self.assertIn("date", r.headers)
        parsed = datetime.datetime.strptime(r.headers["date"], "%a, %d %b %Y %H:%M:%S GMT")
        self.assertLess(abs(parsed.replace(tzinfo=datetime.timezone.utc).timestamp()
                            - time.time()), 300)
        self.assertEqual(r.headers.get("content-type"), "application/x-amz-json-1.1")

    def test_malformed_json_is_serialization_exception(self):
        r = self.server.aws_json_request("secretsmanager.ListSecrets", b'{"MaxResults": ')
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["__type"], "SerializationException")
        self.assertTrue(r.headers.get("x-amzn-errortype", "").startswith("SerializationException"),
                        r)
        self.assert_aws_headers(r)

    def test_wrong_member_type_is_serialization_exception(self):
        r = self.server.aws_json_request("secretsmanager.DescribeSecret", {"SecretId": 5})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["__type"], "SerializationException")
        r = self.server.aws_json_request("secretsmanager.ListSecrets", [1, 2])
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["__type"], "SerializationException")

    def test_unknown_operation(self):
        r = self.server.aws_json_request("secretsmanager.NoSuchOperation", {})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["__type"], "UnknownOperationException")
        self.assertTrue(r.headers.get("x-amzn-requestid"))
        r = self.server.aws_json_request("NoSuchService_20991231.ListThings", {},
                                         signing_name="secretsmanager")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["__type"], "UnknownOperationException")

    def test_create_without_client_request_token(self):
        name = self.unique()
        r = self.server.aws_json_request("secretsmanager.CreateSecret",
                                         {"Name": name, "SecretString": "x"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json(), {
            "__type": "InvalidRequestException",
            "Message": "You must provide a ClientRequestToken value. We recommend a UUID-type "
                       "value."})
        self.assert_aws_headers(r)
        self.assertAwsError(lambda: self.sm.describe_secret(SecretId=name),
                            "ResourceNotFoundException")
        # PutSecretValue has the same rule.
        self.sm.create_secret(Name=name, SecretString="x")
        r = self.server.aws_json_request("secretsmanager.PutSecretValue",
                                         {"SecretId": name, "SecretString": "y"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["__type"], "InvalidRequestException")

    def test_raw_success_response_and_binary_as_base64(self):
        name = self.unique()
        tok = token()
        r = self.server.aws_json_request(
            "secretsmanager.CreateSecret",
            {"Name": name, "SecretBinary": base64.b64encode(b"\x00\xffraw").decode(),
             "ClientRequestToken": tok})
        self.assertEqual(r.status, 200, r)
        self.assert_aws_headers(r)
        self.assertEqual(r.json()["VersionId"], tok)
        r = self.server.aws_json_request("secretsmanager.GetSecretValue", {"SecretId": name})
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(base64.b64decode(body["SecretBinary"]), b"\x00\xffraw")
        self.assertIsInstance(body["CreatedDate"], (int, float))

    def test_service_error_uses_capital_message_key(self):
        r = self.server.aws_json_request("secretsmanager.DescribeSecret",
                                         {"SecretId": self.unique("missing")})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json(), {"__type": "ResourceNotFoundException", "Message": NOT_FOUND})
        self.assert_aws_headers(r)

    def test_body_over_one_mib_is_refused_with_413(self):
        big = b'{"SecretId":"' + b"a" * (1024 * 1024) + b'"}'
        r = self.server.aws_json_request("secretsmanager.DescribeSecret", big)
        self.assertEqual(r.status, 413, r)
        # The server still works afterwards.
        self.assertEqual(self.server.aws_json_request("secretsmanager.ListSecrets", {}).status, 200)

    def test_health_endpoints(self):
        r = self.server.http_request("GET", "/health/live")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["status"], "ok")
        r = self.server.http_request("GET", "/health/ready")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["status"], "ready")

    def test_metrics(self):
        self.sm.list_secrets()
        r = self.server.http_request("GET", "/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers.get("content-type", "").startswith("text/plain"))
        text = r.body.decode()
        self.assertIn("coffer_requests_total", text)
        self.assertRegex(text, r'coffer_requests_total\{[^}]*operation="ListSecrets"[^}]*\} \d+')
        self.assertNotIn("e2e-secret-access-key", text)


class FiveMinuteSkewTest(CofferTestCase):
    """With --max-clock-skew-seconds 300 Coffer answers as real Secrets Manager endpoints do
    (5 minutes, boto/botocore#3587)."""

    server_options = {"extra_args": ["--max-clock-skew-seconds", "300"]}

    def test_signature_expired_after_five_minutes(self):
        old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)
        r = self.server.aws_json_request("secretsmanager.ListSecrets", {}, amz_date=old)
        self.assertEqual(r.status, 400, r)
        body = r.json()
        self.assertEqual(body["__type"], "InvalidSignatureException")
        stamp = old.strftime("%Y%m%dT%H%M%SZ")
        self.assertRegex(body["message"],
                         "^Signature expired: " + stamp +
                         r" is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$")
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=6)
        r = self.server.aws_json_request("secretsmanager.ListSecrets", {}, amz_date=future)
        self.assertRegex(r.json()["message"], r"\+ 5 min\.\)$")


if __name__ == "__main__":
    run_tests()
