"""Policy enforcement on Secrets Manager, KMS and SSM with real clients.

Each test makes an IAM user with exactly the identity policy it needs (everything else starts with
no permissions), then checks what the user may and may not do: Secrets Manager resource policies
(Put/Get/Delete/ValidateResourcePolicy, BlockPublicPolicy, explicit deny), KMS key policies (the
default policy delegates to IAM; a policy without that delegation locks IAM out; one naming the
user grants without IAM), SSM parameter ARNs, and condition keys (aws:SourceIp,
secretsmanager:ResourceTag, kms:EncryptionContext, aws:RequestTag).
"""

import json

import boto3

from harness import CofferTestCase, run_tests

ACCOUNT = "123456789012"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class PolicyTest(CofferTestCase):
    def setUp(self):
        self.iam = self.server.client("iam")

    def user(self, *statements):
        """A new IAM user with one inline policy of `statements` (none: no policy)."""
        name = self.unique("user")
        arn = self.iam.create_user(UserName=name)["User"]["Arn"]
        if statements:
            self.iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=doc(*statements))
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        session = boto3.session.Session(botocore_session=self.server.botocore_session(),
                                        aws_access_key_id=key["AccessKeyId"],
                                        aws_secret_access_key=key["SecretAccessKey"],
                                        region_name=self.server.region)
        return name, arn, (lambda svc: session.client(
            svc, endpoint_url=self.server.endpoint_url,
            config=botocore_config()))

    def denied(self, fn, action, code="AccessDeniedException"):
        return self.assertAwsError(fn, code, message_contains=f"not authorized to perform: {action}")

    # --- Secrets Manager -------------------------------------------------------------------------

    def test_resource_policy_grants_a_user_without_identity_policy(self):
        sm = self.server.client("secretsmanager")
        secret = sm.create_secret(Name=self.unique("rp"), SecretString="v1")["ARN"]
        _, user_arn, client = self.user()
        usm = client("secretsmanager")
        self.denied(lambda: usm.get_secret_value(SecretId=secret), "secretsmanager:GetSecretValue")
        policy = doc({"Effect": "Allow", "Principal": {"AWS": user_arn},
                      "Action": "secretsmanager:GetSecretValue", "Resource": "*"})
        sm.put_resource_policy(SecretId=secret, ResourcePolicy=policy, BlockPublicPolicy=True)
        self.assertEqual(usm.get_secret_value(SecretId=secret)["SecretString"], "v1")
        got = sm.get_resource_policy(SecretId=secret)
        self.assertEqual(json.loads(got["ResourcePolicy"]), json.loads(policy))
        self.assertEqual(got["ARN"], secret)
        # Other actions are still denied, and the grant goes away with the policy.
        self.denied(lambda: usm.describe_secret(SecretId=secret), "secretsmanager:DescribeSecret")
        sm.delete_resource_policy(SecretId=secret)
        self.assertNotIn("ResourcePolicy", sm.get_resource_policy(SecretId=secret))
        self.denied(lambda: usm.get_secret_value(SecretId=secret), "secretsmanager:GetSecretValue")

    def test_explicit_deny_in_resource_policy_beats_identity_allow(self):
        sm = self.server.client("secretsmanager")
        secret = sm.create_secret(Name=self.unique("deny"), SecretString="v1")["ARN"]
        _, user_arn, client = self.user({"Effect": "Allow", "Action": "secretsmanager:*",
                                         "Resource": "*"})
        usm = client("secretsmanager")
        self.assertEqual(usm.get_secret_value(SecretId=secret)["SecretString"], "v1")
        sm.put_resource_policy(SecretId=secret, ResourcePolicy=doc(
            {"Effect": "Deny", "Principal": {"AWS": user_arn},
             "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))
        err = self.denied(lambda: usm.get_secret_value(SecretId=secret),
                          "secretsmanager:GetSecretValue")
        self.assertIn("explicit deny in a resource-based policy",
                      err.response["Error"]["Message"])
        # Root stays all-powerful.
        self.assertEqual(sm.get_secret_value(SecretId=secret)["SecretString"], "v1")

    def test_public_and_malformed_resource_policies(self):
        sm = self.server.client("secretsmanager")
        secret = sm.create_secret(Name=self.unique("pub"), SecretString="v1")["ARN"]
        public = doc({"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:*",
                      "Resource": "*"})
        self.assertAwsError(lambda: sm.put_resource_policy(
            SecretId=secret, ResourcePolicy=public, BlockPublicPolicy=True),
            "PublicPolicyException")
        self.assertAwsError(lambda: sm.put_resource_policy(
            SecretId=secret, ResourcePolicy='{"Statement": [{"Effect": "Allow"}]}'),
            "MalformedPolicyDocumentException")
        # Nothing was stored by the refused calls.
        self.assertNotIn("ResourcePolicy", sm.get_resource_policy(SecretId=secret))
        checked = sm.validate_resource_policy(SecretId=secret, ResourcePolicy=public)
        self.assertTrue(checked["PolicyValidationPassed"])
        self.assertEqual(checked["ValidationErrors"][0]["CheckName"], "PUBLIC_ACCESS_CHECK")
        bad = sm.validate_resource_policy(ResourcePolicy="{not json")
        self.assertFalse(bad["PolicyValidationPassed"])
        self.assertEqual(bad["ValidationErrors"][0]["CheckName"], "SYNTAX_CHECK")

    def test_resource_tag_and_source_ip_conditions(self):
        sm = self.server.client("secretsmanager")
        team = sm.create_secret(Name=self.unique("tagged"), SecretString="team",
                                Tags=[{"Key": "team", "Value": "billing"}])["ARN"]
        other = sm.create_secret(Name=self.unique("untagged"), SecretString="other")["ARN"]
        _, _, client = self.user({
            "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
            "Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "billing"},
                          "IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}})
        usm = client("secretsmanager")
        self.assertEqual(usm.get_secret_value(SecretId=team)["SecretString"], "team")
        self.denied(lambda: usm.get_secret_value(SecretId=other), "secretsmanager:GetSecretValue")
        _, _, far = self.user({
            "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}})
        self.denied(lambda: far("secretsmanager").get_secret_value(SecretId=team),
                    "secretsmanager:GetSecretValue")

    def test_missing_secret_is_access_denied_unless_allowed(self):
        _, _, client = self.user({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                                  "Resource": f"arn:aws:secretsmanager:*:{ACCOUNT}:secret:mine/*"})
        usm = client("secretsmanager")
        self.assertAwsError(lambda: usm.get_secret_value(SecretId="mine/nothing-here"),
                            "ResourceNotFoundException")
        self.denied(lambda: usm.get_secret_value(SecretId="theirs/nothing-here"),
                    "secretsmanager:GetSecretValue")

    def test_create_secret_with_request_tag_condition(self):
        _, _, client = self.user({
            "Effect": "Allow", "Action": ["secretsmanager:CreateSecret",
                                          "secretsmanager:TagResource"], "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestTag/owner": "me"}}})
        usm = client("secretsmanager")
        usm.create_secret(Name=self.unique("mine"), SecretString="x",
                          Tags=[{"Key": "owner", "Value": "me"}])
        self.denied(lambda: usm.create_secret(Name=self.unique("theirs"), SecretString="x",
                                              Tags=[{"Key": "owner", "Value": "you"}]),
                    "secretsmanager:CreateSecret")
        self.denied(lambda: usm.list_secrets(), "secretsmanager:ListSecrets")

    def test_batch_get_reports_denied_secrets_per_secret(self):
        sm = self.server.client("secretsmanager")
        a = sm.create_secret(Name=self.unique("batch-a"), SecretString="a")["ARN"]
        b = sm.create_secret(Name=self.unique("batch-b"), SecretString="b")["ARN"]
        _, _, client = self.user(
            {"Effect": "Allow", "Action": "secretsmanager:BatchGetSecretValue", "Resource": "*"},
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": a})
        out = client("secretsmanager").batch_get_secret_value(SecretIdList=[a, b])
        self.assertEqual([v["SecretString"] for v in out["SecretValues"]], ["a"])
        self.assertEqual(len(out["Errors"]), 1)
        self.assertEqual(out["Errors"][0]["ErrorCode"], "AccessDeniedException")

    # --- KMS ---------------------------------------------------------------------------------------

    def test_key_policy_delegation_and_lockout(self):
        kms = self.server.client("kms")
        key = kms.create_key()["KeyMetadata"]["Arn"]
        _, user_arn, client = self.user({"Effect": "Allow", "Action": "kms:Encrypt",
                                         "Resource": key})
        ukms = client("kms")
        ukms.encrypt(KeyId=key, Plaintext=b"x")  # default key policy delegates to IAM
        self.denied(lambda: ukms.decrypt(CiphertextBlob=kms.encrypt(KeyId=key,
                                                                   Plaintext=b"x")[
                                                                       "CiphertextBlob"]),
                    "kms:Decrypt")
        # A key policy without the account delegation: IAM policies no longer grant anything.
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=doc(
            {"Sid": "only-root", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/nobody"},
             "Action": "kms:*", "Resource": "*"}))
        err = self.denied(lambda: ukms.encrypt(KeyId=key, Plaintext=b"x"), "kms:Encrypt")
        self.assertIn("resource-based policy", err.response["Error"]["Message"])
        # A key policy naming the user grants it without any IAM policy.
        _, bare_arn, bare = self.user()
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=doc(
            {"Effect": "Allow", "Principal": {"AWS": bare_arn}, "Action": "kms:Encrypt",
             "Resource": "*"}))
        bare("kms").encrypt(KeyId=key, Plaintext=b"x")
        self.assertAwsError(lambda: kms.put_key_policy(KeyId=key, PolicyName="default",
                                                       Policy='{"Statement": 1}'),
                            "MalformedPolicyDocumentException")

    def test_encryption_context_condition(self):
        kms = self.server.client("kms")
        key = kms.create_key()["KeyMetadata"]["Arn"]
        _, _, client = self.user({
            "Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": key,
            "Condition": {"StringEquals": {"kms:EncryptionContext:app": "billing"}}})
        ukms = client("kms")
        blob = ukms.encrypt(KeyId=key, Plaintext=b"x",
                            EncryptionContext={"app": "billing"})["CiphertextBlob"]
        self.assertEqual(ukms.decrypt(CiphertextBlob=blob,
                                      EncryptionContext={"app": "billing"})["Plaintext"], b"x")
        self.denied(lambda: ukms.encrypt(KeyId=key, Plaintext=b"x",
                                         EncryptionContext={"app": "payroll"}), "kms:Encrypt")
        self.denied(lambda: ukms.encrypt(KeyId=key, Plaintext=b"x"), "kms:Encrypt")

    # --- SSM ---------------------------------------------------------------------------------------

    def test_parameter_arns(self):
        ssm = self.server.client("ssm")
        base = "/" + self.unique("app")
        ssm.put_parameter(Name=base + "/db/url", Value="u", Type="String")
        ssm.put_parameter(Name=base + "/other", Value="o", Type="String")
        _, _, client = self.user({
            "Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParametersByPath"],
            "Resource": f"arn:aws:ssm:*:{ACCOUNT}:parameter{base}/db*"})
        ussm = client("ssm")
        self.assertEqual(ussm.get_parameter(Name=base + "/db/url")["Parameter"]["Value"], "u")
        self.denied(lambda: ussm.get_parameter(Name=base + "/other"), "ssm:GetParameter")
        got = ussm.get_parameters_by_path(Path=base + "/db")["Parameters"]
        self.assertEqual([p["Name"] for p in got], [base + "/db/url"])
        self.denied(lambda: ussm.get_parameters(Names=[base + "/db/url", base + "/other"]),
                    "ssm:GetParameters")
        self.denied(lambda: ussm.put_parameter(Name=base + "/db/new", Value="x", Type="String"),
                    "ssm:PutParameter")


def botocore_config():
    from botocore.config import Config
    return Config(retries={"total_max_attempts": 1, "mode": "standard"})


if __name__ == "__main__":
    run_tests()
