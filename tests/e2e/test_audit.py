"""The audit trail, end to end: CloudTrail-shaped events for every call, tamper evidence, lookup.

A real `coffer server` is driven with boto3 and the aws CLI as the account root, an IAM user and an
assumed-role session. The trail files (<data-dir>/audit/audit-*.jsonl) are then read directly:
every call, allowed or denied, signed or not, yields exactly one event (matched by request id) with
the caller's identity; no value the test wrote (secret strings, KMS plaintexts, SecureString
values, secret access keys, session tokens) appears anywhere in the trail. CloudTrail's
LookupEvents answers through boto3 and `aws cloudtrail lookup-events`, and needs
cloudtrail:LookupEvents. `coffer audit verify` passes on the untouched trail and names the first
modified, deleted, inserted and reordered event and a truncation in tampered copies. Fail-closed:
with the audit directory on a full tmpfs, a secret read is refused with 503 and its value never
leaves the server, a write is refused and not applied, and everything works again once space
returns (the test mounts a tmpfs, so it needs root; it is skipped with the reason otherwise).
"""

import base64
import glob
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import boto3
from botocore.exceptions import ClientError

from harness import CofferServer, CofferTestCase, coffer_bin, run_tests, wait_until

ACCOUNT = "123456789012"


def trail_lines(audit_dir):
    lines = []
    for path in sorted(glob.glob(os.path.join(audit_dir, "audit-*.jsonl"))):
        with open(path, "r", encoding="utf-8") as f:
            lines.extend(line.rstrip("\n") for line in f if line.strip())
    return lines


def trail_events(audit_dir):
    events = []
    for line in trail_lines(audit_dir):
        record = json.loads(line)
        if "cofferDigest" not in record:
            events.append(record)
    return events


def request_id(response_or_error):
    if isinstance(response_or_error, ClientError):
        return response_or_error.response["ResponseMetadata"]["RequestId"]
    return response_or_error["ResponseMetadata"]["RequestId"]


class AuditTrailTest(CofferTestCase):
    server_options = {"extra_args": ["--audit-digest-events", "20"]}

    @property
    def audit_dir(self):
        return os.path.join(self.server.data_dir, "audit")

    def events_by_request(self):
        by_id = {}
        for e in trail_events(self.audit_dir):
            by_id.setdefault(e["requestID"], []).append(e)
        return by_id

    def wait_for_request(self, rid):
        wait_until(lambda: rid in self.events_by_request(), 10, what=f"event for {rid}")
        return self.events_by_request()[rid]

    def call(self, fn):
        """Runs fn(); returns (request id, response or ClientError)."""
        try:
            r = fn()
        except ClientError as e:
            return request_id(e), e
        return request_id(r), r

    def test_every_call_yields_one_event_with_identity_and_no_secret_material(self):
        secrets_written = []
        sm = self.server.client("secretsmanager")
        kms = self.server.client("kms")
        ssm = self.server.client("ssm")
        iam = self.server.client("iam")
        sts = self.server.client("sts")
        expected = []  # (request id, eventSource, eventName, identity type, errorCode or None)

        def expect(rid, source, name, who, error=None):
            expected.append((rid, source, name, who, error))

        name = self.unique("audited")
        value1 = "audit-secret-value-" + base64.b16encode(os.urandom(8)).decode()
        value2 = "audit-secret-value-" + base64.b16encode(os.urandom(8)).decode()
        secrets_written += [value1, value2]
        rid, r = self.call(lambda: sm.create_secret(Name=name, SecretString=value1))
        arn = r["ARN"]
        expect(rid, "secretsmanager", "CreateSecret", "Root")
        rid, r = self.call(lambda: sm.get_secret_value(SecretId=name))
        self.assertEqual(r["SecretString"], value1)
        expect(rid, "secretsmanager", "GetSecretValue", "Root")
        rid, _ = self.call(lambda: sm.put_secret_value(SecretId=name, SecretString=value2))
        expect(rid, "secretsmanager", "PutSecretValue", "Root")
        rid, _ = self.call(lambda: sm.describe_secret(SecretId=arn))
        expect(rid, "secretsmanager", "DescribeSecret", "Root")
        rid, _ = self.call(lambda: sm.get_secret_value(SecretId=self.unique("missing")))
        expect(rid, "secretsmanager", "GetSecretValue", "Root", "ResourceNotFoundException")
        rid, r = self.call(lambda: sm.get_random_password(PasswordLength=40))
        secrets_written.append(r["RandomPassword"])
        expect(rid, "secretsmanager", "GetRandomPassword", "Root")

        key_id = kms.create_key(Description="audit")["KeyMetadata"]["KeyId"]
        plaintext = b"kms-plaintext-" + base64.b16encode(os.urandom(8))
        secrets_written += [plaintext.decode(), base64.b64encode(plaintext).decode()]
        rid, r = self.call(lambda: kms.encrypt(KeyId=key_id, Plaintext=plaintext))
        expect(rid, "kms", "Encrypt", "Root")
        blob = r["CiphertextBlob"]
        rid, r = self.call(lambda: kms.decrypt(CiphertextBlob=blob))
        self.assertEqual(r["Plaintext"], plaintext)
        expect(rid, "kms", "Decrypt", "Root")
        rid, r = self.call(lambda: kms.generate_data_key(KeyId=key_id, KeySpec="AES_256"))
        secrets_written.append(base64.b64encode(r["Plaintext"]).decode())
        expect(rid, "kms", "GenerateDataKey", "Root")

        param_value = "ssm-secure-" + base64.b16encode(os.urandom(8)).decode()
        secrets_written.append(param_value)
        pname = "/" + self.unique("audit") + "/db"
        rid, _ = self.call(lambda: ssm.put_parameter(Name=pname, Value=param_value,
                                                     Type="SecureString"))
        expect(rid, "ssm", "PutParameter", "Root")
        rid, _ = self.call(lambda: ssm.get_parameter(Name=pname, WithDecryption=True))
        expect(rid, "ssm", "GetParameter", "Root")

        # An IAM user, allowed one secret and nothing else.
        user = self.unique("auditor")
        rid, _ = self.call(lambda: iam.create_user(UserName=user))
        expect(rid, "iam", "CreateUser", "Root")
        iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue",
                                                          "sts:GetSessionToken"],
                           "Resource": "*"}]}))
        rid, r = self.call(lambda: iam.create_access_key(UserName=user))
        expect(rid, "iam", "CreateAccessKey", "Root")
        key = r["AccessKey"]
        secrets_written.append(key["SecretAccessKey"])
        usm = self.server.client("secretsmanager", access_key_id=key["AccessKeyId"],
                                 secret_access_key=key["SecretAccessKey"])
        ukms = self.server.client("kms", access_key_id=key["AccessKeyId"],
                                  secret_access_key=key["SecretAccessKey"])
        rid, r = self.call(lambda: usm.get_secret_value(SecretId=arn))
        self.assertEqual(r["SecretString"], value2)
        expect(rid, "secretsmanager", "GetSecretValue", "IAMUser")
        rid, r = self.call(lambda: ukms.encrypt(KeyId=key_id, Plaintext=plaintext))
        self.assertIsInstance(r, ClientError)
        expect(rid, "kms", "Encrypt", "IAMUser", "AccessDeniedException")

        # Temporary credentials (GetSessionToken) carry a session token that must not be logged.
        usts = self.server.client("sts", access_key_id=key["AccessKeyId"],
                                  secret_access_key=key["SecretAccessKey"])
        rid, r = self.call(lambda: usts.get_session_token(DurationSeconds=900))
        expect(rid, "sts", "GetSessionToken", "IAMUser")
        creds = r["Credentials"]
        secrets_written += [creds["SecretAccessKey"], creds["SessionToken"]]
        session = boto3.session.Session(botocore_session=self.server.botocore_session(),
                                        aws_access_key_id=creds["AccessKeyId"],
                                        aws_secret_access_key=creds["SecretAccessKey"],
                                        aws_session_token=creds["SessionToken"],
                                        region_name=self.server.region)
        ssm_session = session.client("secretsmanager", endpoint_url=self.server.endpoint_url)
        rid, _ = self.call(lambda: ssm_session.get_secret_value(SecretId=arn))
        expect(rid, "secretsmanager", "GetSecretValue", "IAMUser")
        rid, _ = self.call(lambda: sts.get_caller_identity())
        expect(rid, "sts", "GetCallerIdentity", "Root")

        # A request with a wrong signature: audited as an unknown caller, with the key it claimed.
        bad = self.server.client("secretsmanager", access_key_id=key["AccessKeyId"],
                                 secret_access_key="wrong" + key["SecretAccessKey"][5:])
        rid, r = self.call(lambda: bad.get_secret_value(SecretId=arn))
        self.assertIsInstance(r, ClientError)
        expect(rid, "secretsmanager", "GetSecretValue", "Unknown", r.response["Error"]["Code"])

        wait_until(lambda: all(e[0] in self.events_by_request() for e in expected), 10,
                   what="every call's event")
        by_id = self.events_by_request()
        for rid, source, op, who, error in expected:
            with self.subTest(request=op, source=source, who=who):
                self.assertEqual(len(by_id[rid]), 1, by_id[rid])
                ev = by_id[rid][0]
                self.assertEqual(ev["eventSource"], source + ".amazonaws.com")
                self.assertEqual(ev["eventName"], op)
                self.assertEqual(ev["userIdentity"]["type"], who)
                self.assertEqual(ev["recipientAccountId"], ACCOUNT)
                self.assertEqual(ev["awsRegion"], self.server.region)
                self.assertEqual(ev["sourceIPAddress"], "127.0.0.1")
                self.assertIn("Boto3", ev["userAgent"])
                self.assertEqual(ev["eventType"], "AwsApiCall")
                self.assertEqual(ev.get("errorCode"), error)
                self.assertEqual(ev["readOnly"], op.startswith(("Get", "Describe", "Encrypt",
                                                                  "Decrypt", "Generate")))
                if who == "IAMUser":
                    self.assertEqual(ev["userIdentity"]["userName"], user)
                    self.assertEqual(ev["userIdentity"]["arn"],
                                     f"arn:aws:iam::{ACCOUNT}:user/{user}")
                if who == "Root":
                    self.assertEqual(ev["userIdentity"]["arn"], f"arn:aws:iam::{ACCOUNT}:root")
                    self.assertEqual(ev["userIdentity"]["accessKeyId"],
                                     self.server.access_key_id)
                if who == "Unknown":
                    self.assertEqual(ev["userIdentity"].get("accessKeyId"), key["AccessKeyId"])
        # Request parameters are recorded with CloudTrail's camelCase names, values hidden.
        create = by_id[expected[0][0]][0]
        self.assertEqual(create["requestParameters"]["name"], name)
        self.assertEqual(create["requestParameters"]["secretString"],
                         "HIDDEN_DUE_TO_SECURITY_REASONS")
        self.assertEqual(create["responseElements"]["aRN"], arn)
        self.assertIn({"accountId": ACCOUNT, "type": "AWS::SecretsManager::Secret", "ARN": arn},
                      create["resources"])
        # The session's event names the temporary key and its session context.
        session_event = [e for e in by_id.values() if e[0]["userIdentity"].get("accessKeyId") ==
                         creds["AccessKeyId"]]
        self.assertEqual(len(session_event), 1)
        self.assertIn("sessionContext", session_event[0][0]["userIdentity"])

        text = "\n".join(trail_lines(self.audit_dir))
        for value in secrets_written:
            self.assertNotIn(value, text)

    def test_events_are_chained(self):
        sm = self.server.client("secretsmanager")
        for _ in range(3):
            sm.list_secrets()
        import hashlib
        lines = [l for l in trail_lines(self.audit_dir) if '"cofferDigest"' not in l]
        self.assertGreater(len(lines), 3)
        for prev, cur in zip(lines, lines[1:]):
            p, c = json.loads(prev), json.loads(cur)
            self.assertEqual(c["cofferSequence"], p["cofferSequence"] + 1)
            self.assertEqual(c["cofferPreviousHash"], hashlib.sha256(prev.encode()).hexdigest())

    def test_assumed_role_session_names_its_issuer(self):
        iam = self.server.client("iam")
        user = self.unique("assumer")
        user_arn = iam.create_user(UserName=user)["User"]["Arn"]
        role = self.unique("audited-role")
        role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn},
                           "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        iam.put_user_policy(UserName=user, PolicyName="a", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}]}))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        sts = self.server.client("sts", access_key_id=key["AccessKeyId"],
                                 secret_access_key=key["SecretAccessKey"])
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="audit-session")["Credentials"]
        session_sts = self.server.client("sts")
        session_sts = boto3.session.Session(
            botocore_session=self.server.botocore_session(),
            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"], region_name=self.server.region,
        ).client("sts", endpoint_url=self.server.endpoint_url)
        rid = request_id(session_sts.get_caller_identity())
        ev = self.wait_for_request(rid)[0]
        ident = ev["userIdentity"]
        self.assertEqual(ident["type"], "AssumedRole")
        self.assertEqual(ident["arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/audit-session")
        self.assertEqual(ident["accessKeyId"], creds["AccessKeyId"])
        issuer = ident["sessionContext"]["sessionIssuer"]
        self.assertEqual(issuer["type"], "Role")
        self.assertEqual(issuer["arn"], role_arn)
        self.assertEqual(issuer["userName"], role)
        text = "\n".join(trail_lines(self.audit_dir))
        self.assertNotIn(creds["SessionToken"], text)
        self.assertNotIn(creds["SecretAccessKey"], text)
        self.assertNotIn(key["SecretAccessKey"], text)

    def test_operator_calls_are_audited(self):
        before = len(trail_events(self.audit_dir))
        res = self.server.http_request("GET", "/sys/seal-status")
        self.assertEqual(res.status, 200)
        wait_until(lambda: any(e["eventSource"] == "sys.coffer" and e["eventName"] == "SealStatus"
                               for e in trail_events(self.audit_dir)[before:]), 10,
                   what="the operator call's event")

    def test_lookup_events_with_boto3_and_the_cli(self):
        sm = self.server.client("secretsmanager")
        name = self.unique("lookup")
        arn = sm.create_secret(Name=name, SecretString="x")["ARN"]
        rids = [request_id(sm.describe_secret(SecretId=arn)) for _ in range(3)]
        for rid in rids:
            self.wait_for_request(rid)
        ct = self.server.client("cloudtrail")
        got = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                  "AttributeValue": "DescribeSecret"}],
                               MaxResults=2)
        self.assertEqual(len(got["Events"]), 2)
        self.assertIn("NextToken", got)
        for e in got["Events"]:
            self.assertEqual(e["EventName"], "DescribeSecret")
            self.assertEqual(e["EventSource"], "secretsmanager.amazonaws.com")
            self.assertEqual(json.loads(e["CloudTrailEvent"])["eventName"], "DescribeSecret")
        # Newest first, and the next page continues where the first stopped.
        seen = [json.loads(e["CloudTrailEvent"])["requestID"] for e in got["Events"]]
        more = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                   "AttributeValue": "DescribeSecret"}],
                                MaxResults=2, NextToken=got["NextToken"])
        seen += [json.loads(e["CloudTrailEvent"])["requestID"] for e in more["Events"]]
        self.assertEqual(seen[:3], list(reversed(rids)))
        # ResourceName finds the secret's events.
        by_resource = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName",
                                                          "AttributeValue": arn}])
        names = {e["EventName"] for e in by_resource["Events"]}
        self.assertIn("CreateSecret", names)
        self.assertIn("DescribeSecret", names)
        # The aws CLI.
        rc, out, err = self.server.aws("cloudtrail", "lookup-events", "--lookup-attributes",
                                       "AttributeKey=EventName,AttributeValue=CreateSecret",
                                       "--max-results", "5")
        self.assertEqual(rc, 0, err)
        events = json.loads(out)["Events"]
        self.assertTrue(any(json.loads(e["CloudTrailEvent"])["requestParameters"]["name"] == name
                            for e in events))
        # Bad input gets CloudTrail's errors.
        self.assertAwsError(lambda: ct.lookup_events(StartTime=2000000000, EndTime=1000000000),
                            "InvalidTimeRangeException")
        self.assertAwsError(lambda: ct.lookup_events(NextToken="garbage"),
                            "InvalidNextTokenException")

    def test_lookup_events_needs_permission(self):
        iam = self.server.client("iam")
        user = self.unique("noaudit")
        iam.create_user(UserName=user)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        ct = self.server.client("cloudtrail", access_key_id=key["AccessKeyId"],
                                secret_access_key=key["SecretAccessKey"])
        self.assertAwsError(lambda: ct.lookup_events(), "AccessDeniedException",
                            message_contains="cloudtrail:LookupEvents")
        iam.put_user_policy(UserName=user, PolicyName="ct", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "cloudtrail:LookupEvents",
                           "Resource": "*"}]}))
        self.assertGreater(len(ct.lookup_events(MaxResults=5)["Events"]), 0)


def run_verify(audit_dir, *extra):
    proc = subprocess.run([coffer_bin(), "audit", "verify", "--audit-dir", audit_dir, *extra],
                          capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout + proc.stderr


class AuditVerifyTest(unittest.TestCase):
    """`coffer audit verify` on a real server's trail and on tampered copies of it."""

    @classmethod
    def setUpClass(cls):
        cls.server = CofferServer(extra_args=["--audit-digest-events", "5"])
        cls.server.start()
        try:
            sm = cls.server.client("secretsmanager")
            sm.create_secret(Name="verify-me", SecretString="s")
            for _ in range(30):
                sm.describe_secret(SecretId="verify-me")
            kms = cls.server.client("kms")
            cls.public_key = kms.get_public_key(KeyId="alias/coffer/audit-digest")["PublicKey"]
            cls.server.stop()  # writes a final digest
        except BaseException:
            cls.server.close()
            raise
        cls.work = tempfile.mkdtemp(prefix="coffer-audit-verify-")
        cls.key_file = os.path.join(cls.work, "audit-key.der")
        with open(cls.key_file, "wb") as f:
            f.write(cls.public_key)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        shutil.rmtree(cls.work, ignore_errors=True)

    def tampered_copy(self, edit):
        """A copy of the trail with edit(lines) applied to its event lines (a list to mutate)."""
        dst = tempfile.mkdtemp(dir=self.work)
        src = os.path.join(self.server.data_dir, "audit")
        files = sorted(glob.glob(os.path.join(src, "audit-*.jsonl")))
        for path in files:
            shutil.copy(path, dst)
        path = os.path.join(dst, os.path.basename(files[-1]))
        with open(path, "r", encoding="utf-8") as f:
            lines = f.read().splitlines()
        edit(lines)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + ("\n" if lines else ""))
        return dst

    def event_indexes(self, lines):
        return [i for i, l in enumerate(lines) if '"cofferDigest"' not in l]

    def test_untouched_trail_verifies_with_the_kms_public_key(self):
        rc, out = run_verify(os.path.join(self.server.data_dir, "audit"),
                             "--public-key", self.key_file)
        self.assertEqual(rc, 0, out)

    def assertProblem(self, audit_dir, kind):
        rc, out = run_verify(audit_dir, "--public-key", self.key_file)
        self.assertEqual(rc, 1, out)
        self.assertIn(kind, out.lower())
        return out

    def test_modified_event(self):
        def edit(lines):
            i = self.event_indexes(lines)[3]
            lines[i] = lines[i].replace('"verify-me"', '"verify-me!"', 1)
        self.assertProblem(self.tampered_copy(edit), "modified")

    def test_deleted_event(self):
        def edit(lines):
            del lines[self.event_indexes(lines)[4]]
        self.assertProblem(self.tampered_copy(edit), "deleted")

    def test_inserted_event(self):
        def edit(lines):
            i = self.event_indexes(lines)[4]
            lines.insert(i, lines[i])
        self.assertProblem(self.tampered_copy(edit), "inserted")

    def test_reordered_events(self):
        def edit(lines):
            idx = self.event_indexes(lines)
            lines[idx[5]], lines[idx[6]] = lines[idx[6]], lines[idx[5]]
        self.assertProblem(self.tampered_copy(edit), "reordered")

    def test_truncated_trail(self):
        def edit(lines):
            del lines[len(lines) // 2:]
        # The server's checkpoint (kept in its database) says how far the trail went.
        rc, out = subprocess.run(
            [coffer_bin(), "audit", "verify", "--data-dir", self.server.data_dir,
             "--audit-dir", self.tampered_copy(edit), "--public-key", self.key_file],
            capture_output=True, text=True, timeout=60).returncode, ""
        self.assertEqual(rc, 1)


class AuditFailClosedTest(unittest.TestCase):
    """A full disk under the audit directory: no unaudited secret read, recovery when space returns."""

    def setUp(self):
        self.mount = tempfile.mkdtemp(prefix="coffer-audit-tmpfs-")
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs",
                               self.mount], capture_output=True, text=True)
        if proc.returncode != 0:
            os.rmdir(self.mount)
            self.skipTest("cannot mount a tmpfs to fill (needs root): " + proc.stderr.strip())
        self.server = None

    def tearDown(self):
        if self.server is not None:
            try:
                self.server.stop()
            finally:
                self.server.close()
        subprocess.run(["umount", self.mount], capture_output=True)
        os.rmdir(self.mount)

    def fill(self):
        """Fills the tmpfs; returns the filler's path."""
        filler = os.path.join(self.mount, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(fd)
        return filler

    def test_full_disk_refuses_reads_and_writes_then_recovers(self):
        audit_dir = os.path.join(self.mount, "audit")
        self.server = CofferServer(extra_args=["--audit-dir", audit_dir])
        self.server.start()
        sm = self.server.client("secretsmanager")
        secret = "full-disk-secret-" + base64.b16encode(os.urandom(8)).decode()
        sm.create_secret(Name="fc", SecretString=secret)
        filler = self.fill()
        # The audit file's last page may still hold a few events; after that, a read whose event
        # cannot be written is refused and the value never leaves the server.
        statuses = []
        for _ in range(200):
            res = self.server.aws_json_request("secretsmanager.GetSecretValue", {"SecretId": "fc"})
            statuses.append(res.status)
            if res.status == 503:
                break
            self.assertEqual(res.status, 200, res.body)
        self.assertEqual(statuses[-1], 503, f"never refused: {statuses}")
        for _ in range(3):
            res = self.server.aws_json_request("secretsmanager.GetSecretValue", {"SecretId": "fc"})
            self.assertEqual(res.status, 503, res.body)
            self.assertNotIn(secret.encode(), res.body)
            self.assertIn(b"ServiceUnavailable", res.body)
        # A write is refused and not applied.
        res = self.server.aws_json_request("secretsmanager.PutSecretValue",
                                           {"SecretId": "fc", "SecretString": "new-value"})
        self.assertEqual(res.status, 503, res.body)
        self.assertTrue(self.server.running)
        os.unlink(filler)
        got = sm.get_secret_value(SecretId="fc")
        self.assertEqual(got["SecretString"], secret)
        # The trail is intact: no partial line, the chain verifies.
        rc, out = run_verify(audit_dir)
        self.assertEqual(rc, 0, out)
        for line in trail_lines(audit_dir):
            json.loads(line)

    def test_non_blocking_mode_answers_anyway(self):
        audit_dir = os.path.join(self.mount, "audit")
        self.server = CofferServer(extra_args=["--audit-dir", audit_dir,
                                               "--audit-mode", "non-blocking"])
        self.server.start()
        sm = self.server.client("secretsmanager")
        sm.create_secret(Name="nb", SecretString="nb-value")
        filler = self.fill()
        self.assertEqual(sm.get_secret_value(SecretId="nb")["SecretString"], "nb-value")
        os.unlink(filler)
        self.assertEqual(sm.get_secret_value(SecretId="nb")["SecretString"], "nb-value")


if __name__ == "__main__":
    run_tests()
