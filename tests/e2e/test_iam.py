"""IAM and STS end to end, over the query protocol, with boto3 and the aws CLI.

Covers every IAM operation Coffer serves (users, access keys, roles, inline and managed
policies, OIDC providers) through both clients, IAM's error codes and statuses, Marker/MaxItems
pagination, the URL-encoded policy documents on the wire, and authorization: a user whose
inline policy allows secretsmanager:GetSecretValue on one secret reads that secret and nothing
else, and is refused every iam: call. STS: GetCallerIdentity for the root, a user and an
AssumeRole session; GetSessionToken credentials; AssumeRoleWithWebIdentity's unsigned errors.

Run: python3 tests/e2e/test_iam.py   (COFFER_BIN selects the binary)
"""

import base64
import concurrent.futures
import datetime
import json
import os
import re
import sys
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

import boto3
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (DEFAULT_ACCOUNT_ID, HTTP_TIMEOUT, CofferTestCase, run_tests,  # noqa: E402
                     sigv4_headers)

ACCOUNT = DEFAULT_ACCOUNT_ID
ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"
IAM_NS = "{https://iam.amazonaws.com/doc/2010-05-08/}"
# awscli v1 exits 255 on a service error; v2 exits 254.
SERVICE_ERROR_RCS = (254, 255)
THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"


def user_arn(name, path="/"):
    return f"arn:aws:iam::{ACCOUNT}:user{path}{name}"


def role_arn(name, path="/"):
    return f"arn:aws:iam::{ACCOUNT}:role{path}{name}"


def allow(action, resource="*"):
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}


def trust(principal):
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal,
                           "Action": "sts:AssumeRole"}]}


def denied_message(who_arn, action):
    """AWS's AccessDenied text for an identity without an allowing policy (actions on no
    particular resource, such as iam:ListUsers, name none)."""
    return re.compile("^User: " + re.escape(who_arn) + " is not authorized to perform: "
                      + re.escape(action) + r"(?: on resource: \S+)? because no identity-based "
                      "policy allows the " + re.escape(action) + " action$")


class IamTestBase(CofferTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.server.client("iam")
        cls.sts = cls.server.client("sts")
        cls.sm = cls.server.client("secretsmanager")

    # ---- helpers ---------------------------------------------------------------------------

    def client_for(self, service, access_key_id, secret_access_key, session_token=None,
                   parameter_validation=True):
        """A boto3 client with these credentials (the harness's has no session token)."""
        session = boto3.session.Session(
            botocore_session=self.server.botocore_session(),
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
            aws_session_token=session_token, region_name=self.server.region)
        cfg = Config(retries={"total_max_attempts": 1, "mode": "standard"},
                     connect_timeout=10, read_timeout=HTTP_TIMEOUT,
                     parameter_validation=parameter_validation)
        return session.client(service, endpoint_url=self.server.endpoint_url, config=cfg)

    def new_user(self, policy=None, path="/"):
        """A user (with an inline policy `policy`, a dict) and one access key.

        Returns (name, arn, access_key_id, secret_access_key)."""
        name = self.unique("user")
        self.iam.create_user(UserName=name, Path=path)
        if policy is not None:
            self.iam.put_user_policy(UserName=name, PolicyName="p",
                                     PolicyDocument=json.dumps(policy))
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        return name, user_arn(name, path), key["AccessKeyId"], key["SecretAccessKey"]

    def query(self, service, action, params, version="2010-05-08", access_key_id=None,
              secret_access_key=None):
        """A raw signed query-protocol POST; returns (status, parsed XML root, body text)."""
        form = {"Action": action, "Version": version, **params}
        body = urllib.parse.urlencode(form, quote_via=urllib.parse.quote).encode()
        headers = sigv4_headers(
            "POST", self.server.endpoint_url + "/",
            {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body,
            access_key_id or self.server.access_key_id,
            secret_access_key or self.server.secret_access_key, self.server.region, service)
        r = self.server.http_request("POST", "/", body=body, headers=headers)
        text = r.body.decode("utf-8")
        return r.status, ET.fromstring(text), text

    def cli(self, *args, **kwargs):
        """Runs `aws <args>`, asserts success; returns the parsed JSON (None if empty)."""
        r = self.server.aws(*args, **kwargs)
        self.assertEqual(r.rc, 0, r)
        return r.json() if r.stdout.strip() else None

    def cli_error(self, code, operation, *args, **kwargs):
        """Runs `aws <args>`, asserts it failed with this AWS error; returns the message."""
        r = self.server.aws(*args, **kwargs)
        self.assertIn(r.rc, SERVICE_ERROR_RCS, r)
        m = re.search(r"An error occurred \(" + re.escape(code) + r"\) when calling the "
                      + re.escape(operation) + r" operation(?: \(reached max retries: \d+\))?: "
                      r"(.*)", r.stderr, re.S)
        self.assertIsNotNone(m, f"expected {code} from {operation}: {r!r}")
        return m.group(1).strip()

    @staticmethod
    def parallel(*calls):
        """Runs independent calls concurrently (each CLI start costs about a second)."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, len(calls))) as pool:
            futures = [pool.submit(c) for c in calls]
            return [f.result(timeout=180) for f in futures]


class IamBoto3Test(IamTestBase):
    # ---- users -----------------------------------------------------------------------------

    def test_user_lifecycle_tags_and_errors(self):
        name = self.unique("user")
        created = self.iam.create_user(UserName=name, Path="/team/",
                                       Tags=[{"Key": "team", "Value": "a"}])["User"]
        self.assertEqual(created["UserName"], name)
        self.assertEqual(created["Path"], "/team/")
        self.assertEqual(created["Arn"], user_arn(name, "/team/"))
        self.assertRegex(created["UserId"], r"^AIDA[A-Z2-7]{17}$")
        self.assertIsInstance(created["CreateDate"], datetime.datetime)
        self.assertEqual(created["Tags"], [{"Key": "team", "Value": "a"}])

        got = self.iam.get_user(UserName=name)["User"]
        self.assertEqual(got["UserId"], created["UserId"])
        self.assertEqual(got["CreateDate"], created["CreateDate"])
        listed = self.iam.list_users(PathPrefix="/team/")
        self.assertFalse(listed["IsTruncated"])
        self.assertIn(name, [u["UserName"] for u in listed["Users"]])
        self.assertNotIn(name, [u["UserName"] for u in
                                self.iam.list_users(PathPrefix="/other/")["Users"]])

        self.iam.tag_user(UserName=name, Tags=[{"Key": "env", "Value": "prod"},
                                               {"Key": "team", "Value": "b"}])
        tags = self.iam.list_user_tags(UserName=name)
        self.assertFalse(tags["IsTruncated"])
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags["Tags"]),
                         [("env", "prod"), ("team", "b")])
        self.iam.untag_user(UserName=name, TagKeys=["team"])
        self.assertEqual(self.iam.list_user_tags(UserName=name)["Tags"],
                         [{"Key": "env", "Value": "prod"}])

        self.assertAwsError(lambda: self.iam.create_user(UserName=name), "EntityAlreadyExists",
                            status=409, message_contains=name)
        self.iam.delete_user(UserName=name)
        for call in (lambda: self.iam.get_user(UserName=name),
                     lambda: self.iam.delete_user(UserName=name),
                     lambda: self.iam.list_user_tags(UserName=name),
                     lambda: self.iam.tag_user(UserName=name, Tags=[{"Key": "k", "Value": "v"}])):
            self.assertAwsError(call, "NoSuchEntity", status=404, message_contains=name)

    def test_get_user_without_a_name_is_the_caller(self):
        root = self.iam.get_user()["User"]
        self.assertEqual(root["Arn"], ROOT_ARN)
        self.assertEqual(root["UserId"], ACCOUNT)
        name, arn, key_id, secret = self.new_user(allow("iam:GetUser"))
        me = self.client_for("iam", key_id, secret).get_user()["User"]
        self.assertEqual(me["UserName"], name)
        self.assertEqual(me["Arn"], arn)

    def test_invalid_input(self):
        self.assertAwsError(lambda: self.iam.create_user(UserName=self.unique("u"),
                                                         Path="no-slashes"),
                            "InvalidInput", status=400)
        # Model constraints are checked by the protocol: ValidationError.
        unchecked = self.server.client("iam", parameter_validation=False)
        self.assertAwsError(lambda: unchecked.list_users(MaxItems=0), "ValidationError",
                            status=400)
        self.assertAwsError(lambda: unchecked.update_role(RoleName="r", MaxSessionDuration=50000),
                            "ValidationError", status=400)

    # ---- access keys -----------------------------------------------------------------------

    def test_access_keys_limit_status_and_delete_conflict(self):
        name = self.unique("user")
        self.iam.create_user(UserName=name)
        k1 = self.iam.create_access_key(UserName=name)["AccessKey"]
        self.assertEqual(k1["UserName"], name)
        self.assertEqual(k1["Status"], "Active")
        self.assertRegex(k1["AccessKeyId"], r"^AKIA[A-Z0-9]{16}$")
        self.assertEqual(len(k1["SecretAccessKey"]), 40)
        k2 = self.iam.create_access_key(UserName=name)["AccessKey"]
        self.assertAwsError(lambda: self.iam.create_access_key(UserName=name), "LimitExceeded",
                            status=409)

        listed = self.iam.list_access_keys(UserName=name)
        self.assertFalse(listed["IsTruncated"])
        self.assertEqual(sorted(k["AccessKeyId"] for k in listed["AccessKeyMetadata"]),
                         sorted([k1["AccessKeyId"], k2["AccessKeyId"]]))
        for k in listed["AccessKeyMetadata"]:
            self.assertEqual(k["Status"], "Active")
            self.assertEqual(k["UserName"], name)
            self.assertNotIn("SecretAccessKey", k)
        page = self.iam.list_access_keys(UserName=name, MaxItems=1)
        self.assertTrue(page["IsTruncated"])
        rest = self.iam.list_access_keys(UserName=name, Marker=page["Marker"])
        self.assertEqual(len(page["AccessKeyMetadata"]) + len(rest["AccessKeyMetadata"]), 2)

        # The new key works at once, and stops working when made inactive.
        sts = self.client_for("sts", k1["AccessKeyId"], k1["SecretAccessKey"])
        self.assertEqual(sts.get_caller_identity()["Arn"], user_arn(name))
        self.iam.update_access_key(UserName=name, AccessKeyId=k1["AccessKeyId"],
                                   Status="Inactive")
        statuses = {k["AccessKeyId"]: k["Status"] for k in
                    self.iam.list_access_keys(UserName=name)["AccessKeyMetadata"]}
        self.assertEqual(statuses[k1["AccessKeyId"]], "Inactive")
        self.assertEqual(statuses[k2["AccessKeyId"]], "Active")
        self.assertAwsError(sts.get_caller_identity, "InvalidClientTokenId", status=403)

        self.assertAwsError(lambda: self.iam.delete_user(UserName=name), "DeleteConflict",
                            status=409)
        self.assertAwsError(lambda: self.iam.delete_access_key(UserName=name,
                                                               AccessKeyId="AKIANOSUCHKEY0000000"),
                            "NoSuchEntity", status=404)
        for k in (k1, k2):
            self.iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
        self.assertEqual(self.iam.list_access_keys(UserName=name)["AccessKeyMetadata"], [])
        self.iam.delete_user(UserName=name)

    def test_access_keys_without_user_name_are_the_callers(self):
        name, _, key_id, secret = self.new_user(
            allow(["iam:CreateAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey",
                   "iam:DeleteAccessKey"], user_arn("${aws:username}")))
        me = self.client_for("iam", key_id, secret)
        second = me.create_access_key()["AccessKey"]
        self.assertEqual(second["UserName"], name)
        ids = sorted(k["AccessKeyId"] for k in me.list_access_keys()["AccessKeyMetadata"])
        self.assertEqual(ids, sorted([key_id, second["AccessKeyId"]]))
        me.update_access_key(AccessKeyId=second["AccessKeyId"], Status="Inactive")
        me.delete_access_key(AccessKeyId=second["AccessKeyId"])
        self.assertEqual([k["AccessKeyId"] for k in
                          self.iam.list_access_keys(UserName=name)["AccessKeyMetadata"]],
                         [key_id])
        # The policy names only the caller's own user.
        other = self.unique("user")
        self.iam.create_user(UserName=other)
        self.assertAwsError(lambda: me.create_access_key(UserName=other), "AccessDenied",
                            status=403)

    # ---- roles -----------------------------------------------------------------------------

    def test_role_lifecycle(self):
        name = self.unique("role")
        doc = trust({"Service": "ec2.amazonaws.com"})
        created = self.iam.create_role(RoleName=name, Path="/svc/",
                                       AssumeRolePolicyDocument=json.dumps(doc),
                                       Description="a role", MaxSessionDuration=7200,
                                       Tags=[{"Key": "k", "Value": "v"}])["Role"]
        self.assertEqual(created["Arn"], role_arn(name, "/svc/"))
        self.assertRegex(created["RoleId"], r"^AROA[A-Z2-7]{17}$")
        # botocore URL-decodes and parses policy documents (json_decode_policies).
        self.assertEqual(created["AssumeRolePolicyDocument"], doc)
        self.assertEqual(created["MaxSessionDuration"], 7200)
        self.assertEqual(created["Description"], "a role")

        got = self.iam.get_role(RoleName=name)["Role"]
        self.assertEqual(got["AssumeRolePolicyDocument"], doc)
        self.assertEqual(got["Tags"], [{"Key": "k", "Value": "v"}])
        self.assertEqual(got["RoleLastUsed"], {})
        listed = self.iam.list_roles(PathPrefix="/svc/")["Roles"]
        self.assertIn(name, [r["RoleName"] for r in listed])

        self.iam.update_role(RoleName=name, Description="changed", MaxSessionDuration=3600)
        doc2 = trust({"AWS": ROOT_ARN})
        self.iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(doc2))
        got = self.iam.get_role(RoleName=name)["Role"]
        self.assertEqual(got["Description"], "changed")
        self.assertEqual(got["MaxSessionDuration"], 3600)
        self.assertEqual(got["AssumeRolePolicyDocument"], doc2)

        self.iam.tag_role(RoleName=name, Tags=[{"Key": "a", "Value": "1"}])
        self.iam.untag_role(RoleName=name, TagKeys=["k"])
        self.assertEqual(self.iam.list_role_tags(RoleName=name)["Tags"],
                         [{"Key": "a", "Value": "1"}])

        self.assertAwsError(
            lambda: self.iam.create_role(RoleName=name,
                                         AssumeRolePolicyDocument=json.dumps(doc)),
            "EntityAlreadyExists", status=409)
        self.iam.put_role_policy(RoleName=name, PolicyName="inline",
                                 PolicyDocument=json.dumps(allow("s3:GetObject")))
        self.assertAwsError(lambda: self.iam.delete_role(RoleName=name), "DeleteConflict",
                            status=409)
        self.iam.delete_role_policy(RoleName=name, PolicyName="inline")
        self.iam.delete_role(RoleName=name)
        self.assertAwsError(lambda: self.iam.get_role(RoleName=name), "NoSuchEntity", status=404)

    def test_policy_documents_are_url_encoded_on_the_wire(self):
        name = self.unique("role")
        doc = json.dumps(trust({"Service": "ec2.amazonaws.com"}), indent=2)
        self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc)
        status, root, text = self.query("iam", "GetRole", {"RoleName": name})
        self.assertEqual(status, 200, text)
        wire = root.find(f"{IAM_NS}GetRoleResult/{IAM_NS}Role/{IAM_NS}AssumeRolePolicyDocument")
        self.assertIsNotNone(wire, text)
        # RFC 3986: only unreserved characters stay as they are ('+' would not decode as space).
        self.assertRegex(wire.text, r"^[A-Za-z0-9%._~-]+$")
        self.assertTrue(wire.text.startswith("%7B%0A%20%20%22Version%22%3A%20"), wire.text)
        self.assertEqual(urllib.parse.unquote(wire.text), doc)

        user = self.unique("user")
        self.iam.create_user(UserName=user)
        udoc = json.dumps(allow("secretsmanager:List*"))
        self.iam.put_user_policy(UserName=user, PolicyName="Pol", PolicyDocument=udoc)
        status, root, text = self.query("iam", "GetUserPolicy",
                                        {"UserName": user, "PolicyName": "pol"})
        self.assertEqual(status, 200, text)
        result = root.find(f"{IAM_NS}GetUserPolicyResult")
        self.assertEqual(result.find(f"{IAM_NS}PolicyName").text, "Pol")
        self.assertEqual(urllib.parse.unquote(result.find(f"{IAM_NS}PolicyDocument").text), udoc)

    # ---- inline policies -------------------------------------------------------------------

    def test_inline_policies_of_users_and_roles(self):
        user = self.unique("user")
        role = self.unique("role")
        self.iam.create_user(UserName=user)
        self.iam.create_role(RoleName=role,
                             AssumeRolePolicyDocument=json.dumps(trust({"AWS": ROOT_ARN})))
        doc = allow("secretsmanager:GetSecretValue",
                    f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:x-*")
        for kind, holder in (("user", user), ("role", role)):
            put = getattr(self.iam, f"put_{kind}_policy")
            get = getattr(self.iam, f"get_{kind}_policy")
            lst = getattr(self.iam, f"list_{kind}_policies")
            delete = getattr(self.iam, f"delete_{kind}_policy")
            key = "UserName" if kind == "user" else "RoleName"
            for n in ("b", "a", "c"):
                put(**{key: holder}, PolicyName=n, PolicyDocument=json.dumps(doc))
            got = get(**{key: holder}, PolicyName="a")
            self.assertEqual(got[key], holder)
            self.assertEqual(got["PolicyName"], "a")
            self.assertEqual(got["PolicyDocument"], doc)
            listed = lst(**{key: holder})
            self.assertEqual(listed["PolicyNames"], ["a", "b", "c"])
            self.assertFalse(listed["IsTruncated"])
            first = lst(**{key: holder}, MaxItems=2)
            self.assertEqual(first["PolicyNames"], ["a", "b"])
            self.assertTrue(first["IsTruncated"])
            second = lst(**{key: holder}, MaxItems=2, Marker=first["Marker"])
            self.assertEqual(second["PolicyNames"], ["c"])
            self.assertFalse(second["IsTruncated"])
            self.assertNotIn("Marker", second)
            delete(**{key: holder}, PolicyName="b")
            self.assertEqual(lst(**{key: holder})["PolicyNames"], ["a", "c"])
            self.assertAwsError(lambda: get(**{key: holder}, PolicyName="b"), "NoSuchEntity",
                                status=404)
            self.assertAwsError(lambda: delete(**{key: holder}, PolicyName="b"), "NoSuchEntity",
                                status=404)

    def test_malformed_policy_documents(self):
        user = self.unique("user")
        self.iam.create_user(UserName=user)
        bad = ['{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*",'
               '"Resource":"*"}]}',
               "this is not JSON",
               '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*"}]}']
        for doc in bad:
            self.assertAwsError(lambda: self.iam.put_user_policy(UserName=user, PolicyName="p",
                                                                 PolicyDocument=doc),
                                "MalformedPolicyDocument", status=400)
        self.assertAwsError(lambda: self.iam.create_policy(PolicyName=self.unique("pol"),
                                                           PolicyDocument=bad[0]),
                            "MalformedPolicyDocument", status=400)
        # A trust policy must name a principal.
        self.assertAwsError(
            lambda: self.iam.create_role(RoleName=self.unique("role"),
                                         AssumeRolePolicyDocument=json.dumps(allow("*"))),
            "MalformedPolicyDocument", status=400)
        self.assertEqual(self.iam.list_user_policies(UserName=user)["PolicyNames"], [])

    # ---- managed policies ------------------------------------------------------------------

    def test_managed_policies_versions_and_attachments(self):
        name = self.unique("pol")
        v1 = allow("secretsmanager:DescribeSecret")
        v2 = allow("secretsmanager:ListSecrets")
        p = self.iam.create_policy(PolicyName=name, Path="/mp/", PolicyDocument=json.dumps(v1),
                                   Description="desc", Tags=[{"Key": "k", "Value": "v"}])["Policy"]
        arn = f"arn:aws:iam::{ACCOUNT}:policy/mp/{name}"
        self.assertEqual(p["Arn"], arn)
        self.assertEqual(p["DefaultVersionId"], "v1")
        self.assertEqual(p["AttachmentCount"], 0)
        self.assertTrue(p["IsAttachable"])
        self.assertRegex(p["PolicyId"], r"^ANPA[A-Z2-7]{17}$")
        got = self.iam.get_policy(PolicyArn=arn)["Policy"]
        self.assertEqual(got["Description"], "desc")
        self.assertEqual(got["Tags"], [{"Key": "k", "Value": "v"}])
        self.assertAwsError(lambda: self.iam.create_policy(PolicyName=name,
                                                           PolicyDocument=json.dumps(v1)),
                            "EntityAlreadyExists", status=409)

        nv = self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(v2),
                                            SetAsDefault=True)["PolicyVersion"]
        self.assertEqual(nv["VersionId"], "v2")
        self.assertTrue(nv["IsDefaultVersion"])
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v2")
        old = self.iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
        self.assertEqual(old["Document"], v1)
        self.assertFalse(old["IsDefaultVersion"])
        versions = self.iam.list_policy_versions(PolicyArn=arn)
        self.assertEqual([(v["VersionId"], v["IsDefaultVersion"]) for v in versions["Versions"]],
                         [("v1", False), ("v2", True)])
        self.assertFalse(versions["IsTruncated"])
        self.iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
        self.assertAwsError(lambda: self.iam.delete_policy_version(PolicyArn=arn, VersionId="v1"),
                            "DeleteConflict", status=409)
        self.assertAwsError(lambda: self.iam.get_policy_version(PolicyArn=arn, VersionId="v9"),
                            "NoSuchEntity", status=404)
        for _ in range(3):
            self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(v2))
        self.assertAwsError(lambda: self.iam.create_policy_version(PolicyArn=arn,
                                                                   PolicyDocument=json.dumps(v2)),
                            "LimitExceeded", status=409)
        for v in ("v2", "v3", "v4", "v5"):
            self.iam.delete_policy_version(PolicyArn=arn, VersionId=v)

        user = self.unique("user")
        role = self.unique("role")
        self.iam.create_user(UserName=user)
        self.iam.create_role(RoleName=role,
                             AssumeRolePolicyDocument=json.dumps(trust({"AWS": ROOT_ARN})))
        self.iam.attach_user_policy(UserName=user, PolicyArn=arn)
        self.iam.attach_role_policy(RoleName=role, PolicyArn=arn)
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"], 2)
        self.assertEqual(self.iam.list_attached_user_policies(UserName=user)["AttachedPolicies"],
                         [{"PolicyName": name, "PolicyArn": arn}])
        self.assertEqual(self.iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"],
                         [{"PolicyName": name, "PolicyArn": arn}])
        self.assertEqual(self.iam.list_attached_role_policies(
            RoleName=role, PathPrefix="/other/")["AttachedPolicies"], [])
        attached = self.iam.list_policies(Scope="Local", OnlyAttached=True, PathPrefix="/mp/")
        self.assertIn(arn, [x["Arn"] for x in attached["Policies"]])
        self.assertEqual(self.iam.list_policies(Scope="AWS")["Policies"], [])
        self.assertIn(arn, [x["Arn"] for x in self.iam.list_policies()["Policies"]])
        self.assertAwsError(lambda: self.iam.delete_policy(PolicyArn=arn), "DeleteConflict",
                            status=409)
        self.assertAwsError(lambda: self.iam.delete_user(UserName=user), "DeleteConflict",
                            status=409)

        self.iam.detach_user_policy(UserName=user, PolicyArn=arn)
        self.iam.detach_role_policy(RoleName=role, PolicyArn=arn)
        self.assertAwsError(lambda: self.iam.detach_role_policy(RoleName=role, PolicyArn=arn),
                            "NoSuchEntity", status=404)
        self.assertNotIn(arn, [x["Arn"] for x in
                               self.iam.list_policies(OnlyAttached=True)["Policies"]])
        self.iam.delete_policy(PolicyArn=arn)
        self.assertAwsError(lambda: self.iam.get_policy(PolicyArn=arn), "NoSuchEntity",
                            status=404)
        self.assertAwsError(lambda: self.iam.attach_user_policy(UserName=user, PolicyArn=arn),
                            "NoSuchEntity", status=404)

    # ---- OIDC providers --------------------------------------------------------------------

    def test_oidc_providers(self):
        host = f"oidc-{self.unique('h')}.example.com/id/abc"
        created = self.iam.create_open_id_connect_provider(
            Url=f"https://{host}", ClientIDList=["sts.amazonaws.com"],
            ThumbprintList=[THUMBPRINT], Tags=[{"Key": "k", "Value": "v"}])
        arn = created["OpenIDConnectProviderArn"]
        self.assertEqual(arn, f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}")
        self.assertEqual(created["Tags"], [{"Key": "k", "Value": "v"}])
        got = self.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        self.assertEqual(got["Url"], host)
        self.assertEqual(got["ClientIDList"], ["sts.amazonaws.com"])
        self.assertEqual(got["ThumbprintList"], [THUMBPRINT])
        self.assertIsInstance(got["CreateDate"], datetime.datetime)
        self.assertIn({"Arn": arn},
                      self.iam.list_open_id_connect_providers()["OpenIDConnectProviderList"])
        self.assertAwsError(lambda: self.iam.create_open_id_connect_provider(
            Url=f"https://{host}", ClientIDList=["x"], ThumbprintList=[THUMBPRINT]),
            "EntityAlreadyExists", status=409)

        self.iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn,
                                                           ClientID="other")
        self.iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn,
                                                                ClientID="sts.amazonaws.com")
        self.iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn,
                                                            ThumbprintList=["a" * 40, "b" * 40])
        got = self.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        self.assertEqual(got["ClientIDList"], ["other"])
        self.assertEqual(got["ThumbprintList"], ["a" * 40, "b" * 40])
        self.iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn,
                                              Tags=[{"Key": "x", "Value": "y"}])
        self.iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["k"])
        self.assertEqual(
            self.iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"],
            [{"Key": "x", "Value": "y"}])

        self.iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        self.assertAwsError(lambda: self.iam.get_open_id_connect_provider(
            OpenIDConnectProviderArn=arn), "NoSuchEntity", status=404)
        self.assertNotIn({"Arn": arn},
                         self.iam.list_open_id_connect_providers()["OpenIDConnectProviderList"])

    # ---- pagination ------------------------------------------------------------------------

    def test_pagination_with_marker_and_paginators(self):
        path = f"/{self.unique('pg')}/"
        names = [self.unique("pguser") for _ in range(5)]
        for n in names:
            self.iam.create_user(UserName=n, Path=path, Tags=[{"Key": f"t{i}", "Value": str(i)}
                                                              for i in range(3)])
        seen, marker, pages = [], None, 0
        while True:
            kwargs = {"PathPrefix": path, "MaxItems": 2}
            if marker:
                kwargs["Marker"] = marker
            page = self.iam.list_users(**kwargs)
            pages += 1
            self.assertLessEqual(len(page["Users"]), 2)
            seen += [u["UserName"] for u in page["Users"]]
            if not page["IsTruncated"]:
                self.assertNotIn("Marker", page)
                break
            marker = page["Marker"]
            self.assertLess(pages, 10)
        self.assertEqual(pages, 3)
        self.assertEqual(seen, sorted(names, key=str.lower))

        paged = [u["UserName"] for p in self.iam.get_paginator("list_users").paginate(
            PathPrefix=path, PaginationConfig={"PageSize": 2}) for u in p["Users"]]
        self.assertEqual(paged, seen)
        tags = [t["Key"] for p in self.iam.get_paginator("list_user_tags").paginate(
            UserName=names[0], PaginationConfig={"PageSize": 1}) for t in p["Tags"]]
        self.assertEqual(tags, ["t0", "t1", "t2"])
        # A user removed before the marker does not shift later pages.
        first = self.iam.list_users(PathPrefix=path, MaxItems=2)
        self.iam.delete_user(UserName=seen[0])
        rest = self.iam.list_users(PathPrefix=path, Marker=first["Marker"])
        self.assertEqual([u["UserName"] for u in rest["Users"]], seen[2:])
        self.assertAwsError(lambda: self.iam.list_users(Marker="%%%not-a-marker"),
                            "InvalidInput", status=400)

    # ---- authorization ---------------------------------------------------------------------

    def test_user_policy_scopes_secret_access(self):
        allowed = self.sm.create_secret(Name=self.unique("allowed"), SecretString="yes")["ARN"]
        other = self.sm.create_secret(Name=self.unique("other"), SecretString="no")["ARN"]
        name, arn, key_id, secret = self.new_user(allow("secretsmanager:GetSecretValue",
                                                        allowed))
        sm = self.client_for("secretsmanager", key_id, secret)
        self.assertEqual(sm.get_secret_value(SecretId=allowed)["SecretString"], "yes")
        self.assertAwsError(lambda: sm.get_secret_value(SecretId=other), "AccessDeniedException",
                            status=400,
                            message_regex=denied_message(arn, "secretsmanager:GetSecretValue"))
        self.assertAwsError(lambda: sm.describe_secret(SecretId=allowed),
                            "AccessDeniedException", status=400,
                            message_regex=denied_message(arn, "secretsmanager:DescribeSecret"))

        iam = self.client_for("iam", key_id, secret)
        for op, call in (("iam:ListUsers", iam.list_users),
                         ("iam:GetUser", lambda: iam.get_user(UserName=name)),
                         ("iam:GetUser", iam.get_user),
                         ("iam:CreateUser", lambda: iam.create_user(UserName=self.unique("u"))),
                         ("iam:CreateAccessKey", iam.create_access_key),
                         ("iam:PutUserPolicy",
                          lambda: iam.put_user_policy(UserName=name, PolicyName="escalate",
                                                      PolicyDocument=json.dumps(allow("*")))),
                         ("iam:ListPolicies", iam.list_policies),
                         ("iam:ListOpenIDConnectProviders",
                          iam.list_open_id_connect_providers)):
            self.assertAwsError(call, "AccessDenied", status=403,
                                message_regex=denied_message(arn, op))
        # Nothing was changed by the refused calls.
        self.assertEqual(self.iam.list_user_policies(UserName=name)["PolicyNames"], ["p"])

    def test_iam_permissions_follow_policies(self):
        name, arn, key_id, secret = self.new_user(allow(["iam:ListUsers", "iam:GetUser"]))
        iam = self.client_for("iam", key_id, secret)
        self.assertIn(name, [u["UserName"] for u in iam.list_users()["Users"]])
        self.assertEqual(iam.get_user(UserName=name)["User"]["Arn"], arn)
        self.assertAwsError(lambda: iam.delete_user(UserName=name), "AccessDenied", status=403)
        # An explicit deny wins over the allow.
        self.iam.put_user_policy(UserName=name, PolicyName="deny", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"}]}))
        self.assertAwsError(iam.list_users, "AccessDenied", status=403)
        self.assertEqual(iam.get_user(UserName=name)["User"]["Arn"], arn)


class StsTest(IamTestBase):
    def test_get_caller_identity_root_user_and_role_session(self):
        root = self.sts.get_caller_identity()
        self.assertEqual(root["UserId"], ACCOUNT)
        self.assertEqual(root["Account"], ACCOUNT)
        self.assertEqual(root["Arn"], ROOT_ARN)

        name, arn, key_id, secret = self.new_user()
        user_id = self.iam.get_user(UserName=name)["User"]["UserId"]
        me = self.client_for("sts", key_id, secret).get_caller_identity()
        self.assertEqual(me["UserId"], user_id)
        self.assertTrue(me["UserId"].startswith("AIDA"))
        self.assertEqual(me["Account"], ACCOUNT)
        self.assertEqual(me["Arn"], arn)

        role = self.unique("role")
        role_id = self.iam.create_role(RoleName=role,
                                       AssumeRolePolicyDocument=json.dumps(trust({"AWS": arn}))
                                       )["Role"]["RoleId"]
        assumed = self.client_for("sts", key_id, secret).assume_role(
            RoleArn=role_arn(role), RoleSessionName="sess-1", DurationSeconds=900)
        session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/sess-1"
        self.assertEqual(assumed["AssumedRoleUser"],
                         {"AssumedRoleId": f"{role_id}:sess-1", "Arn": session_arn})
        self.assertNotIn("PackedPolicySize", assumed)
        creds = assumed["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"), creds["AccessKeyId"])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertGreater(creds["Expiration"], now)
        self.assertLessEqual(creds["Expiration"], now + datetime.timedelta(seconds=900 + 5))
        session = self.client_for("sts", creds["AccessKeyId"], creds["SecretAccessKey"],
                                  creds["SessionToken"]).get_caller_identity()
        self.assertEqual(session["UserId"], f"{role_id}:sess-1")
        self.assertEqual(session["Account"], ACCOUNT)
        self.assertEqual(session["Arn"], session_arn)

        # The session has the role's permissions (none yet), not the user's.
        sess_iam = self.client_for("iam", creds["AccessKeyId"], creds["SecretAccessKey"],
                                   creds["SessionToken"])
        self.assertAwsError(sess_iam.list_roles, "AccessDenied", status=403,
                            message_regex=r"^User: " + re.escape(session_arn))
        # GetUser without a name needs user credentials.
        self.iam.put_role_policy(RoleName=role, PolicyName="p",
                                 PolicyDocument=json.dumps(allow("iam:*")))
        self.assertAwsError(sess_iam.get_user, "ValidationError", status=400)
        self.assertIn(role, [r["RoleName"] for r in sess_iam.list_roles()["Roles"]])

    def test_assume_role_is_refused_outside_the_trust_policy(self):
        _, arn, key_id, secret = self.new_user()
        _, _, other_key, other_secret = self.new_user()
        role = self.unique("role")
        self.iam.create_role(RoleName=role,
                             AssumeRolePolicyDocument=json.dumps(trust({"AWS": arn})))
        outsider = self.client_for("sts", other_key, other_secret)
        self.assertAwsError(lambda: outsider.assume_role(RoleArn=role_arn(role),
                                                         RoleSessionName="s1"),
                            "AccessDenied", status=403)
        self.assertAwsError(lambda: self.sts.assume_role(RoleArn=role_arn(role),
                                                         RoleSessionName="s1"),
                            "AccessDenied", status=403)
        me = self.client_for("sts", key_id, secret)
        self.assertAwsError(lambda: me.assume_role(RoleArn=role_arn(self.unique("nope")),
                                                   RoleSessionName="s1"),
                            "AccessDenied", status=403)
        self.assertAwsError(lambda: me.assume_role(RoleArn=role_arn(role), RoleSessionName="s1",
                                                   DurationSeconds=7200),
                            "ValidationError", status=400)
        # Session policies narrow the session and report their packed size.
        r = me.assume_role(RoleArn=role_arn(role), RoleSessionName="s1",
                           Policy=json.dumps(allow("secretsmanager:ListSecrets")))
        self.assertIsInstance(r["PackedPolicySize"], int)
        self.assertGreaterEqual(r["PackedPolicySize"], 0)
        self.assertLessEqual(r["PackedPolicySize"], 100)
        self.assertAwsError(lambda: me.assume_role(RoleArn=role_arn(role), RoleSessionName="s1",
                                                   Policy='{"Statement": "nope"}'),
                            "MalformedPolicyDocument", status=400)

    def test_get_session_token_credentials_act_as_the_user(self):
        allowed = self.sm.create_secret(Name=self.unique("sess"), SecretString="v")["ARN"]
        other = self.sm.create_secret(Name=self.unique("sess"), SecretString="w")["ARN"]
        _, arn, key_id, secret = self.new_user(allow("secretsmanager:GetSecretValue", allowed))
        before = datetime.datetime.now(datetime.timezone.utc)
        creds = self.client_for("sts", key_id, secret).get_session_token(
            DurationSeconds=900)["Credentials"]
        after = datetime.datetime.now(datetime.timezone.utc)
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"))
        self.assertGreater(creds["Expiration"], after)
        self.assertLessEqual(creds["Expiration"], after + datetime.timedelta(seconds=900))
        self.assertGreaterEqual(creds["Expiration"],
                                before + datetime.timedelta(seconds=900 - 5))
        args = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        self.assertEqual(self.client_for("sts", *args).get_caller_identity()["Arn"], arn)
        sm = self.client_for("secretsmanager", *args)
        self.assertEqual(sm.get_secret_value(SecretId=allowed)["SecretString"], "v")
        self.assertAwsError(lambda: sm.get_secret_value(SecretId=other), "AccessDeniedException",
                            status=400)
        # Session credentials cannot mint more, and need their token.
        self.assertAwsError(self.client_for("sts", *args).get_session_token, "AccessDenied",
                            status=403)
        self.assertAwsError(self.client_for("sts", *args[:2]).get_caller_identity,
                            "InvalidClientTokenId", status=403,
                            codes=("InvalidClientTokenId", "IncompleteSignature",
                                   "SignatureDoesNotMatch"))
        unchecked = self.client_for("sts", key_id, secret, parameter_validation=False)
        self.assertAwsError(lambda: unchecked.get_session_token(DurationSeconds=600),
                            "ValidationError", status=400)

    def test_assume_role_with_web_identity_errors_are_unsigned_and_hide_the_token(self):
        sts = self.server.client("sts", unsigned=True)
        garbage = "not-a-jwt-" + "x" * 40
        err = self.assertAwsError(lambda: sts.assume_role_with_web_identity(
            RoleArn=role_arn("irsa"), RoleSessionName="s1", WebIdentityToken=garbage),
            "InvalidIdentityToken", status=400)
        self.assertNotIn(garbage, str(err.response))

        def b64url(obj):
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
        token = ".".join([b64url({"alg": "RS256", "kid": "k"}),
                          b64url({"iss": "https://no-provider.example.com", "sub": "s",
                                  "aud": "sts.amazonaws.com", "exp": 4102444800}),
                          "c2lnbmF0dXJl"])
        err = self.assertAwsError(lambda: sts.assume_role_with_web_identity(
            RoleArn=role_arn("irsa"), RoleSessionName="s1", WebIdentityToken=token),
            "InvalidIdentityToken", status=400)
        self.assertNotIn(token, str(err.response))
        # Other STS actions need a signature.
        self.assertAwsError(sts.get_caller_identity, "MissingAuthenticationToken", status=403)


class IamCliTest(IamTestBase):
    """The same operations through `aws iam` / `aws sts`, checking the CLI's JSON output."""

    def test_users_keys_and_inline_policies(self):
        name = self.unique("cli")
        user = self.cli("iam", "create-user", "--user-name", name, "--path", "/cli/",
                        "--tags", "Key=a,Value=1")["User"]
        self.assertEqual(user["Arn"], user_arn(name, "/cli/"))
        doc = allow("secretsmanager:GetSecretValue")
        key = self.cli("iam", "create-access-key", "--user-name", name)["AccessKey"]
        self.assertEqual(key["Status"], "Active")
        got, listed, tags_ok, _, _ = self.parallel(
            lambda: self.cli("iam", "get-user", "--user-name", name),
            lambda: self.cli("iam", "list-users", "--path-prefix", "/cli/"),
            lambda: self.cli("iam", "tag-user", "--user-name", name, "--tags", "Key=b,Value=2"),
            lambda: self.cli("iam", "put-user-policy", "--user-name", name, "--policy-name",
                             "pol", "--policy-document", json.dumps(doc)),
            lambda: self.cli_error("NoSuchEntity", "GetUser", "iam", "get-user", "--user-name",
                                   self.unique("missing")))
        self.assertEqual(got["User"]["UserId"], user["UserId"])
        self.assertIn(name, [u["UserName"] for u in listed["Users"]])
        self.assertIsNone(tags_ok)
        policy, policies, keys, tags, me = self.parallel(
            lambda: self.cli("iam", "get-user-policy", "--user-name", name, "--policy-name",
                             "pol"),
            lambda: self.cli("iam", "list-user-policies", "--user-name", name),
            lambda: self.cli("iam", "list-access-keys", "--user-name", name),
            lambda: self.cli("iam", "list-user-tags", "--user-name", name),
            lambda: self.cli("sts", "get-caller-identity", access_key_id=key["AccessKeyId"],
                             secret_access_key=key["SecretAccessKey"]))
        self.assertEqual(policy["PolicyDocument"], doc)  # the CLI decodes it, as boto3 does
        self.assertEqual(policies["PolicyNames"], ["pol"])
        self.assertEqual([k["AccessKeyId"] for k in keys["AccessKeyMetadata"]],
                         [key["AccessKeyId"]])
        self.assertEqual(sorted(t["Key"] for t in tags["Tags"]), ["a", "b"])
        self.assertEqual(me["Arn"], user_arn(name, "/cli/"))

        self.cli("iam", "update-access-key", "--user-name", name, "--access-key-id",
                 key["AccessKeyId"], "--status", "Inactive")
        self.assertEqual(self.cli("iam", "list-access-keys", "--user-name", name)
                         ["AccessKeyMetadata"][0]["Status"], "Inactive")
        msg = self.cli_error("DeleteConflict", "DeleteUser", "iam", "delete-user",
                             "--user-name", name)
        self.assertIn("must", msg)
        self.parallel(
            lambda: self.cli("iam", "delete-access-key", "--user-name", name,
                             "--access-key-id", key["AccessKeyId"]),
            lambda: self.cli("iam", "delete-user-policy", "--user-name", name, "--policy-name",
                             "pol"),
            lambda: self.cli("iam", "untag-user", "--user-name", name, "--tag-keys", "a"))
        self.cli("iam", "delete-user", "--user-name", name)
        self.cli_error("NoSuchEntity", "ListUserTags", "iam", "list-user-tags", "--user-name",
                       name)

    def test_roles_and_sts(self):
        _, arn, key_id, secret = self.new_user()
        role = self.unique("clirole")
        doc = trust({"AWS": arn})
        created = self.cli("iam", "create-role", "--role-name", role,
                           "--assume-role-policy-document", json.dumps(doc), "--description", "d",
                           "--max-session-duration", "7200", "--tags", "Key=k,Value=v")["Role"]
        self.assertEqual(created["AssumeRolePolicyDocument"], doc)
        self.parallel(
            lambda: self.cli("iam", "update-role", "--role-name", role, "--description", "d2"),
            lambda: self.cli("iam", "tag-role", "--role-name", role, "--tags", "Key=x,Value=y"),
            lambda: self.cli("iam", "put-role-policy", "--role-name", role, "--policy-name", "rp",
                             "--policy-document", json.dumps(allow("iam:ListRoles"))),
            lambda: self.cli_error("MalformedPolicyDocument", "PutRolePolicy", "iam",
                                   "put-role-policy", "--role-name", role, "--policy-name", "b",
                                   "--policy-document", '{"Statement": 5}'),
            lambda: self.cli_error("EntityAlreadyExists", "CreateRole", "iam", "create-role",
                                   "--role-name", role, "--assume-role-policy-document",
                                   json.dumps(doc)))
        self.cli("iam", "untag-role", "--role-name", role, "--tag-keys", "k")
        got, roles, tags, rp, rps, root = self.parallel(
            lambda: self.cli("iam", "get-role", "--role-name", role),
            lambda: self.cli("iam", "list-roles"),
            lambda: self.cli("iam", "list-role-tags", "--role-name", role),
            lambda: self.cli("iam", "get-role-policy", "--role-name", role, "--policy-name",
                             "rp"),
            lambda: self.cli("iam", "list-role-policies", "--role-name", role),
            lambda: self.cli("sts", "get-caller-identity"))
        self.assertEqual(got["Role"]["Description"], "d2")
        self.assertEqual(got["Role"]["MaxSessionDuration"], 7200)
        self.assertIn(role, [r["RoleName"] for r in roles["Roles"]])
        self.assertEqual(tags["Tags"], [{"Key": "x", "Value": "y"}])
        self.assertEqual(rp["PolicyDocument"], allow("iam:ListRoles"))
        self.assertEqual(rps["PolicyNames"], ["rp"])
        self.assertEqual(root, {"UserId": ACCOUNT, "Account": ACCOUNT, "Arn": ROOT_ARN})

        new_trust = trust({"AWS": [arn, ROOT_ARN]})
        self.cli("iam", "update-assume-role-policy", "--role-name", role, "--policy-document",
                 json.dumps(new_trust))
        self.assertEqual(self.cli("iam", "get-role", "--role-name", role)["Role"]
                         ["AssumeRolePolicyDocument"], new_trust)

        creds = self.cli("sts", "assume-role", "--role-arn", role_arn(role),
                         "--role-session-name", "cli", access_key_id=key_id,
                         secret_access_key=secret)["Credentials"]
        session_env = {"AWS_SESSION_TOKEN": creds["SessionToken"]}
        who, listed = self.parallel(
            lambda: self.cli("sts", "get-caller-identity", access_key_id=creds["AccessKeyId"],
                             secret_access_key=creds["SecretAccessKey"], env=session_env),
            lambda: self.cli("iam", "list-roles", access_key_id=creds["AccessKeyId"],
                             secret_access_key=creds["SecretAccessKey"], env=session_env))
        self.assertEqual(who["Arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/cli")
        self.assertIn(role, [r["RoleName"] for r in listed["Roles"]])
        token = self.cli("sts", "get-session-token", "--duration-seconds", "900",
                         access_key_id=key_id, secret_access_key=secret)["Credentials"]
        self.assertTrue(token["AccessKeyId"].startswith("ASIA"))

        self.cli("iam", "delete-role-policy", "--role-name", role, "--policy-name", "rp")
        self.cli("iam", "delete-role", "--role-name", role)
        self.cli_error("NoSuchEntity", "GetRole", "iam", "get-role", "--role-name", role)

    def test_managed_policies(self):
        name = self.unique("clipol")
        user = self.unique("cliuser")
        role = self.unique("clirole")
        v1, v2 = allow("kms:Decrypt"), allow("kms:Encrypt")
        pol, _, _ = self.parallel(
            lambda: self.cli("iam", "create-policy", "--policy-name", name, "--policy-document",
                             json.dumps(v1), "--description", "d"),
            lambda: self.cli("iam", "create-user", "--user-name", user),
            lambda: self.cli("iam", "create-role", "--role-name", role,
                             "--assume-role-policy-document", json.dumps(trust({"AWS": ROOT_ARN}))))
        arn = pol["Policy"]["Arn"]
        self.assertEqual(arn, f"arn:aws:iam::{ACCOUNT}:policy/{name}")
        nv = self.cli("iam", "create-policy-version", "--policy-arn", arn, "--policy-document",
                      json.dumps(v2), "--set-as-default")["PolicyVersion"]
        self.assertEqual(nv["VersionId"], "v2")
        self.parallel(
            lambda: self.cli("iam", "attach-user-policy", "--user-name", user, "--policy-arn",
                             arn),
            lambda: self.cli("iam", "attach-role-policy", "--role-name", role, "--policy-arn",
                             arn))
        got, v1_doc, versions, local, aws, au, ar = self.parallel(
            lambda: self.cli("iam", "get-policy", "--policy-arn", arn),
            lambda: self.cli("iam", "get-policy-version", "--policy-arn", arn, "--version-id",
                             "v1"),
            lambda: self.cli("iam", "list-policy-versions", "--policy-arn", arn),
            lambda: self.cli("iam", "list-policies", "--scope", "Local", "--only-attached"),
            lambda: self.cli("iam", "list-policies", "--scope", "AWS"),
            lambda: self.cli("iam", "list-attached-user-policies", "--user-name", user),
            lambda: self.cli("iam", "list-attached-role-policies", "--role-name", role))
        self.assertEqual(got["Policy"]["DefaultVersionId"], "v2")
        self.assertEqual(got["Policy"]["AttachmentCount"], 2)
        self.assertEqual(v1_doc["PolicyVersion"]["Document"], v1)
        self.assertEqual([v["VersionId"] for v in versions["Versions"]], ["v1", "v2"])
        self.assertIn(arn, [p["Arn"] for p in local["Policies"]])
        self.assertEqual(aws["Policies"], [])
        self.assertEqual(au["AttachedPolicies"], [{"PolicyName": name, "PolicyArn": arn}])
        self.assertEqual(ar["AttachedPolicies"], [{"PolicyName": name, "PolicyArn": arn}])

        self.cli("iam", "set-default-policy-version", "--policy-arn", arn, "--version-id", "v1")
        self.parallel(
            lambda: self.cli("iam", "delete-policy-version", "--policy-arn", arn, "--version-id",
                             "v2"),
            lambda: self.cli("iam", "detach-user-policy", "--user-name", user, "--policy-arn",
                             arn),
            lambda: self.cli("iam", "detach-role-policy", "--role-name", role, "--policy-arn",
                             arn))
        self.cli("iam", "delete-policy", "--policy-arn", arn)
        self.cli_error("NoSuchEntity", "GetPolicy", "iam", "get-policy", "--policy-arn", arn)

    def test_oidc_providers_and_paging(self):
        host = f"cli-{self.unique('h')}.example.com"
        arn = self.cli("iam", "create-open-id-connect-provider", "--url", f"https://{host}",
                       "--client-id-list", "sts.amazonaws.com", "--thumbprint-list",
                       THUMBPRINT)["OpenIDConnectProviderArn"]
        self.assertEqual(arn, f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}")
        self.parallel(
            lambda: self.cli("iam", "add-client-id-to-open-id-connect-provider",
                             "--open-id-connect-provider-arn", arn, "--client-id", "extra"),
            lambda: self.cli("iam", "update-open-id-connect-provider-thumbprint",
                             "--open-id-connect-provider-arn", arn, "--thumbprint-list",
                             "c" * 40),
            lambda: self.cli("iam", "tag-open-id-connect-provider",
                             "--open-id-connect-provider-arn", arn, "--tags", "Key=a,Value=b"))
        self.cli("iam", "remove-client-id-from-open-id-connect-provider",
                 "--open-id-connect-provider-arn", arn, "--client-id", "sts.amazonaws.com")
        got, listed, tags = self.parallel(
            lambda: self.cli("iam", "get-open-id-connect-provider",
                             "--open-id-connect-provider-arn", arn),
            lambda: self.cli("iam", "list-open-id-connect-providers"),
            lambda: self.cli("iam", "list-open-id-connect-provider-tags",
                             "--open-id-connect-provider-arn", arn))
        self.assertEqual(got["Url"], host)
        self.assertEqual(got["ClientIDList"], ["extra"])
        self.assertEqual(got["ThumbprintList"], ["c" * 40])
        self.assertIn({"Arn": arn}, listed["OpenIDConnectProviderList"])
        self.assertEqual(tags["Tags"], [{"Key": "a", "Value": "b"}])
        self.cli("iam", "untag-open-id-connect-provider", "--open-id-connect-provider-arn", arn,
                 "--tag-keys", "a")
        self.cli("iam", "delete-open-id-connect-provider", "--open-id-connect-provider-arn", arn)
        self.cli_error("NoSuchEntity", "GetOpenIDConnectProvider", "iam",
                       "get-open-id-connect-provider", "--open-id-connect-provider-arn", arn)

        # The CLI follows Marker itself (--page-size), and stops where --max-items says.
        path = f"/{self.unique('clipg')}/"
        names = [self.unique("pg") for _ in range(3)]
        self.parallel(*[lambda n=n: self.iam.create_user(UserName=n, Path=path) for n in names])
        everything = self.cli("iam", "list-users", "--path-prefix", path, "--page-size", "1")
        self.assertEqual([u["UserName"] for u in everything["Users"]],
                         sorted(names, key=str.lower))
        first = self.cli("iam", "list-users", "--path-prefix", path, "--max-items", "2")
        self.assertEqual(len(first["Users"]), 2)
        self.assertIn("NextToken", first)

    def test_denied_user_via_cli(self):
        secret_arn = self.sm.create_secret(Name=self.unique("cli-sec"), SecretString="s")["ARN"]
        other = self.sm.create_secret(Name=self.unique("cli-sec"), SecretString="t")["ARN"]
        _, arn, key_id, secret = self.new_user(allow("secretsmanager:GetSecretValue",
                                                     secret_arn))
        creds = {"access_key_id": key_id, "secret_access_key": secret}
        value, denied, iam_denied = self.parallel(
            lambda: self.cli("secretsmanager", "get-secret-value", "--secret-id", secret_arn,
                             **creds),
            lambda: self.cli_error("AccessDeniedException", "GetSecretValue", "secretsmanager",
                                   "get-secret-value", "--secret-id", other, **creds),
            lambda: self.cli_error("AccessDenied", "ListUsers", "iam", "list-users", **creds))
        self.assertEqual(value["SecretString"], "s")
        self.assertRegex(denied, denied_message(arn, "secretsmanager:GetSecretValue"))
        self.assertRegex(iam_denied, denied_message(arn, "iam:ListUsers"))


if __name__ == "__main__":
    run_tests()
