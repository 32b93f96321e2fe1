"""IRSA exactly as on EKS: a pod's service-account token becomes role credentials at STS.

A test OIDC issuer runs over HTTPS on 127.0.0.1 with a self-signed certificate (trusted by
Coffer through the provider's ThumbprintList, as IAM does) and an RSA signing key; its
discovery document and JWKS are what kube-apiserver serves. Tokens are service-account-shaped
JWTs (iss, sub system:serviceaccount:prod:billing, aud sts.amazonaws.com) signed with the
`openssl` CLI. An unmodified boto3, configured only with AWS_ROLE_ARN,
AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ENDPOINT_URL, must read the one secret its role allows and
be refused another; forged, expired, wrong-audience and wrong-subject tokens get STS's errors.
"""

import base64
import hashlib
import http.server
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time

import boto3

from botocore.exceptions import ClientError
from harness import CofferTestCase, openssl_self_signed, run_tests, wait_until

SUBJECT = "system:serviceaccount:prod:billing"
AUDIENCE = "sts.amazonaws.com"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class RsaKey:
    """An RSA key made and used through the openssl CLI."""

    def __init__(self, directory, name):
        self.path = os.path.join(directory, name + ".pem")
        subprocess.run(["openssl", "genrsa", "-out", self.path, "2048"], check=True,
                       capture_output=True, timeout=60)
        out = subprocess.run(["openssl", "rsa", "-in", self.path, "-noout", "-modulus"],
                             check=True, capture_output=True, text=True, timeout=60).stdout
        modulus = bytes.fromhex(out.strip().split("=", 1)[1])
        self.kid = hashlib.sha256(modulus).hexdigest()[:16]
        self.jwk = {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
                    "n": b64url(modulus), "e": b64url((65537).to_bytes(3, "big"))}

    def sign(self, data):
        return subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.path], input=data,
                              check=True, capture_output=True, timeout=60).stdout


def make_token(key, issuer, *, sub=SUBJECT, aud=AUDIENCE, lifetime=3600, kid=None, iat=None):
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": kid or key.kid}
    claims = {"iss": issuer, "sub": sub, "aud": aud, "iat": iat if iat is not None else now,
              "nbf": (iat if iat is not None else now), "exp": now + lifetime,
              "kubernetes.io": {"namespace": "prod", "serviceaccount": {"name": "billing"}}}
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode())).encode()
    return signing_input.decode() + "." + b64url(key.sign(signing_input))


class Issuer:
    """kube-apiserver's OIDC discovery endpoints over HTTPS on 127.0.0.1."""

    def __init__(self, directory, key):
        self.cert, self.key_file = openssl_self_signed(directory)
        der = subprocess.run(["openssl", "x509", "-in", self.cert, "-outform", "DER"],
                             check=True, capture_output=True, timeout=60).stdout
        self.thumbprint = hashlib.sha1(der).hexdigest()
        self.keys = [key]
        self.requests = []
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server API)
                issuer.requests.append(self.path)
                if self.path == "/id/TEST/.well-known/openid-configuration":
                    body = {"issuer": issuer.url, "jwks_uri": issuer.url + "/keys",
                            "response_types_supported": ["id_token"],
                            "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256"]}
                elif self.path == "/id/TEST/keys":
                    body = {"keys": [k.jwk for k in issuer.keys]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key_file)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}/id/TEST"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# A pod's program: only the IRSA environment, no static keys, no config files.
POD_SCRIPT = r"""
import json, sys, boto3
from botocore.exceptions import ClientError
out = {}
sm = boto3.client("secretsmanager")
try:
    out["allowed"] = sm.get_secret_value(SecretId=sys.argv[1])["SecretString"]
except ClientError as e:
    out["allowed_error"] = e.response["Error"]["Code"]
try:
    sm.get_secret_value(SecretId=sys.argv[2])
    out["denied"] = "read"
except ClientError as e:
    out["denied"] = e.response["Error"]["Code"]
    out["denied_message"] = e.response["Error"]["Message"]
out["identity"] = boto3.client("sts").get_caller_identity()["Arn"]
print(json.dumps(out))
"""


class IrsaTest(CofferTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tempfile.mkdtemp(prefix="coffer-irsa-")
        cls.key = RsaKey(cls.dir, "issuer")
        cls.issuer = Issuer(cls.dir, cls.key)
        iam = cls.server.client("iam")
        cls.provider_arn = iam.create_open_id_connect_provider(
            Url=cls.issuer.url, ClientIDList=[AUDIENCE],
            ThumbprintList=[cls.issuer.thumbprint])["OpenIDConnectProviderArn"]
        prefix = cls.issuer.url[len("https://"):]
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": cls.provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {prefix + ":sub": SUBJECT, prefix + ":aud": AUDIENCE}}}]}
        cls.role_arn = iam.create_role(RoleName="billing",
                                       AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        sm = cls.server.client("secretsmanager")
        cls.allowed_arn = sm.create_secret(Name="prod/billing/db",
                                           SecretString="billing-password")["ARN"]
        cls.other_arn = sm.create_secret(Name="prod/payroll/db",
                                         SecretString="payroll-password")["ARN"]
        iam.put_role_policy(RoleName="billing", PolicyName="read-billing-db",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                                "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                                "Resource": "arn:aws:secretsmanager:*:*:secret:prod/billing/*"}]}))

    @classmethod
    def tearDownClass(cls):
        cls.issuer.close()
        super().tearDownClass()

    def token_file(self, token):
        path = os.path.join(self.dir, self.unique("token"))
        with open(path, "w") as f:
            f.write(token)
        return path

    def sts(self):
        return self.server.client("sts", unsigned=True)

    def assume(self, token, **kwargs):
        return self.sts().assume_role_with_web_identity(
            RoleArn=kwargs.pop("role_arn", self.role_arn), RoleSessionName="billing-pod",
            WebIdentityToken=token, **kwargs)

    def test_unmodified_boto3_pod_reads_only_what_its_role_allows(self):
        token = make_token(self.key, self.issuer.url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        missing = os.path.join(self.dir, "no-such-file")
        env.update({"AWS_ROLE_ARN": self.role_arn,
                    "AWS_WEB_IDENTITY_TOKEN_FILE": self.token_file(token),
                    "AWS_ENDPOINT_URL": self.server.endpoint_url,
                    "AWS_DEFAULT_REGION": self.server.region,
                    "AWS_CONFIG_FILE": missing, "AWS_SHARED_CREDENTIALS_FILE": missing,
                    "AWS_EC2_METADATA_DISABLED": "true"})
        proc = subprocess.run([sys.executable, "-c", POD_SCRIPT, "prod/billing/db",
                               "prod/payroll/db"], env=env, capture_output=True, text=True,
                              timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = json.loads(proc.stdout)
        self.assertEqual(out.get("allowed"), "billing-password", out)
        self.assertEqual(out["denied"], "AccessDeniedException", out)
        self.assertIn("is not authorized to perform: secretsmanager:GetSecretValue on resource: "
                      + self.other_arn, out["denied_message"])
        self.assertTrue(out["denied_message"].startswith(
            "User: arn:aws:sts::123456789012:assumed-role/billing/"), out)
        self.assertRegex(out["identity"],
                         r"^arn:aws:sts::123456789012:assumed-role/billing/botocore-session-\d+$")
        # No secret value appears in the server's log.
        self.assertNotIn("billing-password", self.server.stderr_text())
        self.assertNotIn(token, self.server.stderr_text())

    def test_credentials_are_well_formed(self):
        resp = self.assume(make_token(self.key, self.issuer.url), DurationSeconds=900)
        creds = resp["Credentials"]
        self.assertRegex(creds["AccessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        self.assertEqual(len(creds["SecretAccessKey"]), 40)
        self.assertGreater(len(creds["SessionToken"]), 100)
        remaining = creds["Expiration"].timestamp() - time.time()
        self.assertTrue(850 < remaining <= 905, remaining)
        self.assertEqual(resp["AssumedRoleUser"]["Arn"],
                         "arn:aws:sts::123456789012:assumed-role/billing/billing-pod")
        self.assertRegex(resp["AssumedRoleUser"]["AssumedRoleId"], r"^AROA[A-Z2-7]+:billing-pod$")
        self.assertEqual(resp["SubjectFromWebIdentityToken"], SUBJECT)
        self.assertEqual(resp["Audience"], AUDIENCE)
        self.assertIn("127.0.0.1", resp["Provider"])

        # The session's credentials work, and only with their own session token.
        b = boto3.session.Session(botocore_session=self.server.botocore_session(),
                                  aws_access_key_id=creds["AccessKeyId"],
                                  aws_secret_access_key=creds["SecretAccessKey"],
                                  aws_session_token=creds["SessionToken"],
                                  region_name=self.server.region)
        sm = b.client("secretsmanager", endpoint_url=self.server.endpoint_url)
        self.assertEqual(sm.get_secret_value(SecretId="prod/billing/db")["SecretString"],
                         "billing-password")
        forged = boto3.session.Session(botocore_session=self.server.botocore_session(),
                                       aws_access_key_id=creds["AccessKeyId"],
                                       aws_secret_access_key=creds["SecretAccessKey"],
                                       aws_session_token=creds["SessionToken"][:-8] + "AAAAAAAA",
                                       region_name=self.server.region)
        self.assertAwsError(
            lambda: forged.client("secretsmanager", endpoint_url=self.server.endpoint_url)
            .get_secret_value(SecretId="prod/billing/db"),
            "UnrecognizedClientException")

    def test_duration_above_the_roles_maximum_is_refused(self):
        self.assertAwsError(lambda: self.assume(make_token(self.key, self.issuer.url),
                                                DurationSeconds=7200),
                            "ValidationError", message_contains="MaxSessionDuration")

    def test_forged_token_is_refused(self):
        other = RsaKey(self.dir, "forger")
        forged = make_token(other, self.issuer.url, kid=self.key.kid)
        self.assertAwsError(lambda: self.assume(forged), "InvalidIdentityToken")
        garbage = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."
        self.assertAwsError(lambda: self.assume(garbage), "InvalidIdentityToken")

    def test_expired_token_is_refused(self):
        old = int(time.time()) - 7200
        expired = make_token(self.key, self.issuer.url, lifetime=-3600, iat=old)
        self.assertAwsError(lambda: self.assume(expired), "ExpiredTokenException")

    def test_wrong_audience_is_refused(self):
        token = make_token(self.key, self.issuer.url, aud="some-other-audience")
        self.assertAwsError(lambda: self.assume(token), "InvalidIdentityToken",
                            message_contains="audience")

    def test_wrong_subject_is_refused_by_the_trust_policy(self):
        token = make_token(self.key, self.issuer.url, sub="system:serviceaccount:dev:billing")
        self.assertAwsError(lambda: self.assume(token), "AccessDenied", status=403)

    def test_unknown_issuer_is_refused(self):
        token = make_token(self.key, "https://127.0.0.1:1/id/NOPE")
        self.assertAwsError(lambda: self.assume(token), "InvalidIdentityToken",
                            message_contains="No OpenIDConnect provider")

    def test_unknown_role_is_refused(self):
        token = make_token(self.key, self.issuer.url)
        self.assertAwsError(
            lambda: self.assume(token, role_arn="arn:aws:iam::123456789012:role/nope"),
            "AccessDenied", status=403)

    def test_rotated_issuer_key_is_fetched_on_unknown_kid(self):
        new_key = RsaKey(self.dir, "rotated")
        self.issuer.keys.append(new_key)
        token = make_token(new_key, self.issuer.url)
        fetches = len(self.issuer.requests)

        def assumed():
            # Re-fetches are rate-limited (one per 10 s per issuer), so the first attempts may
            # still see the old key set.
            try:
                return self.assume(token)
            except ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "InvalidIdentityToken")
                return None

        resp = wait_until(assumed, 30, interval=0.5, what="the rotated key to be fetched")
        self.assertTrue(resp["Credentials"]["AccessKeyId"].startswith("ASIA"))
        self.assertIn("/id/TEST/keys", self.issuer.requests[fetches:])
        # Bounded: forged kids did not make Coffer hammer the issuer.
        self.assertLessEqual(len(self.issuer.requests) - fetches, 8)

    def test_uploaded_jwks_for_an_issuer_coffer_cannot_reach(self):
        # A private cluster: its issuer URL resolves nowhere Coffer can reach, so the operator
        # uploads the keys (kubectl get --raw /openid/v1/jwks) with the Coffer CLI.
        url = "https://oidc.private-cluster.invalid/id/PRIVATE"
        iam = self.server.client("iam")
        provider = iam.create_open_id_connect_provider(
            Url=url, ClientIDList=[AUDIENCE],
            ThumbprintList=["0" * 40])["OpenIDConnectProviderArn"]
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {url[len("https://"):] + ":sub": SUBJECT}}}]}
        role = iam.create_role(RoleName="private-billing",
                               AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        key = RsaKey(self.dir, "private")
        token = make_token(key, url)
        self.assertAwsError(lambda: self.assume(token, role_arn=role), "IDPCommunicationError")

        jwks_file = os.path.join(self.dir, "private-jwks.json")
        with open(jwks_file, "w") as f:
            json.dump({"keys": [key.jwk]}, f)
        env = {"AWS_ACCESS_KEY_ID": self.server.access_key_id,
               "AWS_SECRET_ACCESS_KEY": self.server.secret_access_key}
        cmd = [self.server.command()[0], "operator", "set-oidc-jwks", "--provider-arn", provider,
               "--jwks-file", jwks_file, "--endpoint", self.server.endpoint_url]
        proc = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True,
                              timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        resp = self.assume(token, role_arn=role)
        self.assertTrue(resp["Credentials"]["AccessKeyId"].startswith("ASIA"))

        # Only the account root may upload keys, and a document without keys is refused.
        empty_file = os.path.join(self.dir, "empty-jwks.json")
        with open(empty_file, "w") as f:
            json.dump({"keys": []}, f)
        bad = subprocess.run(cmd[:-4] + ["--jwks-file", empty_file, "--endpoint",
                                         self.server.endpoint_url],
                             env={**os.environ, **env}, capture_output=True, text=True,
                             timeout=60)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("no usable signing key", bad.stderr)
        user = iam.create_user(UserName=self.unique("not-root"))["User"]["UserName"]
        ukey = iam.create_access_key(UserName=user)["AccessKey"]
        denied = subprocess.run(cmd, env={**os.environ, "AWS_ACCESS_KEY_ID": ukey["AccessKeyId"],
                                          "AWS_SECRET_ACCESS_KEY": ukey["SecretAccessKey"]},
                                capture_output=True, text=True, timeout=60)
        self.assertNotEqual(denied.returncode, 0)

    def test_session_policy_narrows_the_role(self):
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": "*"}]})
        creds = self.assume(make_token(self.key, self.issuer.url), Policy=policy)["Credentials"]
        b = boto3.session.Session(botocore_session=self.server.botocore_session(),
                                  aws_access_key_id=creds["AccessKeyId"],
                                  aws_secret_access_key=creds["SecretAccessKey"],
                                  aws_session_token=creds["SessionToken"],
                                  region_name=self.server.region)
        sm = b.client("secretsmanager", endpoint_url=self.server.endpoint_url)
        # The role allows GetSecretValue, the session policy does not: the intersection denies.
        self.assertAwsError(lambda: sm.get_secret_value(SecretId="prod/billing/db"),
                            "AccessDeniedException", message_contains="session policy")


if __name__ == "__main__":
    run_tests()
