"""KMS end to end, through boto3's `kms` client (and raw HTTP where boto3 can't say it).

Expected behaviour is AWS KMS's: error codes and HTTP statuses from the botocore model
(botocore/data/kms/2014-11-01) and the AWS KMS API Reference, summarised in
/work/shared/reference/aws-wire.md. Messages are Coffer's own, so tests check codes and statuses
(and a fragment where AWS documents one).

Signatures, public keys and data key pairs are checked independently of Coffer: with the
`cryptography` module when it is importable, else with the openssl CLI.

Run: python3 tests/e2e/test_kms_boto3.py   (COFFER_BIN selects the binary)
"""

import base64
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (DEFAULT_ACCOUNT_ID, DEFAULT_REGION, ROOT_ACCESS_KEY_ID,  # noqa: E402
                     CofferTestCase, run_tests)

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
    HAVE_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - the image's python3 has it
    HAVE_CRYPTOGRAPHY = False

UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
KEY_ARN_PREFIX = f"arn:aws:kms:{DEFAULT_REGION}:{DEFAULT_ACCOUNT_ID}:key/"
ALIAS_ARN_PREFIX = f"arn:aws:kms:{DEFAULT_REGION}:{DEFAULT_ACCOUNT_ID}:"
DAY = 86400

RSA_SIGNING = ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384",
               "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384",
               "RSASSA_PSS_SHA_512"]
HASH_OF = {"256": "sha256", "384": "sha384", "512": "sha512"}


def now():
    return time.time()


def hash_name(algorithm):
    """"ECDSA_SHA_384" -> "sha384"."""
    return HASH_OF[algorithm.rsplit("_", 1)[1]]


def flip(data, index, mask=0x01):
    b = bytearray(data)
    b[index] ^= mask
    return bytes(b)


# --------------------------------------------------------------------------------------------
# Independent verification (cryptography, else openssl).


def _openssl(*args, input=None):
    return subprocess.run(["openssl", *args], input=input, capture_output=True, timeout=30)


def local_verify(public_der, algorithm, message, signature, is_digest=False):
    """True when `signature` verifies under the SubjectPublicKeyInfo DER `public_der`."""
    hname = hash_name(algorithm)
    if HAVE_CRYPTOGRAPHY:
        h = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}[hname]()
        pub = serialization.load_der_public_key(public_der)
        chosen = utils.Prehashed(h) if is_digest else h
        try:
            if algorithm.startswith("ECDSA"):
                pub.verify(signature, message, ec.ECDSA(chosen))
            elif algorithm.startswith("RSASSA_PSS"):
                # KMS's PSS: MGF1 with the same hash, salt as long as the digest.
                pub.verify(signature, message,
                           padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), chosen)
            else:
                pub.verify(signature, message, padding.PKCS1v15(), chosen)
            return True
        except InvalidSignature:
            return False
    digest = message if is_digest else hashlib.new(hname, message).digest()
    with tempfile.TemporaryDirectory(prefix="coffer-kms-") as d:
        paths = {n: os.path.join(d, n) for n in ("pub.der", "sig.bin", "digest.bin")}
        for name, data in (("pub.der", public_der), ("sig.bin", signature),
                           ("digest.bin", digest)):
            with open(paths[name], "wb") as f:
                f.write(data)
        opts = ["-pkeyopt", f"digest:{hname}"]
        if algorithm.startswith("RSASSA_PSS"):
            opts += ["-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:-1",
                     "-pkeyopt", f"rsa_mgf1_md:{hname}"]
        r = _openssl("pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey",
                     paths["pub.der"], "-in", paths["digest.bin"], "-sigfile",
                     paths["sig.bin"], *opts)
        return r.returncode == 0 and b"Signature Verified Successfully" in r.stdout


def public_key_facts(public_der):
    """(kind, size or curve name) of a SubjectPublicKeyInfo DER."""
    if HAVE_CRYPTOGRAPHY:
        pub = serialization.load_der_public_key(public_der)
        if isinstance(pub, rsa.RSAPublicKey):
            return "RSA", pub.key_size
        return "EC", pub.curve.name
    r = _openssl("pkey", "-pubin", "-inform", "DER", "-noout", "-text", input=public_der)
    text = r.stdout.decode()
    m = re.search(r"Public-Key: \((\d+) bit\)", text)
    curve = re.search(r"ASN1 OID: (\S+)", text)
    if curve:
        # openssl calls P-256 by its X9.62 name; cryptography uses the SEC 2 one.
        return "EC", {"prime256v1": "secp256r1"}.get(curve.group(1), curve.group(1))
    return "RSA", int(m.group(1))


def public_der_of_private(pkcs8_der):
    """The SubjectPublicKeyInfo DER of a PKCS#8 DER private key."""
    if HAVE_CRYPTOGRAPHY:
        priv = serialization.load_der_private_key(pkcs8_der, password=None)
        return priv.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
    r = _openssl("pkey", "-inform", "DER", "-pubout", "-outform", "DER", input=pkcs8_der)
    assert r.returncode == 0, r
    return r.stdout


def rsa_oaep_encrypt(public_der, plaintext, hname):
    if HAVE_CRYPTOGRAPHY:
        h = {"sha1": hashes.SHA1, "sha256": hashes.SHA256}[hname]()
        pub = serialization.load_der_public_key(public_der)
        return pub.encrypt(plaintext, padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None))
    with tempfile.TemporaryDirectory(prefix="coffer-kms-") as d:
        path = os.path.join(d, "pub.der")
        with open(path, "wb") as f:
            f.write(public_der)
        r = _openssl("pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", path,
                     "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", f"rsa_oaep_md:{hname}",
                     "-pkeyopt", f"rsa_mgf1_md:{hname}", input=plaintext)
        assert r.returncode == 0, r
        return r.stdout


def have_local_crypto():
    return HAVE_CRYPTOGRAPHY or shutil.which("openssl") is not None


# --------------------------------------------------------------------------------------------


class KmsTestCase(CofferTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kms = cls.server.client("kms")
        # For inputs botocore itself refuses (below a model minimum): the server must refuse too.
        cls.kms_raw = cls.server.client("kms", parameter_validation=False)

    @classmethod
    def new_key(cls, **kwargs):
        """CreateKey; returns its KeyMetadata."""
        return cls.kms.create_key(**kwargs)["KeyMetadata"]

    def alias_name(self, prefix="e2e"):
        return "alias/" + self.unique(prefix)

    def describe(self, key_id):
        return self.kms.describe_key(KeyId=key_id)["KeyMetadata"]

    def raw(self, operation, payload):
        return self.server.aws_json_request(f"TrentService.{operation}", payload)

    def assertNear(self, when, expected_epoch, tolerance=300):
        self.assertIsInstance(when, datetime.datetime)
        self.assertLess(abs(when.timestamp() - expected_epoch), tolerance,
                        f"{when} is not within {tolerance}s of {expected_epoch}")


# --------------------------------------------------------------------------------------------


class KeyMetadataTest(KmsTestCase):
    def test_symmetric_key_metadata(self):
        before = now()
        md = self.new_key(Description="orders database key")
        self.assertRegex(md["KeyId"], "^" + UUID_RE + "$")
        self.assertEqual(md["Arn"], KEY_ARN_PREFIX + md["KeyId"])
        self.assertEqual(md["AWSAccountId"], DEFAULT_ACCOUNT_ID)
        self.assertNear(md["CreationDate"], before)
        self.assertIs(md["Enabled"], True)
        self.assertEqual(md["Description"], "orders database key")
        self.assertEqual(md["KeyUsage"], "ENCRYPT_DECRYPT")
        self.assertEqual(md["KeyState"], "Enabled")
        self.assertEqual(md["Origin"], "AWS_KMS")
        self.assertEqual(md["KeyManager"], "CUSTOMER")
        self.assertEqual(md["KeySpec"], "SYMMETRIC_DEFAULT")
        self.assertEqual(md["CustomerMasterKeySpec"], "SYMMETRIC_DEFAULT")
        self.assertEqual(md["EncryptionAlgorithms"], ["SYMMETRIC_DEFAULT"])
        self.assertIs(md["MultiRegion"], False)
        for absent in ("SigningAlgorithms", "MacAlgorithms", "DeletionDate"):
            self.assertNotIn(absent, md)

        # DescribeKey returns the same metadata.
        described = self.describe(md["KeyId"])
        self.assertEqual(described, md)

    def test_key_spec_usage_and_algorithms(self):
        cases = [
            # (KeySpec, KeyUsage, member, algorithms)
            ("RSA_2048", "ENCRYPT_DECRYPT", "EncryptionAlgorithms",
             {"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"}),
            ("RSA_3072", "SIGN_VERIFY", "SigningAlgorithms", set(RSA_SIGNING)),
            ("ECC_NIST_P256", "SIGN_VERIFY", "SigningAlgorithms", {"ECDSA_SHA_256"}),
            ("ECC_NIST_P384", "SIGN_VERIFY", "SigningAlgorithms", {"ECDSA_SHA_384"}),
            ("ECC_NIST_P521", "SIGN_VERIFY", "SigningAlgorithms", {"ECDSA_SHA_512"}),
            ("ECC_SECG_P256K1", "SIGN_VERIFY", "SigningAlgorithms", {"ECDSA_SHA_256"}),
            ("HMAC_224", "GENERATE_VERIFY_MAC", "MacAlgorithms", {"HMAC_SHA_224"}),
            ("HMAC_256", "GENERATE_VERIFY_MAC", "MacAlgorithms", {"HMAC_SHA_256"}),
            ("HMAC_384", "GENERATE_VERIFY_MAC", "MacAlgorithms", {"HMAC_SHA_384"}),
            ("HMAC_512", "GENERATE_VERIFY_MAC", "MacAlgorithms", {"HMAC_SHA_512"}),
        ]
        members = {"EncryptionAlgorithms", "SigningAlgorithms", "MacAlgorithms"}
        for spec, usage, member, algorithms in cases:
            with self.subTest(spec=spec, usage=usage):
                md = self.new_key(KeySpec=spec, KeyUsage=usage)
                for m in (md, self.describe(md["Arn"])):
                    self.assertEqual(m["KeySpec"], spec)
                    self.assertEqual(m["CustomerMasterKeySpec"], spec)
                    self.assertEqual(m["KeyUsage"], usage)
                    self.assertEqual(m["KeyState"], "Enabled")
                    self.assertEqual(m["KeyManager"], "CUSTOMER")
                    self.assertEqual(m["Origin"], "AWS_KMS")
                    self.assertEqual(set(m[member]), algorithms)
                    for other in members - {member}:
                        self.assertNotIn(other, m)

    def test_create_key_with_tags_and_policy(self):
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "root", "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:root"},
            "Action": "kms:*", "Resource": "*"}]})
        md = self.new_key(Tags=[{"TagKey": "team", "TagValue": "payments"},
                                {"TagKey": "env", "TagValue": "prod"}], Policy=policy)
        tags = self.kms.list_resource_tags(KeyId=md["KeyId"])
        self.assertEqual(sorted((t["TagKey"], t["TagValue"]) for t in tags["Tags"]),
                         [("env", "prod"), ("team", "payments")])
        self.assertIs(tags["Truncated"], False)
        got = self.kms.get_key_policy(KeyId=md["KeyId"], PolicyName="default")
        self.assertEqual(json.loads(got["Policy"]), json.loads(policy))

    def test_create_key_errors(self):
        self.assertAwsError(lambda: self.kms.create_key(Origin="EXTERNAL"),
                            "UnsupportedOperationException")
        self.assertAwsError(
            lambda: self.kms.create_key(Tags=[{"TagKey": "aws:reserved", "TagValue": "x"}]),
            "TagException")
        self.assertAwsError(lambda: self.kms.create_key(Policy="not json"),
                            "MalformedPolicyDocumentException")
        self.assertAwsError(
            lambda: self.kms.create_key(Policy=json.dumps(
                {"Version": "2012-10-17", "Statement": [{
                    "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]})),
            "MalformedPolicyDocumentException")
        # KeyUsage defaults to ENCRYPT_DECRYPT, which an elliptic-curve key cannot have.
        self.assertAwsError(lambda: self.kms.create_key(KeySpec="ECC_NIST_P256"),
                            "ValidationException")
        self.assertAwsError(
            lambda: self.kms.create_key(KeySpec="HMAC_256", KeyUsage="ENCRYPT_DECRYPT"),
            "ValidationException")
        self.assertAwsError(
            lambda: self.kms.create_key(KeySpec="RSA_2048",
                                        CustomerMasterKeySpec="RSA_2048"),
            "ValidationException")

    def test_key_id_forms(self):
        md = self.new_key()
        alias = self.alias_name()
        self.kms.create_alias(AliasName=alias, TargetKeyId=md["KeyId"])
        for form in (md["KeyId"], md["Arn"], alias, ALIAS_ARN_PREFIX + alias):
            with self.subTest(form=form):
                self.assertEqual(self.describe(form)["KeyId"], md["KeyId"])
                enc = self.kms.encrypt(KeyId=form, Plaintext=b"forms")
                self.assertEqual(enc["KeyId"], md["Arn"])
                dec = self.kms.decrypt(CiphertextBlob=enc["CiphertextBlob"])
                self.assertEqual(dec["Plaintext"], b"forms")
                self.assertEqual(dec["KeyId"], md["Arn"])

    def test_unknown_keys_are_not_found(self):
        missing = str(uuid.uuid4())
        for key_id in (missing, KEY_ARN_PREFIX + missing, "alias/" + self.unique("missing"),
                       ALIAS_ARN_PREFIX + "alias/" + self.unique("missing"), "not-a-key-id"):
            with self.subTest(key_id=key_id):
                self.assertAwsError(lambda: self.kms.describe_key(KeyId=key_id),
                                    "NotFoundException")
                self.assertAwsError(lambda: self.kms.encrypt(KeyId=key_id, Plaintext=b"x"),
                                    "NotFoundException")
        self.assertAwsError(lambda: self.kms.enable_key(KeyId=missing), "NotFoundException")
        self.assertAwsError(lambda: self.kms.disable_key(KeyId=missing), "NotFoundException")
        self.assertAwsError(lambda: self.kms.schedule_key_deletion(KeyId=missing),
                            "NotFoundException")

    def test_alias_is_refused_where_only_key_id_or_arn_is_accepted(self):
        md = self.new_key()
        alias = self.alias_name()
        self.kms.create_alias(AliasName=alias, TargetKeyId=md["KeyId"])
        for form in (alias, ALIAS_ARN_PREFIX + alias):
            with self.subTest(form=form):
                self.assertAwsError(lambda: self.kms.enable_key(KeyId=form), "NotFoundException")
                self.assertAwsError(lambda: self.kms.disable_key(KeyId=form),
                                    "NotFoundException")
                self.assertAwsError(lambda: self.kms.schedule_key_deletion(KeyId=form),
                                    "NotFoundException")
                self.assertAwsError(lambda: self.kms.cancel_key_deletion(KeyId=form),
                                    "NotFoundException")
        # None of the refused calls changed the key.
        self.assertEqual(self.describe(md["KeyId"])["KeyState"], "Enabled")

    def test_update_key_description(self):
        md = self.new_key(Description="before")
        resp = self.kms.update_key_description(KeyId=md["Arn"], Description="after")
        self.assertEqual(set(resp) - {"ResponseMetadata"}, set())
        self.assertEqual(self.describe(md["KeyId"])["Description"], "after")
        self.assertAwsError(
            lambda: self.kms.update_key_description(KeyId=str(uuid.uuid4()), Description="x"),
            "NotFoundException")

    def test_disable_and_enable(self):
        md = self.new_key()
        self.kms.disable_key(KeyId=md["KeyId"])
        d = self.describe(md["KeyId"])
        self.assertEqual((d["KeyState"], d["Enabled"]), ("Disabled", False))
        self.kms.enable_key(KeyId=md["Arn"])
        d = self.describe(md["KeyId"])
        self.assertEqual((d["KeyState"], d["Enabled"]), ("Enabled", True))

    def test_schedule_key_deletion_default_window(self):
        md = self.new_key()
        before = now()
        resp = self.kms.schedule_key_deletion(KeyId=md["KeyId"])
        self.assertEqual(resp["KeyId"], md["Arn"])
        self.assertEqual(resp["KeyState"], "PendingDeletion")
        self.assertEqual(resp["PendingWindowInDays"], 30)
        self.assertNear(resp["DeletionDate"], before + 30 * DAY, tolerance=3600)

    def test_scheduled_key_is_pending_deletion_then_cancel_leaves_it_disabled(self):
        md = self.new_key()
        blob = self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"before")["CiphertextBlob"]
        before = now()
        resp = self.kms.schedule_key_deletion(KeyId=md["Arn"], PendingWindowInDays=7)
        self.assertEqual(resp["PendingWindowInDays"], 7)
        self.assertEqual(resp["KeyState"], "PendingDeletion")
        self.assertNear(resp["DeletionDate"], before + 7 * DAY, tolerance=3600)

        d = self.describe(md["KeyId"])
        self.assertEqual(d["KeyState"], "PendingDeletion")
        self.assertIs(d["Enabled"], False)
        self.assertEqual(d["DeletionDate"], resp["DeletionDate"])

        # A key pending deletion can't be used, enabled, disabled or scheduled again.
        for call in (lambda: self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x"),
                     lambda: self.kms.decrypt(CiphertextBlob=blob),
                     lambda: self.kms.generate_data_key(KeyId=md["KeyId"], KeySpec="AES_256"),
                     lambda: self.kms.enable_key(KeyId=md["KeyId"]),
                     lambda: self.kms.disable_key(KeyId=md["KeyId"]),
                     lambda: self.kms.schedule_key_deletion(KeyId=md["KeyId"]),
                     lambda: self.kms.create_alias(AliasName=self.alias_name(),
                                                   TargetKeyId=md["KeyId"])):
            self.assertAwsError(call, "KMSInvalidStateException")

        cancelled = self.kms.cancel_key_deletion(KeyId=md["KeyId"])
        self.assertEqual(cancelled["KeyId"], md["Arn"])
        d = self.describe(md["KeyId"])
        self.assertEqual((d["KeyState"], d["Enabled"]), ("Disabled", False))
        self.assertNotIn("DeletionDate", d)
        self.assertAwsError(lambda: self.kms.decrypt(CiphertextBlob=blob), "DisabledException")

        self.kms.enable_key(KeyId=md["KeyId"])
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"before")

    def test_pending_deletion_window_is_only_for_multi_region_primaries(self):
        # KeyMetadata.PendingDeletionWindowInDays "is present only when the KeyState of the KMS
        # key is PendingReplicaDeletion"; a single-Region key shows only DeletionDate.
        md = self.new_key()
        self.kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
        d = self.describe(md["KeyId"])
        self.assertIn("DeletionDate", d)
        self.assertNotIn("PendingDeletionWindowInDays", d)

    def test_cancel_key_deletion_of_a_key_not_pending_deletion(self):
        md = self.new_key()
        self.assertAwsError(lambda: self.kms.cancel_key_deletion(KeyId=md["KeyId"]),
                            "KMSInvalidStateException")
        self.assertEqual(self.describe(md["KeyId"])["KeyState"], "Enabled")

    def test_pending_window_outside_7_to_30_is_rejected(self):
        md = self.new_key()
        # botocore checks only the model's range 1-365, so 6 and 31 reach the server.
        for days in (6, 31):
            with self.subTest(days=days):
                self.assertAwsError(
                    lambda: self.kms.schedule_key_deletion(KeyId=md["KeyId"],
                                                           PendingWindowInDays=days),
                    "ValidationException")
        # 0 is below the model minimum: botocore refuses it, so send it unvalidated.
        self.assertAwsError(
            lambda: self.kms_raw.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=0),
            "ValidationException")
        self.assertEqual(self.describe(md["KeyId"])["KeyState"], "Enabled")
        # The bounds themselves are accepted.
        for days in (7, 30):
            k = self.new_key()
            resp = self.kms.schedule_key_deletion(KeyId=k["KeyId"], PendingWindowInDays=days)
            self.assertEqual(resp["PendingWindowInDays"], days)

    def test_tags(self):
        md = self.new_key()
        self.kms.tag_resource(KeyId=md["KeyId"], Tags=[{"TagKey": "a", "TagValue": "1"},
                                                       {"TagKey": "b", "TagValue": "2"}])
        self.kms.tag_resource(KeyId=md["Arn"], Tags=[{"TagKey": "a", "TagValue": "changed"}])

        def tags():
            resp = self.kms.list_resource_tags(KeyId=md["KeyId"])
            self.assertIs(resp["Truncated"], False)
            return sorted((t["TagKey"], t["TagValue"]) for t in resp["Tags"])

        self.assertEqual(tags(), [("a", "changed"), ("b", "2")])
        self.kms.untag_resource(KeyId=md["KeyId"], TagKeys=["a", "not-there"])
        self.assertEqual(tags(), [("b", "2")])
        for reserved in ("aws:owner", "AWS:owner"):
            self.assertAwsError(
                lambda: self.kms.tag_resource(KeyId=md["KeyId"],
                                              Tags=[{"TagKey": reserved, "TagValue": "x"}]),
                "TagException")
        self.assertEqual(tags(), [("b", "2")])
        self.assertAwsError(
            lambda: self.kms.tag_resource(KeyId=str(uuid.uuid4()),
                                          Tags=[{"TagKey": "a", "TagValue": "1"}]),
            "NotFoundException")

    def test_list_resource_tags_pages_and_refuses_forged_markers(self):
        md = self.new_key()
        self.kms.tag_resource(KeyId=md["KeyId"],
                              Tags=[{"TagKey": f"k{i}", "TagValue": str(i)} for i in range(3)])
        first = self.kms.list_resource_tags(KeyId=md["KeyId"], Limit=2)
        self.assertIs(first["Truncated"], True)
        rest = self.kms.list_resource_tags(KeyId=md["KeyId"], Marker=first["NextMarker"])
        self.assertIs(rest["Truncated"], False)
        self.assertEqual(sorted(t["TagKey"] for t in first["Tags"] + rest["Tags"]),
                         ["k0", "k1", "k2"])
        # Markers are opaque: an index with trailing bytes, or past the end, is refused.
        for forged in (base64.urlsafe_b64encode(b"1x").decode().rstrip("="),
                       base64.urlsafe_b64encode(b"99").decode().rstrip("="), "not a marker"):
            with self.subTest(marker=forged):
                self.assertAwsError(
                    lambda: self.kms.list_resource_tags(KeyId=md["KeyId"], Marker=forged),
                    "InvalidMarkerException")

    def test_key_policies(self):
        md = self.new_key()
        default = self.kms.get_key_policy(KeyId=md["KeyId"], PolicyName="default")
        doc = json.loads(default["Policy"])
        self.assertEqual(doc["Version"], "2012-10-17")
        statement = doc["Statement"][0]
        self.assertEqual(statement["Effect"], "Allow")
        self.assertEqual(statement["Principal"],
                         {"AWS": f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:root"})
        self.assertEqual(statement["Action"], "kms:*")
        self.assertEqual(statement["Resource"], "*")

        names = self.kms.list_key_policies(KeyId=md["KeyId"])
        self.assertEqual(names["PolicyNames"], ["default"])
        self.assertIs(names["Truncated"], False)

        policy = {"Version": "2012-10-17", "Statement": [
            {"Sid": "admins", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/admin"},
             "Action": ["kms:Describe*", "kms:Get*"], "Resource": "*"},
            {"Sid": "no-delete", "Effect": "Deny", "Principal": "*",
             "Action": "kms:ScheduleKeyDeletion", "Resource": "*"}]}
        self.kms.put_key_policy(KeyId=md["Arn"], PolicyName="default", Policy=json.dumps(policy))
        got = self.kms.get_key_policy(KeyId=md["KeyId"], PolicyName="default")
        self.assertEqual(json.loads(got["Policy"]), policy)

        self.assertAwsError(
            lambda: self.kms.put_key_policy(KeyId=md["KeyId"], PolicyName="default",
                                            Policy="{this is not json"),
            "MalformedPolicyDocumentException")
        no_effect = {"Version": "2012-10-17", "Statement": [
            {"Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]}
        self.assertAwsError(
            lambda: self.kms.put_key_policy(KeyId=md["KeyId"], PolicyName="default",
                                            Policy=json.dumps(no_effect)),
            "MalformedPolicyDocumentException")
        # The refused documents did not replace the stored one.
        got = self.kms.get_key_policy(KeyId=md["KeyId"], PolicyName="default")
        self.assertEqual(json.loads(got["Policy"]), policy)
        self.assertAwsError(
            lambda: self.kms.get_key_policy(KeyId=md["KeyId"], PolicyName="other"),
            "NotFoundException")


# --------------------------------------------------------------------------------------------


class AliasTest(KmsTestCase):
    def test_create_list_update_delete(self):
        first = self.new_key()
        second = self.new_key()
        alias = self.alias_name("app")
        before = now()
        self.assertEqual(set(self.kms.create_alias(AliasName=alias, TargetKeyId=first["KeyId"]))
                         - {"ResponseMetadata"}, set())

        listed = self.kms.list_aliases(KeyId=first["KeyId"])
        self.assertEqual([a["AliasName"] for a in listed["Aliases"]], [alias])
        entry = listed["Aliases"][0]
        self.assertEqual(entry["AliasArn"], ALIAS_ARN_PREFIX + alias)
        self.assertEqual(entry["TargetKeyId"], first["KeyId"])
        self.assertNear(entry["CreationDate"], before)
        self.assertIs(listed["Truncated"], False)
        self.assertIn(alias, [a["AliasName"] for a in self.kms.list_aliases()["Aliases"]])
        self.assertEqual(self.kms.list_aliases(KeyId=second["KeyId"])["Aliases"], [])

        self.kms.update_alias(AliasName=alias, TargetKeyId=second["Arn"])
        self.assertEqual(self.describe(alias)["KeyId"], second["KeyId"])
        self.assertEqual(self.kms.encrypt(KeyId=alias, Plaintext=b"x")["KeyId"], second["Arn"])
        self.assertEqual(self.kms.list_aliases(KeyId=first["KeyId"])["Aliases"], [])
        moved = self.kms.list_aliases(KeyId=second["KeyId"])["Aliases"]
        self.assertEqual([a["AliasName"] for a in moved], [alias])
        self.assertGreaterEqual(moved[0]["LastUpdatedDate"], moved[0]["CreationDate"])

        self.kms.delete_alias(AliasName=alias)
        self.assertAwsError(lambda: self.describe(alias), "NotFoundException")
        self.assertAwsError(lambda: self.kms.delete_alias(AliasName=alias), "NotFoundException")
        # The key itself is untouched.
        self.assertEqual(self.describe(second["KeyId"])["KeyState"], "Enabled")

    def test_one_key_many_aliases(self):
        md = self.new_key()
        names = sorted(self.alias_name("many") for _ in range(3))
        for name in names:
            self.kms.create_alias(AliasName=name, TargetKeyId=md["Arn"])
        listed = self.kms.list_aliases(KeyId=md["KeyId"])["Aliases"]
        self.assertEqual(sorted(a["AliasName"] for a in listed), names)
        for name in names:
            self.assertEqual(self.describe(name)["KeyId"], md["KeyId"])

    def test_duplicate_alias(self):
        a, b = self.new_key(), self.new_key()
        alias = self.alias_name("dup")
        self.kms.create_alias(AliasName=alias, TargetKeyId=a["KeyId"])
        self.assertAwsError(lambda: self.kms.create_alias(AliasName=alias,
                                                          TargetKeyId=b["KeyId"]),
                            "AlreadyExistsException")
        self.assertEqual(self.describe(alias)["KeyId"], a["KeyId"])

    def test_invalid_alias_names(self):
        md = self.new_key()
        for name in ("no-prefix-" + self.unique(), "alias/aws/" + self.unique("mine")):
            with self.subTest(name=name):
                self.assertAwsError(
                    lambda: self.kms.create_alias(AliasName=name, TargetKeyId=md["KeyId"]),
                    "InvalidAliasNameException")
        self.assertEqual(self.kms.list_aliases(KeyId=md["KeyId"])["Aliases"], [])

    def test_alias_errors_for_missing_things(self):
        md = self.new_key()
        self.assertAwsError(
            lambda: self.kms.create_alias(AliasName=self.alias_name(),
                                          TargetKeyId=str(uuid.uuid4())),
            "NotFoundException")
        self.assertAwsError(
            lambda: self.kms.update_alias(AliasName=self.alias_name("nope"),
                                          TargetKeyId=md["KeyId"]),
            "NotFoundException")
        self.assertAwsError(lambda: self.kms.delete_alias(AliasName=self.alias_name("nope")),
                            "NotFoundException")


# --------------------------------------------------------------------------------------------


class PaginationTest(KmsTestCase):
    """A server of its own, so the 25 keys and 25 aliases are all there is.

    Without an audit trail: the trail's digest key (alias/coffer/audit-digest) would be a 26th.
    """

    server_options = {"extra_args": ["--audit-mode", "off"]}
    COUNT = 25

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key_ids = [cls.new_key(Description=f"page {i}")["KeyId"] for i in range(cls.COUNT)]
        cls.aliases = [f"alias/page-{i:02d}" for i in range(cls.COUNT)]
        for alias, key_id in zip(cls.aliases, cls.key_ids):
            cls.kms.create_alias(AliasName=alias, TargetKeyId=key_id)

    def pages(self, call, item, **kwargs):
        pages = []
        for _ in range(50):
            page = call(**kwargs)
            pages.append(page)
            self.assertEqual("NextMarker" in page, page["Truncated"], page)
            if not page["Truncated"]:
                return pages
            kwargs["Marker"] = page["NextMarker"]
        self.fail("listing never ended")

    def test_list_keys_pages(self):
        pages = self.pages(self.kms.list_keys, "Keys", Limit=10)
        self.assertEqual([len(p["Keys"]) for p in pages], [10, 10, 5])
        self.assertEqual([p["Truncated"] for p in pages], [True, True, False])
        ids = [k["KeyId"] for p in pages for k in p["Keys"]]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(set(ids), set(self.key_ids))
        for p in pages:
            for k in p["Keys"]:
                self.assertEqual(k["KeyArn"], KEY_ARN_PREFIX + k["KeyId"])

    def test_list_keys_limit_edges(self):
        whole = self.kms.list_keys(Limit=self.COUNT)
        self.assertEqual(len(whole["Keys"]), self.COUNT)
        self.assertIs(whole["Truncated"], False)
        self.assertNotIn("NextMarker", whole)
        almost = self.kms.list_keys(Limit=self.COUNT - 1)
        self.assertEqual(len(almost["Keys"]), self.COUNT - 1)
        self.assertIs(almost["Truncated"], True)
        rest = self.kms.list_keys(Limit=10, Marker=almost["NextMarker"])
        self.assertEqual(len(rest["Keys"]), 1)
        self.assertIs(rest["Truncated"], False)
        self.assertEqual({k["KeyId"] for k in almost["Keys"] + rest["Keys"]}, set(self.key_ids))
        # The default limit (100) returns everything.
        self.assertEqual(len(self.kms.list_keys()["Keys"]), self.COUNT)

    def test_boto3_paginator_sees_every_key_once(self):
        paginator = self.kms.get_paginator("list_keys")
        ids = [k["KeyId"] for page in paginator.paginate(PaginationConfig={"PageSize": 7})
               for k in page["Keys"]]
        self.assertEqual(sorted(ids), sorted(self.key_ids))

    def test_list_aliases_pages(self):
        pages = self.pages(self.kms.list_aliases, "Aliases", Limit=10)
        self.assertEqual([len(p["Aliases"]) for p in pages], [10, 10, 5])
        self.assertEqual([p["Truncated"] for p in pages], [True, True, False])
        names = [a["AliasName"] for p in pages for a in p["Aliases"]]
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(sorted(names), self.aliases)
        targets = {a["AliasName"]: a["TargetKeyId"] for p in pages for a in p["Aliases"]}
        self.assertEqual(targets, dict(zip(self.aliases, self.key_ids)))

    def test_invalid_marker(self):
        self.assertAwsError(lambda: self.kms.list_keys(Marker="not a marker!!"),
                            "InvalidMarkerException")
        self.assertAwsError(lambda: self.kms.list_aliases(Marker="not a marker!!"),
                            "InvalidMarkerException")
        # Limit 0 is below the model minimum (botocore refuses it; the server must as well).
        self.assertAwsError(lambda: self.kms_raw.list_keys(Limit=0), "ValidationException")


# --------------------------------------------------------------------------------------------


class SymmetricCryptoTest(KmsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = cls.new_key(Description="symmetric")
        cls.other = cls.new_key(Description="another symmetric")
        cls.ecc = cls.new_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
        cls.hmac = cls.new_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        cls.rsa = cls.new_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")

    def test_encrypt_decrypt_without_key_id(self):
        data = bytes(range(256))
        enc = self.kms.encrypt(KeyId=self.key["KeyId"], Plaintext=data)
        self.assertEqual(enc["KeyId"], self.key["Arn"])
        self.assertEqual(enc["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        self.assertNotIn(data, enc["CiphertextBlob"])
        self.assertLessEqual(len(enc["CiphertextBlob"]), 6144)
        dec = self.kms.decrypt(CiphertextBlob=enc["CiphertextBlob"])
        self.assertEqual(dec["Plaintext"], data)
        self.assertEqual(dec["KeyId"], self.key["Arn"])
        self.assertEqual(dec["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        # Encrypting again gives a different blob (fresh nonce) that decrypts the same.
        again = self.kms.encrypt(KeyId=self.key["KeyId"], Plaintext=data)["CiphertextBlob"]
        self.assertNotEqual(again, enc["CiphertextBlob"])
        self.assertEqual(self.kms.decrypt(CiphertextBlob=again)["Plaintext"], data)
        # Naming the right key (any form) is accepted.
        dec = self.kms.decrypt(CiphertextBlob=again, KeyId=self.key["Arn"])
        self.assertEqual(dec["Plaintext"], data)

    def test_plaintext_size_limit(self):
        blob = self.kms.encrypt(KeyId=self.key["KeyId"], Plaintext=b"p" * 4096)["CiphertextBlob"]
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"p" * 4096)
        # botocore does not check blob lengths, so these reach the server.
        self.assertAwsError(
            lambda: self.kms.encrypt(KeyId=self.key["KeyId"], Plaintext=b"p" * 4097),
            "ValidationException")
        self.assertAwsError(lambda: self.kms.encrypt(KeyId=self.key["KeyId"], Plaintext=b""),
                            "ValidationException")

    def test_encryption_context_must_match_exactly(self):
        ctx = {"tenant": "acme", "purpose": "invoices"}
        blob = self.kms.encrypt(KeyId=self.key["KeyId"], Plaintext=b"ctx",
                                EncryptionContext=ctx)["CiphertextBlob"]
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob, EncryptionContext=ctx)["Plaintext"],
                         b"ctx")
        reordered = {"purpose": "invoices", "tenant": "acme"}
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob,
                                          EncryptionContext=reordered)["Plaintext"], b"ctx")
        wrong = [{}, {"tenant": "acme"}, {"tenant": "acme", "purpose": "receipts"},
                 {"tenant": "acme", "purpose": "invoices", "extra": "x"},
                 {"Tenant": "acme", "purpose": "invoices"},
                 {"tenant": "ACME", "purpose": "invoices"}]
        for context in wrong:
            with self.subTest(context=context):
                self.assertAwsError(
                    lambda: self.kms.decrypt(CiphertextBlob=blob, EncryptionContext=context),
                    "InvalidCiphertextException")
        # And a blob made without a context needs none.
        plain = self.kms.encrypt(KeyId=self.key["KeyId"], Plaintext=b"none")["CiphertextBlob"]
        self.assertAwsError(
            lambda: self.kms.decrypt(CiphertextBlob=plain, EncryptionContext={"a": "b"}),
            "InvalidCiphertextException")

    def test_modified_ciphertexts_are_rejected(self):
        blob = self.kms.encrypt(KeyId=self.key["KeyId"], Plaintext=b"tamper me")["CiphertextBlob"]
        for i in range(len(blob)):
            with self.subTest(flipped_byte=i):
                self.assertAwsError(lambda: self.kms.decrypt(CiphertextBlob=flip(blob, i)),
                                    "InvalidCiphertextException")
        for cut in (blob[:-1], blob[:len(blob) // 2], blob[:5], blob + b"\x00"):
            with self.subTest(length=len(cut)):
                self.assertAwsError(lambda: self.kms.decrypt(CiphertextBlob=cut),
                                    "InvalidCiphertextException")
        for garbage in (os.urandom(1), os.urandom(64), b"\x01" + os.urandom(80)):
            with self.subTest(garbage=len(garbage)):
                self.assertAwsError(lambda: self.kms.decrypt(CiphertextBlob=garbage),
                                    "InvalidCiphertextException")
        # The untouched blob still decrypts.
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"tamper me")

    def test_decrypt_with_another_keys_id_is_incorrect_key(self):
        blob = self.kms.encrypt(KeyId=self.key["KeyId"], Plaintext=b"mine")["CiphertextBlob"]
        alias = self.alias_name("other")
        self.kms.create_alias(AliasName=alias, TargetKeyId=self.other["KeyId"])
        for form in (self.other["KeyId"], self.other["Arn"], alias):
            with self.subTest(form=form):
                self.assertAwsError(lambda: self.kms.decrypt(CiphertextBlob=blob, KeyId=form),
                                    "IncorrectKeyException")

    def test_disabled_key(self):
        md = self.new_key()
        blob = self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"d")["CiphertextBlob"]
        self.kms.disable_key(KeyId=md["KeyId"])
        for name, call in (
                ("Encrypt", lambda: self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")),
                ("Decrypt", lambda: self.kms.decrypt(CiphertextBlob=blob)),
                ("GenerateDataKey",
                 lambda: self.kms.generate_data_key(KeyId=md["KeyId"], KeySpec="AES_256")),
                ("GenerateDataKeyWithoutPlaintext",
                 lambda: self.kms.generate_data_key_without_plaintext(KeyId=md["KeyId"],
                                                                      NumberOfBytes=16)),
                ("GenerateDataKeyPair",
                 lambda: self.kms.generate_data_key_pair(KeyId=md["KeyId"],
                                                         KeyPairSpec="ECC_NIST_P256")),
                ("ReEncrypt (source)",
                 lambda: self.kms.re_encrypt(CiphertextBlob=blob,
                                             DestinationKeyId=self.key["KeyId"])),
                ("Encrypt DryRun",
                 lambda: self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x", DryRun=True))):
            with self.subTest(operation=name):
                self.assertAwsError(call, "DisabledException")
        self.kms.enable_key(KeyId=md["KeyId"])
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"d")

    def test_wrong_key_usage(self):
        for md in (self.ecc, self.hmac):
            with self.subTest(spec=md["KeySpec"]):
                self.assertAwsError(lambda: self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x"),
                                    "InvalidKeyUsageException")
                self.assertAwsError(
                    lambda: self.kms.generate_data_key(KeyId=md["KeyId"], KeySpec="AES_256"),
                    "InvalidKeyUsageException")
        self.assertAwsError(
            lambda: self.kms.generate_data_key(KeyId=self.rsa["KeyId"], KeySpec="AES_256"),
            "InvalidKeyUsageException")
        self.assertAwsError(
            lambda: self.kms.encrypt(KeyId=self.key["KeyId"], Plaintext=b"x",
                                     EncryptionAlgorithm="RSAES_OAEP_SHA_256"),
            "InvalidKeyUsageException")
        self.assertAwsError(
            lambda: self.kms.generate_data_key_pair(KeyId=self.rsa["KeyId"],
                                                    KeyPairSpec="ECC_NIST_P256"),
            "InvalidKeyUsageException")

    def test_dry_run(self):
        status = 412  # DryRunOperationException, AWS KMS API Reference
        blob = self.kms.encrypt(KeyId=self.key["KeyId"], Plaintext=b"dry")["CiphertextBlob"]
        self.assertAwsError(
            lambda: self.kms.encrypt(KeyId=self.key["KeyId"], Plaintext=b"x", DryRun=True),
            "DryRunOperationException", status=status)
        self.assertAwsError(lambda: self.kms.decrypt(CiphertextBlob=blob, DryRun=True),
                            "DryRunOperationException", status=status)
        self.assertAwsError(
            lambda: self.kms.generate_data_key(KeyId=self.key["KeyId"], KeySpec="AES_256",
                                               DryRun=True),
            "DryRunOperationException", status=status)
        # A request that would fail reports its real error instead.
        self.assertAwsError(
            lambda: self.kms.decrypt(CiphertextBlob=flip(blob, len(blob) - 1), DryRun=True),
            "InvalidCiphertextException")

    def test_generate_data_key_lengths(self):
        for kwargs, length in (({"KeySpec": "AES_256"}, 32), ({"KeySpec": "AES_128"}, 16),
                               ({"NumberOfBytes": 1}, 1), ({"NumberOfBytes": 64}, 64),
                               ({"NumberOfBytes": 1024}, 1024)):
            with self.subTest(**kwargs):
                dk = self.kms.generate_data_key(KeyId=self.key["KeyId"], **kwargs)
                self.assertEqual(len(dk["Plaintext"]), length)
                self.assertEqual(dk["KeyId"], self.key["Arn"])
                dec = self.kms.decrypt(CiphertextBlob=dk["CiphertextBlob"])
                self.assertEqual(dec["Plaintext"], dk["Plaintext"])
        a = self.kms.generate_data_key(KeyId=self.key["KeyId"], KeySpec="AES_256")
        b = self.kms.generate_data_key(KeyId=self.key["KeyId"], KeySpec="AES_256")
        self.assertNotEqual(a["Plaintext"], b["Plaintext"])

    def test_generate_data_key_spec_errors(self):
        kid = self.key["KeyId"]
        self.assertAwsError(lambda: self.kms.generate_data_key(KeyId=kid), "ValidationException")
        self.assertAwsError(
            lambda: self.kms.generate_data_key(KeyId=kid, KeySpec="AES_256", NumberOfBytes=32),
            "ValidationException")
        self.assertAwsError(lambda: self.kms.generate_data_key(KeyId=kid, NumberOfBytes=1025),
                            "ValidationException")
        self.assertAwsError(lambda: self.kms_raw.generate_data_key(KeyId=kid, NumberOfBytes=0),
                            "ValidationException")

    def test_values_outside_the_model_are_validation_errors(self):
        # botocore does not check enums; the service validates them (awsJson ValidationException).
        kid = self.key["KeyId"]
        self.assertAwsError(lambda: self.kms.generate_data_key(KeyId=kid, KeySpec="AES_512"),
                            "ValidationException", message_contains="keySpec")
        self.assertAwsError(
            lambda: self.kms.encrypt(KeyId=kid, Plaintext=b"x", EncryptionAlgorithm="ROT13"),
            "ValidationException", message_contains="encryptionAlgorithm")
        self.assertAwsError(lambda: self.kms.create_key(KeySpec="AES_512"),
                            "ValidationException", message_contains="keySpec")
        self.assertAwsError(lambda: self.kms.decrypt(CiphertextBlob=b"x" * 6145),
                            "ValidationException")

    def test_generate_data_key_with_context_and_without_plaintext(self):
        ctx = {"bucket": "b1"}
        dk = self.kms.generate_data_key_without_plaintext(
            KeyId=self.key["Arn"], KeySpec="AES_256", EncryptionContext=ctx)
        self.assertNotIn("Plaintext", dk)
        self.assertEqual(dk["KeyId"], self.key["Arn"])
        dec = self.kms.decrypt(CiphertextBlob=dk["CiphertextBlob"], EncryptionContext=ctx)
        self.assertEqual(len(dec["Plaintext"]), 32)
        self.assertAwsError(lambda: self.kms.decrypt(CiphertextBlob=dk["CiphertextBlob"]),
                            "InvalidCiphertextException")

    def test_generate_random(self):
        for n in (1, 32, 1024):
            with self.subTest(bytes=n):
                self.assertEqual(len(self.kms.generate_random(NumberOfBytes=n)["Plaintext"]), n)
        a = self.kms.generate_random(NumberOfBytes=32)["Plaintext"]
        b = self.kms.generate_random(NumberOfBytes=32)["Plaintext"]
        self.assertNotEqual(a, b)
        self.assertAwsError(lambda: self.kms.generate_random(NumberOfBytes=1025),
                            "ValidationException")
        self.assertAwsError(lambda: self.kms_raw.generate_random(NumberOfBytes=0),
                            "ValidationException")

    def test_re_encrypt(self):
        src_ctx, dst_ctx = {"stage": "old"}, {"stage": "new"}
        blob = self.kms.encrypt(KeyId=self.key["KeyId"], Plaintext=b"move me",
                                EncryptionContext=src_ctx)["CiphertextBlob"]
        resp = self.kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext=src_ctx,
                                   DestinationKeyId=self.other["KeyId"],
                                   DestinationEncryptionContext=dst_ctx)
        self.assertEqual(resp["SourceKeyId"], self.key["Arn"])
        self.assertEqual(resp["KeyId"], self.other["Arn"])
        self.assertEqual(resp["SourceEncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        self.assertEqual(resp["DestinationEncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        dec = self.kms.decrypt(CiphertextBlob=resp["CiphertextBlob"], EncryptionContext=dst_ctx)
        self.assertEqual((dec["Plaintext"], dec["KeyId"]), (b"move me", self.other["Arn"]))
        self.assertAwsError(
            lambda: self.kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext=dst_ctx,
                                        DestinationKeyId=self.other["KeyId"]),
            "InvalidCiphertextException")
        self.assertAwsError(
            lambda: self.kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext=src_ctx,
                                        SourceKeyId=self.other["KeyId"],
                                        DestinationKeyId=self.other["KeyId"]),
            "IncorrectKeyException")


# --------------------------------------------------------------------------------------------


class RotationTest(KmsTestCase):
    def test_rotation_status_enable_disable(self):
        md = self.new_key()
        status = self.kms.get_key_rotation_status(KeyId=md["KeyId"])
        self.assertIs(status["KeyRotationEnabled"], False)
        self.assertNotIn("NextRotationDate", status)

        before = now()
        self.kms.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=180)
        status = self.kms.get_key_rotation_status(KeyId=md["Arn"])
        self.assertIs(status["KeyRotationEnabled"], True)
        self.assertEqual(status["RotationPeriodInDays"], 180)
        self.assertIn(status["KeyId"], (md["KeyId"], md["Arn"]))
        self.assertNear(status["NextRotationDate"], before + 180 * DAY, tolerance=DAY)

        self.kms.enable_key_rotation(KeyId=md["KeyId"])  # default period: 365 days
        status = self.kms.get_key_rotation_status(KeyId=md["KeyId"])
        self.assertEqual(status["RotationPeriodInDays"], 365)
        self.assertNear(status["NextRotationDate"], before + 365 * DAY, tolerance=DAY)

        self.kms.disable_key_rotation(KeyId=md["KeyId"])
        status = self.kms.get_key_rotation_status(KeyId=md["KeyId"])
        self.assertIs(status["KeyRotationEnabled"], False)
        self.assertNotIn("NextRotationDate", status)

    def test_rotation_period_bounds(self):
        md = self.new_key()
        self.assertAwsError(
            lambda: self.kms.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=2561),
            "ValidationException")
        self.assertAwsError(
            lambda: self.kms_raw.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=89),
            "ValidationException")
        self.assertIs(self.kms.get_key_rotation_status(KeyId=md["KeyId"])["KeyRotationEnabled"],
                      False)
        for days in (90, 2560):
            self.kms.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=days)
            self.assertEqual(
                self.kms.get_key_rotation_status(KeyId=md["KeyId"])["RotationPeriodInDays"], days)

    def test_rotation_of_non_symmetric_keys_is_unsupported(self):
        for spec, usage in (("ECC_NIST_P256", "SIGN_VERIFY"), ("HMAC_256", "GENERATE_VERIFY_MAC")):
            md = self.new_key(KeySpec=spec, KeyUsage=usage)
            with self.subTest(spec=spec):
                self.assertAwsError(lambda: self.kms.enable_key_rotation(KeyId=md["KeyId"]),
                                    "UnsupportedOperationException")
                self.assertAwsError(lambda: self.kms.rotate_key_on_demand(KeyId=md["KeyId"]),
                                    "UnsupportedOperationException")

    def test_on_demand_rotation_keeps_old_ciphertexts_readable(self):
        md = self.new_key()
        ctx = {"k": "v"}
        c1 = self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"one",
                              EncryptionContext=ctx)["CiphertextBlob"]
        self.assertEqual(self.kms.list_key_rotations(KeyId=md["KeyId"])["Rotations"], [])

        before = now()
        resp = self.kms.rotate_key_on_demand(KeyId=md["Arn"])
        self.assertEqual(resp["KeyId"], md["KeyId"])
        self.assertEqual(self.kms.decrypt(CiphertextBlob=c1, EncryptionContext=ctx)["Plaintext"],
                         b"one")
        c2 = self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"two")["CiphertextBlob"]

        self.kms.rotate_key_on_demand(KeyId=md["KeyId"])
        c3 = self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"three")["CiphertextBlob"]
        self.assertEqual(len({c1, c2, c3}), 3)
        self.assertEqual(self.kms.decrypt(CiphertextBlob=c1, EncryptionContext=ctx)["Plaintext"],
                         b"one")
        self.assertEqual(self.kms.decrypt(CiphertextBlob=c2)["Plaintext"], b"two")
        self.assertEqual(self.kms.decrypt(CiphertextBlob=c3)["Plaintext"], b"three")
        # Still tamper-evident after rotation.
        self.assertAwsError(lambda: self.kms.decrypt(CiphertextBlob=flip(c1, len(c1) - 1),
                                                     EncryptionContext=ctx),
                            "InvalidCiphertextException")

        rotations = self.kms.list_key_rotations(KeyId=md["KeyId"])
        self.assertIs(rotations["Truncated"], False)
        self.assertEqual(len(rotations["Rotations"]), 2)
        for r in rotations["Rotations"]:
            self.assertEqual(r["RotationType"], "ON_DEMAND")
            self.assertIn(r["KeyId"], (md["KeyId"], md["Arn"]))
            self.assertNear(r["RotationDate"], before)

        first = self.kms.list_key_rotations(KeyId=md["KeyId"], Limit=1)
        self.assertEqual(len(first["Rotations"]), 1)
        self.assertIs(first["Truncated"], True)
        second = self.kms.list_key_rotations(KeyId=md["KeyId"], Limit=1,
                                             Marker=first["NextMarker"])
        self.assertEqual(len(second["Rotations"]), 1)
        self.assertIs(second["Truncated"], False)
        self.assertEqual(first["Rotations"] + second["Rotations"], rotations["Rotations"])

        # On-demand rotation does not turn automatic rotation on.
        self.assertIs(self.kms.get_key_rotation_status(KeyId=md["KeyId"])["KeyRotationEnabled"],
                      False)

    def test_on_demand_rotation_limit_is_25(self):
        # "You can perform on-demand key rotation a maximum of 25 times per KMS key"
        # (RotateKeyOnDemand, botocore model / AWS KMS API Reference).
        md = self.new_key()
        blob = self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")["CiphertextBlob"]
        for i in range(25):
            with self.subTest(rotation=i + 1):
                self.kms.rotate_key_on_demand(KeyId=md["KeyId"])
        self.assertAwsError(lambda: self.kms.rotate_key_on_demand(KeyId=md["KeyId"]),
                            "LimitExceededException")
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"x")


# --------------------------------------------------------------------------------------------


@unittest.skipUnless(have_local_crypto(), "neither cryptography nor openssl is available")
class AsymmetricTest(KmsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rsa_sign = cls.new_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
        cls.rsa4096 = cls.new_key(KeySpec="RSA_4096", KeyUsage="SIGN_VERIFY")
        cls.rsa_enc = cls.new_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
        cls.ecc = {spec: cls.new_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")
                   for spec in ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521",
                                "ECC_SECG_P256K1")}
        cls.symmetric = cls.new_key()
        cls.public = {}

    def public_key(self, md):
        if md["KeyId"] not in self.public:
            resp = self.kms.get_public_key(KeyId=md["KeyId"])
            self.public[md["KeyId"]] = resp["PublicKey"]
        return self.public[md["KeyId"]]

    def sign_cases(self):
        cases = [(self.rsa_sign, a) for a in RSA_SIGNING]
        cases.append((self.rsa4096, "RSASSA_PSS_SHA_512"))
        cases += [(self.ecc["ECC_NIST_P256"], "ECDSA_SHA_256"),
                  (self.ecc["ECC_NIST_P384"], "ECDSA_SHA_384"),
                  (self.ecc["ECC_NIST_P521"], "ECDSA_SHA_512"),
                  (self.ecc["ECC_SECG_P256K1"], "ECDSA_SHA_256")]
        return cases

    def test_get_public_key(self):
        expected = {"RSA_2048": ("RSA", 2048), "RSA_4096": ("RSA", 4096),
                    "ECC_NIST_P256": ("EC", "secp256r1"), "ECC_NIST_P384": ("EC", "secp384r1"),
                    "ECC_NIST_P521": ("EC", "secp521r1"), "ECC_SECG_P256K1": ("EC", "secp256k1")}
        for md in [self.rsa_sign, self.rsa4096] + list(self.ecc.values()):
            with self.subTest(spec=md["KeySpec"]):
                resp = self.kms.get_public_key(KeyId=md["Arn"])
                self.assertEqual(resp["KeyId"], md["Arn"])
                self.assertEqual(resp["KeySpec"], md["KeySpec"])
                self.assertEqual(resp["CustomerMasterKeySpec"], md["KeySpec"])
                self.assertEqual(resp["KeyUsage"], "SIGN_VERIFY")
                self.assertEqual(set(resp["SigningAlgorithms"]), set(md["SigningAlgorithms"]))
                self.assertNotIn("EncryptionAlgorithms", resp)
                self.assertEqual(public_key_facts(resp["PublicKey"]), expected[md["KeySpec"]])
        resp = self.kms.get_public_key(KeyId=self.rsa_enc["KeyId"])
        self.assertEqual(resp["KeyUsage"], "ENCRYPT_DECRYPT")
        self.assertEqual(set(resp["EncryptionAlgorithms"]),
                         {"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"})
        self.assertNotIn("SigningAlgorithms", resp)

    def test_get_public_key_of_a_symmetric_key_is_unsupported(self):
        self.assertAwsError(lambda: self.kms.get_public_key(KeyId=self.symmetric["KeyId"]),
                            "UnsupportedOperationException")

    def test_sign_raw_and_verify(self):
        message = b"the quick brown fox " * 20
        for md, algorithm in self.sign_cases():
            with self.subTest(spec=md["KeySpec"], algorithm=algorithm):
                resp = self.kms.sign(KeyId=md["KeyId"], Message=message, MessageType="RAW",
                                     SigningAlgorithm=algorithm)
                self.assertEqual(resp["KeyId"], md["Arn"])
                self.assertEqual(resp["SigningAlgorithm"], algorithm)
                sig = resp["Signature"]
                self.assertTrue(local_verify(self.public_key(md), algorithm, message, sig))
                self.assertFalse(local_verify(self.public_key(md), algorithm, message + b"!", sig))
                ok = self.kms.verify(KeyId=md["KeyId"], Message=message, MessageType="RAW",
                                     Signature=sig, SigningAlgorithm=algorithm)
                self.assertIs(ok["SignatureValid"], True)
                self.assertEqual(ok["KeyId"], md["Arn"])
                self.assertEqual(ok["SigningAlgorithm"], algorithm)
                # MessageType defaults to RAW.
                self.assertIs(self.kms.verify(KeyId=md["KeyId"], Message=message, Signature=sig,
                                              SigningAlgorithm=algorithm)["SignatureValid"], True)

    def test_sign_digest_and_verify(self):
        message = b"digest mode message"
        for md, algorithm in self.sign_cases():
            with self.subTest(spec=md["KeySpec"], algorithm=algorithm):
                digest = hashlib.new(hash_name(algorithm), message).digest()
                sig = self.kms.sign(KeyId=md["KeyId"], Message=digest, MessageType="DIGEST",
                                    SigningAlgorithm=algorithm)["Signature"]
                self.assertTrue(local_verify(self.public_key(md), algorithm, digest, sig,
                                             is_digest=True))
                # A DIGEST signature is a signature of the message: RAW verification agrees.
                self.assertTrue(local_verify(self.public_key(md), algorithm, message, sig))
                self.assertIs(self.kms.verify(KeyId=md["KeyId"], Message=message,
                                              MessageType="RAW", Signature=sig,
                                              SigningAlgorithm=algorithm)["SignatureValid"], True)
                self.assertIs(self.kms.verify(KeyId=md["KeyId"], Message=digest,
                                              MessageType="DIGEST", Signature=sig,
                                              SigningAlgorithm=algorithm)["SignatureValid"], True)

    def test_sign_input_validation(self):
        md = self.ecc["ECC_NIST_P256"]
        self.assertAwsError(
            lambda: self.kms.sign(KeyId=md["KeyId"], Message=b"m", SigningAlgorithm="MD5"),
            "ValidationException", message_contains="signingAlgorithm")
        # RAW messages are limited to 4096 bytes (the model's Message length constraint).
        self.assertAwsError(
            lambda: self.kms.sign(KeyId=md["KeyId"], Message=b"m" * 4097,
                                  SigningAlgorithm="ECDSA_SHA_256"),
            "ValidationException")
        self.assertAwsError(
            lambda: self.kms.sign(KeyId=md["KeyId"], Message=b"\x00" * 31, MessageType="DIGEST",
                                  SigningAlgorithm="ECDSA_SHA_256"),
            "ValidationException")

    def test_tampered_signatures_are_invalid(self):
        message = b"signed statement"
        for md, algorithm in ((self.rsa_sign, "RSASSA_PSS_SHA_256"),
                              (self.rsa_sign, "RSASSA_PKCS1_V1_5_SHA_256"),
                              (self.ecc["ECC_NIST_P256"], "ECDSA_SHA_256")):
            with self.subTest(algorithm=algorithm):
                sig = self.kms.sign(KeyId=md["KeyId"], Message=message,
                                    SigningAlgorithm=algorithm)["Signature"]
                for bad_sig, bad_msg in ((flip(sig, len(sig) - 1), message),
                                         (flip(sig, len(sig) // 2, 0x80), message),
                                         (sig, message + b"."),
                                         (os.urandom(len(sig)), message)):
                    self.assertAwsError(
                        lambda: self.kms.verify(KeyId=md["KeyId"], Message=bad_msg,
                                                Signature=bad_sig, SigningAlgorithm=algorithm),
                        "KMSInvalidSignatureException")
        # A signature by another key of the same spec does not verify either.
        other = self.new_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
        sig = self.kms.sign(KeyId=other["KeyId"], Message=message,
                            SigningAlgorithm="ECDSA_SHA_256")["Signature"]
        self.assertAwsError(
            lambda: self.kms.verify(KeyId=self.ecc["ECC_NIST_P256"]["KeyId"], Message=message,
                                    Signature=sig, SigningAlgorithm="ECDSA_SHA_256"),
            "KMSInvalidSignatureException")

    def test_signing_usage_and_algorithm_errors(self):
        p256 = self.ecc["ECC_NIST_P256"]["KeyId"]
        cases = [
            ("symmetric key", self.symmetric["KeyId"], "RSASSA_PSS_SHA_256"),
            ("RSA ENCRYPT_DECRYPT key", self.rsa_enc["KeyId"], "RSASSA_PSS_SHA_256"),
            ("P-256 with SHA-384", p256, "ECDSA_SHA_384"),
            ("P-256 with RSA PSS", p256, "RSASSA_PSS_SHA_256"),
            ("RSA with ECDSA", self.rsa_sign["KeyId"], "ECDSA_SHA_256"),
        ]
        for what, key_id, algorithm in cases:
            with self.subTest(what):
                self.assertAwsError(
                    lambda: self.kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm=algorithm),
                    "InvalidKeyUsageException")
        # Encrypting with a SIGN_VERIFY key is the mirror image.
        self.assertAwsError(
            lambda: self.kms.encrypt(KeyId=self.rsa_sign["KeyId"], Plaintext=b"x",
                                     EncryptionAlgorithm="RSAES_OAEP_SHA_256"),
            "InvalidKeyUsageException")
        self.assertAwsError(
            lambda: self.kms.sign(KeyId=p256, Message=b"m", SigningAlgorithm="ECDSA_SHA_256",
                                  DryRun=True),
            "DryRunOperationException", status=412)

    def test_disabled_signing_key(self):
        md = self.new_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
        sig = self.kms.sign(KeyId=md["KeyId"], Message=b"m",
                            SigningAlgorithm="ECDSA_SHA_256")["Signature"]
        self.kms.disable_key(KeyId=md["KeyId"])
        self.assertAwsError(
            lambda: self.kms.sign(KeyId=md["KeyId"], Message=b"m",
                                  SigningAlgorithm="ECDSA_SHA_256"),
            "DisabledException")
        self.assertAwsError(
            lambda: self.kms.verify(KeyId=md["KeyId"], Message=b"m", Signature=sig,
                                    SigningAlgorithm="ECDSA_SHA_256"),
            "DisabledException")
        self.assertAwsError(lambda: self.kms.get_public_key(KeyId=md["KeyId"]),
                            "DisabledException")
        self.kms.enable_key(KeyId=md["KeyId"])
        self.assertIs(self.kms.verify(KeyId=md["KeyId"], Message=b"m", Signature=sig,
                                      SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"], True)

    def test_rsa_encrypt_and_decrypt(self):
        kid = self.rsa_enc["KeyId"]
        for algorithm, hname in (("RSAES_OAEP_SHA_256", "sha256"), ("RSAES_OAEP_SHA_1", "sha1")):
            with self.subTest(algorithm=algorithm):
                enc = self.kms.encrypt(KeyId=kid, Plaintext=b"rsa secret",
                                       EncryptionAlgorithm=algorithm)
                self.assertEqual(enc["KeyId"], self.rsa_enc["Arn"])
                self.assertEqual(enc["EncryptionAlgorithm"], algorithm)
                self.assertEqual(len(enc["CiphertextBlob"]), 256)
                dec = self.kms.decrypt(KeyId=kid, CiphertextBlob=enc["CiphertextBlob"],
                                       EncryptionAlgorithm=algorithm)
                self.assertEqual(dec["Plaintext"], b"rsa secret")
                self.assertEqual(dec["KeyId"], self.rsa_enc["Arn"])
                self.assertEqual(dec["EncryptionAlgorithm"], algorithm)

                # Encrypted locally with the public key, decrypted by KMS.
                local = rsa_oaep_encrypt(self.public_key(self.rsa_enc), b"from outside", hname)
                dec = self.kms.decrypt(KeyId=self.rsa_enc["Arn"], CiphertextBlob=local,
                                       EncryptionAlgorithm=algorithm)
                self.assertEqual(dec["Plaintext"], b"from outside")

        sha256_ct = rsa_oaep_encrypt(self.public_key(self.rsa_enc), b"x", "sha256")
        self.assertAwsError(
            lambda: self.kms.decrypt(KeyId=kid, CiphertextBlob=sha256_ct,
                                     EncryptionAlgorithm="RSAES_OAEP_SHA_1"),
            "InvalidCiphertextException")
        self.assertAwsError(
            lambda: self.kms.decrypt(KeyId=kid, CiphertextBlob=flip(sha256_ct, 10),
                                     EncryptionAlgorithm="RSAES_OAEP_SHA_256"),
            "InvalidCiphertextException")
        # SYMMETRIC_DEFAULT (the default algorithm) does not fit an RSA key.
        self.assertAwsError(lambda: self.kms.encrypt(KeyId=kid, Plaintext=b"x"),
                            "InvalidKeyUsageException")

    def test_generate_data_key_pair(self):
        kid = self.symmetric["KeyId"]
        for spec in ("ECC_NIST_P256", "RSA_2048"):
            with self.subTest(spec=spec):
                ctx = {"pair": spec}
                pair = self.kms.generate_data_key_pair(KeyId=kid, KeyPairSpec=spec,
                                                       EncryptionContext=ctx)
                self.assertEqual(pair["KeyId"], self.symmetric["Arn"])
                self.assertEqual(pair["KeyPairSpec"], spec)
                self.assertEqual(public_der_of_private(pair["PrivateKeyPlaintext"]),
                                 pair["PublicKey"])
                self.assertEqual(public_key_facts(pair["PublicKey"])[0],
                                 "EC" if spec.startswith("ECC") else "RSA")
                dec = self.kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"],
                                       EncryptionContext=ctx)
                self.assertEqual(dec["Plaintext"], pair["PrivateKeyPlaintext"])
                self.assertEqual(dec["KeyId"], self.symmetric["Arn"])
                self.assertAwsError(
                    lambda: self.kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"]),
                    "InvalidCiphertextException")

        bare = self.kms.generate_data_key_pair_without_plaintext(KeyId=kid,
                                                                 KeyPairSpec="ECC_NIST_P384")
        self.assertNotIn("PrivateKeyPlaintext", bare)
        private = self.kms.decrypt(CiphertextBlob=bare["PrivateKeyCiphertextBlob"])["Plaintext"]
        self.assertEqual(public_der_of_private(private), bare["PublicKey"])
        self.assertEqual(public_key_facts(bare["PublicKey"]), ("EC", "secp384r1"))


# --------------------------------------------------------------------------------------------


class HmacTest(KmsTestCase):
    SPECS = {"HMAC_224": ("HMAC_SHA_224", 28), "HMAC_256": ("HMAC_SHA_256", 32),
             "HMAC_384": ("HMAC_SHA_384", 48), "HMAC_512": ("HMAC_SHA_512", 64)}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = {spec: cls.new_key(KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")
                    for spec in cls.SPECS}

    def test_generate_and_verify_mac(self):
        for spec, (algorithm, length) in self.SPECS.items():
            md = self.keys[spec]
            with self.subTest(spec=spec):
                resp = self.kms.generate_mac(KeyId=md["KeyId"], Message=b"hello",
                                             MacAlgorithm=algorithm)
                mac = resp["Mac"]
                self.assertEqual(len(mac), length)
                self.assertEqual(resp["MacAlgorithm"], algorithm)
                self.assertEqual(resp["KeyId"], md["Arn"])
                # Deterministic for the same key and message; different otherwise.
                self.assertEqual(self.kms.generate_mac(KeyId=md["Arn"], Message=b"hello",
                                                       MacAlgorithm=algorithm)["Mac"], mac)
                self.assertNotEqual(self.kms.generate_mac(KeyId=md["KeyId"], Message=b"hello!",
                                                          MacAlgorithm=algorithm)["Mac"], mac)
                ok = self.kms.verify_mac(KeyId=md["KeyId"], Message=b"hello", Mac=mac,
                                         MacAlgorithm=algorithm)
                self.assertIs(ok["MacValid"], True)
                self.assertEqual(ok["KeyId"], md["Arn"])
                self.assertEqual(ok["MacAlgorithm"], algorithm)
                for bad_msg, bad_mac in ((b"hello", flip(mac, 0)), (b"hello", flip(mac, -1)),
                                         (b"hellO", mac), (b"hello", mac[:-1])):
                    self.assertAwsError(
                        lambda: self.kms.verify_mac(KeyId=md["KeyId"], Message=bad_msg,
                                                    Mac=bad_mac, MacAlgorithm=algorithm),
                        "KMSInvalidMacException")
        # Two keys of the same spec give different MACs.
        other = self.new_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        a = self.kms.generate_mac(KeyId=self.keys["HMAC_256"]["KeyId"], Message=b"m",
                                  MacAlgorithm="HMAC_SHA_256")["Mac"]
        b = self.kms.generate_mac(KeyId=other["KeyId"], Message=b"m",
                                  MacAlgorithm="HMAC_SHA_256")["Mac"]
        self.assertNotEqual(a, b)

    def test_mac_errors(self):
        self.assertAwsError(
            lambda: self.kms.generate_mac(KeyId=self.keys["HMAC_384"]["KeyId"], Message=b"m",
                                          MacAlgorithm="HMAC_SHA_256"),
            "InvalidKeyUsageException")
        sym = self.new_key()
        self.assertAwsError(
            lambda: self.kms.generate_mac(KeyId=sym["KeyId"], Message=b"m",
                                          MacAlgorithm="HMAC_SHA_256"),
            "InvalidKeyUsageException")
        md = self.new_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        self.kms.disable_key(KeyId=md["KeyId"])
        self.assertAwsError(
            lambda: self.kms.generate_mac(KeyId=md["KeyId"], Message=b"m",
                                          MacAlgorithm="HMAC_SHA_256"),
            "DisabledException")


# --------------------------------------------------------------------------------------------


class SecretsManagerWithCustomerKeyTest(KmsTestCase):
    DECRYPT_FAILURE = ("Secrets Manager can't decrypt the protected secret text using the "
                       "provided KMS key.")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sm = cls.server.client("secretsmanager")

    def test_secret_under_a_customer_key_follows_the_key_state(self):
        key = self.new_key(Description="secrets key")
        name = self.unique("kms/secret")
        self.sm.create_secret(Name=name, SecretString="s3cr3t", KmsKeyId=key["Arn"])
        self.assertEqual(self.sm.describe_secret(SecretId=name)["KmsKeyId"], key["Arn"])
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "s3cr3t")
        # A secret under the default key is not affected by what happens to the customer key.
        default_name = self.unique("kms/default")
        self.sm.create_secret(Name=default_name, SecretString="plain")
        self.assertNotIn("KmsKeyId", self.sm.describe_secret(SecretId=default_name))
        # That default is the AWS managed key alias/aws/secretsmanager, rotated yearly.
        managed = self.describe("alias/aws/secretsmanager")
        self.assertEqual((managed["KeyManager"], managed["KeySpec"], managed["KeyState"]),
                         ("AWS", "SYMMETRIC_DEFAULT", "Enabled"))
        self.assertIs(self.kms.get_key_rotation_status(
            KeyId=managed["KeyId"])["KeyRotationEnabled"], True)

        self.kms.disable_key(KeyId=key["KeyId"])
        err = self.assertAwsError(lambda: self.sm.get_secret_value(SecretId=name),
                                  "DecryptionFailure", message_contains=self.DECRYPT_FAILURE)
        self.assertNotIn("s3cr3t", str(err.response))
        self.assertAwsError(
            lambda: self.sm.put_secret_value(SecretId=name, SecretString="new"),
            "EncryptionFailure")
        # Metadata needs no decryption.
        self.assertEqual(self.sm.describe_secret(SecretId=name)["Name"], name)
        self.assertEqual(self.sm.get_secret_value(SecretId=default_name)["SecretString"], "plain")

        self.kms.enable_key(KeyId=key["KeyId"])
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "s3cr3t")

        # Pending deletion makes it unreadable too; cancelling leaves the key disabled.
        self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        self.assertAwsError(lambda: self.sm.get_secret_value(SecretId=name),
                            "DecryptionFailure", message_contains=self.DECRYPT_FAILURE)
        self.kms.cancel_key_deletion(KeyId=key["KeyId"])
        self.assertAwsError(lambda: self.sm.get_secret_value(SecretId=name),
                            "DecryptionFailure")
        self.kms.enable_key(KeyId=key["KeyId"])
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretString"], "s3cr3t")

    def test_secret_key_named_by_alias(self):
        key = self.new_key()
        alias = self.alias_name("sm")
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        name = self.unique("kms/alias")
        self.sm.create_secret(Name=name, SecretBinary=b"\x00\x01binary", KmsKeyId=alias)
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretBinary"],
                         b"\x00\x01binary")
        self.kms.disable_key(KeyId=key["KeyId"])
        self.assertAwsError(lambda: self.sm.get_secret_value(SecretId=name), "DecryptionFailure")
        self.kms.enable_key(KeyId=key["KeyId"])
        self.assertEqual(self.sm.get_secret_value(SecretId=name)["SecretBinary"],
                         b"\x00\x01binary")


# --------------------------------------------------------------------------------------------


class ProtocolTest(KmsTestCase):
    def test_unknown_operation(self):
        r = self.raw("NoSuchOperation", {})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["__type"], "UnknownOperationException")
        self.assertTrue(r.headers.get("x-amzn-requestid"), r)

    def test_raw_request_round_trip(self):
        r = self.raw("CreateKey", {"Description": "raw"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("content-type"), "application/x-amz-json-1.1")
        key_id = r.json()["KeyMetadata"]["KeyId"]
        r = self.raw("Encrypt", {"KeyId": key_id,
                                 "Plaintext": base64.b64encode(b"raw bytes").decode()})
        self.assertEqual(r.status, 200, r)
        blob = r.json()["CiphertextBlob"]
        r = self.raw("Decrypt", {"CiphertextBlob": blob})
        self.assertEqual(base64.b64decode(r.json()["Plaintext"]), b"raw bytes")
        r = self.raw("DescribeKey", {"KeyId": str(uuid.uuid4())})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["__type"], "NotFoundException")

    def test_wrong_secret_key_is_invalid_signature(self):
        bad = self.server.client("kms", access_key_id=ROOT_ACCESS_KEY_ID,
                                 secret_access_key="wrong-secret-access-key-000000000")
        keys_before = self.kms.list_keys()["Keys"]
        self.assertAwsError(lambda: bad.list_keys(), "InvalidSignatureException")
        self.assertAwsError(lambda: bad.create_key(), "InvalidSignatureException")
        self.assertEqual(self.kms.list_keys()["Keys"], keys_before)

    def test_signed_for_another_service(self):
        r = self.server.aws_json_request("TrentService.ListKeys", {},
                                         signing_name="secretsmanager")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["__type"], "InvalidSignatureException")


if __name__ == "__main__":
    run_tests()
