"""KMS end to end, through the aws CLI (`python3 -m awscli`, else `aws` on PATH), with openssl
on the other side of every key: data keys encrypt files with `openssl enc`, signatures made by
`aws kms sign` verify with `openssl dgst`/`pkeyutl` against `aws kms get-public-key`, and
`openssl pkeyutl -encrypt` output decrypts with `aws kms decrypt`.

Checks the CLI's JSON output and, for failures, its exit code and the
"An error occurred (<Code>) when calling the <Op> operation: <Message>" line.

Run: python3 tests/e2e/test_kms_cli.py   (COFFER_BIN selects the binary)
"""

import base64
import concurrent.futures
import hashlib
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, CofferTestCase, run_tests  # noqa: E402

# awscli v1 exits 255 on a service error; v2 exits 254.
SERVICE_ERROR_RCS = (254, 255)
KEY_ARN_PREFIX = f"arn:aws:kms:{DEFAULT_REGION}:{DEFAULT_ACCOUNT_ID}:key/"
OPENSSL_TIMEOUT = 30


@unittest.skipIf(shutil.which("openssl") is None, "openssl is not installed")
class KmsCliTest(CofferTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Fixtures that a test does not exercise through the CLI are made with boto3 (faster).
        cls.kms = cls.server.client("kms")
        cls.files = os.path.join(cls.server.work_dir, "files")
        os.makedirs(cls.files)

    # ---- helpers ---------------------------------------------------------------------------

    def cli(self, *args):
        """Runs `aws kms <args>`, asserts success; returns the parsed JSON (None if empty)."""
        r = self.server.aws("kms", *args)
        self.assertEqual(r.rc, 0, r)
        return r.json() if r.stdout.strip() else None

    def cli_error(self, code, operation, *args, message_contains=()):
        """Runs `aws kms <args>`, asserts it failed with this AWS error; returns the CliResult."""
        r = self.server.aws("kms", *args)
        self.assertIn(r.rc, SERVICE_ERROR_RCS, r)
        self.assertEqual(r.stdout.strip(), "", r)
        m = re.search(r"An error occurred \(" + re.escape(code) + r"\) when calling the "
                      + re.escape(operation) + r" operation(?: \(reached max retries: \d+\))?: "
                      r"(.*)", r.stderr, re.S)
        self.assertIsNotNone(m, f"expected {code} from {operation}: {r!r}")
        for part in ((message_contains,) if isinstance(message_contains, str)
                     else message_contains):
            self.assertIn(part, m.group(1), r)
        return r

    def parallel(self, *calls):
        """Runs independent CLI calls concurrently (each CLI start costs ~1 s)."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(calls)) as pool:
            futures = [pool.submit(c) for c in calls]
            return [f.result(timeout=120) for f in futures]

    def path(self, name):
        return os.path.join(self.files, self.unique("f") + "-" + name)

    def write(self, name, data):
        p = self.path(name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    @staticmethod
    def read(path):
        with open(path, "rb") as f:
            return f.read()

    def openssl(self, *args, input=None):
        return subprocess.run(["openssl", *args], input=input, capture_output=True,
                              timeout=OPENSSL_TIMEOUT)

    def public_pem(self, key_id):
        """`aws kms get-public-key` -> DER file -> PEM file (via openssl); returns the PEM path."""
        out = self.cli("get-public-key", "--key-id", key_id)
        der = self.write("pub.der", base64.b64decode(out["PublicKey"]))
        pem = self.path("pub.pem")
        r = self.openssl("pkey", "-pubin", "-inform", "DER", "-in", der, "-out", pem)
        self.assertEqual(r.returncode, 0, r)
        return pem, out

    # ---- key management --------------------------------------------------------------------

    def test_create_describe_alias_and_list(self):
        created = self.cli("create-key", "--description", "cli key")["KeyMetadata"]
        key_id = created["KeyId"]
        self.assertEqual(created["Arn"], KEY_ARN_PREFIX + key_id)
        self.assertEqual(created["KeySpec"], "SYMMETRIC_DEFAULT")
        self.assertEqual(created["KeyUsage"], "ENCRYPT_DECRYPT")
        self.assertEqual(created["KeyState"], "Enabled")
        self.assertEqual(created["Description"], "cli key")
        # The CLI prints timestamps as ISO 8601 text or epoch numbers depending on version.
        self.assertIsInstance(created["CreationDate"], (str, int, float))

        alias = "alias/" + self.unique("cli")
        self.assertIsNone(self.cli("create-alias", "--alias-name", alias,
                                   "--target-key-id", key_id))
        by_alias, aliases, _, _ = self.parallel(
            lambda: self.cli("describe-key", "--key-id", alias),
            lambda: self.cli("list-aliases", "--key-id", key_id),
            lambda: self.cli_error("NotFoundException", "DescribeKey", "describe-key",
                                   "--key-id", "alias/" + self.unique("missing")),
            lambda: self.cli_error("AlreadyExistsException", "CreateAlias", "create-alias",
                                   "--alias-name", alias, "--target-key-id", key_id))
        self.assertEqual(by_alias["KeyMetadata"], created)
        self.assertEqual([(a["AliasName"], a["TargetKeyId"], a["AliasArn"])
                          for a in aliases["Aliases"]],
                         [(alias, key_id, f"arn:aws:kms:{DEFAULT_REGION}:{DEFAULT_ACCOUNT_ID}:"
                           + alias)])

    def test_encrypt_decrypt_round_trip_with_files(self):
        key = self.kms.create_key(Description="cli crypto")["KeyMetadata"]
        alias = "alias/" + self.unique("files")
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        data = os.urandom(1000) + b"\x00\n\xff end"
        plain = self.write("plain.bin", data)

        enc = self.cli("encrypt", "--key-id", alias, "--plaintext", f"fileb://{plain}",
                       "--encryption-context", "app=billing")
        self.assertEqual(enc["KeyId"], key["Arn"])
        self.assertEqual(enc["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        blob = base64.b64decode(enc["CiphertextBlob"])
        self.assertNotIn(data, blob)
        ct = self.write("cipher.bin", blob)

        dec = self.cli("decrypt", "--ciphertext-blob", f"fileb://{ct}",
                       "--encryption-context", "app=billing")
        self.assertEqual(base64.b64decode(dec["Plaintext"]), data)
        self.assertEqual(dec["KeyId"], key["Arn"])

    # ---- (a) envelope encryption: KMS data key + openssl enc ---------------------------------

    def test_data_key_encrypts_a_file_with_openssl(self):
        key = self.kms.create_key(Description="envelope")["KeyMetadata"]
        original = os.urandom(3000) + b"the document\n"
        doc = self.write("doc.txt", original)
        encrypted = self.path("doc.enc")
        wrapped_key = self.path("datakey.enc")
        iv = os.urandom(16).hex()

        dk = self.cli("generate-data-key", "--key-id", key["KeyId"], "--key-spec", "AES_256",
                      "--encryption-context", "file=doc.txt")
        self.assertEqual(dk["KeyId"], key["Arn"])
        data_key = base64.b64decode(dk["Plaintext"])
        self.assertEqual(len(data_key), 32)
        with open(wrapped_key, "wb") as f:
            f.write(base64.b64decode(dk["CiphertextBlob"]))
        r = self.openssl("enc", "-aes-256-cbc", "-K", data_key.hex(), "-iv", iv,
                         "-in", doc, "-out", encrypted)
        self.assertEqual(r.returncode, 0, r)
        # Forget the plaintext key: only the wrapped copy remains.
        del dk, data_key
        self.assertNotEqual(self.read(encrypted), original)
        self.assertNotIn(b"the document", self.read(encrypted))

        # Later: unwrap the key with KMS and decrypt the file with openssl.
        unwrapped, _ = self.parallel(
            lambda: self.cli("decrypt", "--ciphertext-blob", f"fileb://{wrapped_key}",
                             "--encryption-context", "file=doc.txt"),
            lambda: self.cli_error("InvalidCiphertextException", "Decrypt", "decrypt",
                                   "--ciphertext-blob", f"fileb://{wrapped_key}",
                                   "--encryption-context", "file=other.txt"))
        self.assertEqual(unwrapped["KeyId"], key["Arn"])
        data_key = base64.b64decode(unwrapped["Plaintext"])
        decrypted = self.path("doc.out")
        r = self.openssl("enc", "-d", "-aes-256-cbc", "-K", data_key.hex(), "-iv", iv,
                         "-in", encrypted, "-out", decrypted)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.read(decrypted), original)

        # Another data key does not decrypt the file.
        other = self.kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256")["Plaintext"]
        wrong_out = self.path("doc.wrong")
        r = self.openssl("enc", "-d", "-aes-256-cbc", "-K", other.hex(), "-iv", iv,
                         "-in", encrypted, "-out", wrong_out)
        self.assertTrue(r.returncode != 0 or self.read(wrong_out) != original, r)

    # ---- (b) aws kms sign, openssl verify ----------------------------------------------------

    def test_signatures_verify_with_openssl(self):
        # The keys are fixtures (create-key is exercised above); signing and the public keys
        # go through the CLI.
        ecc = self.kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        rsa = self.kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        (ecc_pem, ecc_pub), (rsa_pem, rsa_pub) = self.parallel(
            lambda: self.public_pem(ecc["KeyId"]), lambda: self.public_pem(rsa["Arn"]))
        self.assertEqual((ecc_pub["KeySpec"], ecc_pub["KeyUsage"]),
                         ("ECC_NIST_P256", "SIGN_VERIFY"))
        self.assertEqual(rsa_pub["KeySpec"], "RSA_2048")

        message = b"release-1.2.3.tar.gz contents\n" * 50
        doc = self.write("release.tar.gz", message)
        tampered = self.write("tampered.tar.gz", message[:-2] + b"X\n")
        cases = [
            (ecc, ecc_pem, "ECDSA_SHA_256", []),
            (rsa, rsa_pem, "RSASSA_PKCS1_V1_5_SHA_256", []),
            (rsa, rsa_pem, "RSASSA_PSS_SHA_256",
             ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1",
              "-sigopt", "rsa_mgf1_md:sha256"]),
        ]

        def sign(key, algorithm):
            return self.cli("sign", "--key-id", key["KeyId"], "--message", f"fileb://{doc}",
                            "--message-type", "RAW", "--signing-algorithm", algorithm)

        signed = self.parallel(*[lambda k=k, a=a: sign(k, a) for k, _, a, _ in cases])
        for (key, pem, algorithm, sigopts), out in zip(cases, signed):
            with self.subTest(algorithm=algorithm):
                self.assertEqual(out["KeyId"], key["Arn"])
                self.assertEqual(out["SigningAlgorithm"], algorithm)
                sig = self.write("sig.bin", base64.b64decode(out["Signature"]))
                r = self.openssl("dgst", "-sha256", *sigopts, "-verify", pem,
                                 "-signature", sig, doc)
                self.assertEqual(r.returncode, 0, r)
                self.assertIn(b"Verified OK", r.stdout)
                r = self.openssl("dgst", "-sha256", *sigopts, "-verify", pem,
                                 "-signature", sig, tampered)
                self.assertNotEqual(r.returncode, 0, r)
                self.assertIn(b"Verification failure", r.stdout + r.stderr)

        # DIGEST mode: sign the SHA-256 of the file; openssl pkeyutl verifies the digest.
        digest = self.write("digest.bin", hashlib.sha256(message).digest())
        out = self.cli("sign", "--key-id", ecc["KeyId"], "--message", f"fileb://{digest}",
                       "--message-type", "DIGEST", "--signing-algorithm", "ECDSA_SHA_256")
        sig_bytes = base64.b64decode(out["Signature"])
        sig = self.write("digest-sig.bin", sig_bytes)
        r = self.openssl("pkeyutl", "-verify", "-pubin", "-inkey", ecc_pem, "-in", digest,
                         "-sigfile", sig, "-pkeyopt", "digest:sha256")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn(b"Signature Verified Successfully", r.stdout)
        bad_digest = self.write("bad-digest.bin", hashlib.sha256(message + b"x").digest())
        r = self.openssl("pkeyutl", "-verify", "-pubin", "-inkey", ecc_pem, "-in", bad_digest,
                         "-sigfile", sig, "-pkeyopt", "digest:sha256")
        self.assertNotEqual(r.returncode, 0, r)

        # aws kms verify refuses a tampered signature (a DIGEST signature verifies as RAW).
        self.assertIs(self.kms.verify(KeyId=ecc["KeyId"], Message=message, Signature=sig_bytes,
                                      SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"], True)
        bad_sig = self.write("bad-sig.bin", sig_bytes[:-1] + bytes([sig_bytes[-1] ^ 1]))
        self.cli_error("KMSInvalidSignatureException", "Verify", "verify",
                       "--key-id", ecc["KeyId"], "--message", f"fileb://{doc}",
                       "--message-type", "RAW", "--signature", f"fileb://{bad_sig}",
                       "--signing-algorithm", "ECDSA_SHA_256")

    # ---- (c) openssl encrypts with the public key, aws kms decrypts ----------------------------

    def test_openssl_rsa_oaep_ciphertext_decrypts_with_kms(self):
        key = self.kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
        pem, pub = self.public_pem(key["KeyId"])
        self.assertEqual(sorted(pub["EncryptionAlgorithms"]),
                         ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"])
        secret = b"database password: hunter2"
        plain = self.write("secret.txt", secret)
        encrypted = self.path("secret.enc")
        r = self.openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", pem,
                         "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256",
                         "-pkeyopt", "rsa_mgf1_md:sha256", "-in", plain, "-out", encrypted)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(len(self.read(encrypted)), 256)

        dec, _ = self.parallel(
            lambda: self.cli("decrypt", "--key-id", key["KeyId"], "--encryption-algorithm",
                             "RSAES_OAEP_SHA_256", "--ciphertext-blob", f"fileb://{encrypted}"),
            lambda: self.cli_error("InvalidCiphertextException", "Decrypt", "decrypt",
                                   "--key-id", key["KeyId"], "--encryption-algorithm",
                                   "RSAES_OAEP_SHA_1", "--ciphertext-blob",
                                   f"fileb://{encrypted}"))
        self.assertEqual(base64.b64decode(dec["Plaintext"]), secret)
        self.assertEqual(dec["KeyId"], key["Arn"])
        self.assertEqual(dec["EncryptionAlgorithm"], "RSAES_OAEP_SHA_256")


if __name__ == "__main__":
    run_tests()
