#!/usr/bin/env python3
"""Checks the query protocol's wire format against botocore itself (run by CTest).

Responses: the XML that EncodeResponse/EncodeError write for IAM and STS operations is parsed with
botocore's QueryParser (what boto3 and the aws CLI use) and must give back exactly the handler's
data: lists, maps, timestamps, blobs, booleans, escaped text, errors.
Requests: botocore's QuerySerializer encodes parameters as boto3 sends them, and DecodeInput must
turn the form body back into the same parameters.

    botocore_parse_test.py <path to aws_query_xml_tool>
"""
import base64
import datetime
import json
import subprocess
import sys

import botocore.session
from botocore import parsers, serialize
from botocore.awsrequest import AWSRequest

TOOL = sys.argv[1]
SESSION = botocore.session.get_session()
MODELS = {name: SESSION.get_service_model(name) for name in ("iam", "sts")}
UTC = datetime.timezone.utc
failures = []


def run(args, stdin):
    p = subprocess.run([TOOL, *args], input=stdin.encode(), capture_output=True, timeout=30)
    return p.returncode, p.stdout.decode()


def check(name, got, want):
    if got != want:
        failures.append(f"{name}:\n  got  {got!r}\n  want {want!r}")
    else:
        print(f"ok   {name}")


def parse_response(service, operation, handler_output):
    code, xml = run(["response", service, operation], json.dumps(handler_output))
    if code != 0:
        failures.append(f"{service}.{operation}: the encoder refused the output: {xml}")
        return None
    op = MODELS[service].operation_model(operation)
    parsed = parsers.create_parser("query").parse(
        {"body": xml.encode(), "headers": {}, "status_code": 200}, op.output_shape)
    metadata = parsed.pop("ResponseMetadata", {})
    check(f"{service}.{operation} request id", metadata.get("RequestId"), "req-0001")
    return parsed


def test_responses():
    tricky = "a<b>&c\"d'e\r\nf\ttab caf\u00e9 \U0001F511 ]]>"
    got = parse_response("sts", "GetCallerIdentity", {
        "UserId": "AIDAEXAMPLE", "Account": "123456789012",
        "Arn": "arn:aws:iam::123456789012:user/alice"})
    check("sts.GetCallerIdentity", got, {
        "UserId": "AIDAEXAMPLE", "Account": "123456789012",
        "Arn": "arn:aws:iam::123456789012:user/alice"})

    got = parse_response("sts", "AssumeRoleWithWebIdentity", {
        "Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s/k+e=y",
                        "SessionToken": "tok", "Expiration": 1795325140},
        "SubjectFromWebIdentityToken": tricky,
        "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:s1",
                            "Arn": "arn:aws:sts::123456789012:assumed-role/eso/s1"},
        "PackedPolicySize": 6, "Provider": "https://issuer.example", "Audience": "sts"})
    check("sts.AssumeRoleWithWebIdentity", got, {
        "Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s/k+e=y",
                        "SessionToken": "tok",
                        "Expiration": datetime.datetime(2026, 11, 22, 5, 25, 40, tzinfo=UTC)},
        "SubjectFromWebIdentityToken": tricky,
        "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:s1",
                            "Arn": "arn:aws:sts::123456789012:assumed-role/eso/s1"},
        "PackedPolicySize": 6, "Provider": "https://issuer.example", "Audience": "sts"})

    got = parse_response("iam", "ListUsers", {
        "Users": [
            {"Path": "/", "UserName": "alice", "UserId": "AIDA1", "Arn": "arn:aws:iam::1:user/alice",
             "CreateDate": 1795325140.25,
             "Tags": [{"Key": "team", "Value": "a&b"}, {"Key": "empty", "Value": ""}],
             "PermissionsBoundary": {"PermissionsBoundaryType": "Policy",
                                     "PermissionsBoundaryArn": "arn:aws:iam::1:policy/b"}},
            {"Path": "/x/", "UserName": "bob", "UserId": "AIDA2", "Arn": "arn:aws:iam::1:user/x/bob",
             "CreateDate": 0, "Unknown": "dropped"}],
        "IsTruncated": True, "Marker": "m<1>"})
    check("iam.ListUsers", got, {
        "Users": [
            {"Path": "/", "UserName": "alice", "UserId": "AIDA1", "Arn": "arn:aws:iam::1:user/alice",
             "CreateDate": datetime.datetime(2026, 11, 22, 5, 25, 40, 250000, tzinfo=UTC),
             "Tags": [{"Key": "team", "Value": "a&b"}, {"Key": "empty", "Value": ""}],
             "PermissionsBoundary": {"PermissionsBoundaryType": "Policy",
                                     "PermissionsBoundaryArn": "arn:aws:iam::1:policy/b"}},
            {"Path": "/x/", "UserName": "bob", "UserId": "AIDA2", "Arn": "arn:aws:iam::1:user/x/bob",
             "CreateDate": datetime.datetime(1970, 1, 1, tzinfo=UTC)}],
        "IsTruncated": True, "Marker": "m<1>"})

    got = parse_response("iam", "ListUsers", {"Users": [], "IsTruncated": False})
    check("iam.ListUsers (empty)", got, {"Users": [], "IsTruncated": False})

    got = parse_response("iam", "GetAccountSummary", {"SummaryMap": {"Users": 3, "Groups": 0}})
    check("iam.GetAccountSummary (map of integers)", got,
          {"SummaryMap": {"Users": 3, "Groups": 0}})

    got = parse_response("iam", "GetMFADevice", {
        "UserName": "alice", "SerialNumber": "arn:aws:iam::1:mfa/alice",
        "EnableDate": 1795325140, "Certifications": {"fips<": "yes&", "k2": "v2"}})
    check("iam.GetMFADevice (map of strings)", got, {
        "UserName": "alice", "SerialNumber": "arn:aws:iam::1:mfa/alice",
        "EnableDate": datetime.datetime(2026, 11, 22, 5, 25, 40, tzinfo=UTC),
        "Certifications": {"fips<": "yes&", "k2": "v2"}})

    report = b"user,arn\nalice,arn:aws:iam::1:user/alice\n"
    got = parse_response("iam", "GetCredentialReport", {
        "Content": base64.b64encode(report).decode(), "ReportFormat": "text/csv",
        "GeneratedTime": 1795325140})
    check("iam.GetCredentialReport (blob)", got, {
        "Content": report, "ReportFormat": "text/csv",
        "GeneratedTime": datetime.datetime(2026, 11, 22, 5, 25, 40, tzinfo=UTC)})

    got = parse_response("iam", "DeleteUser", {})
    check("iam.DeleteUser (no output)", got, {})


def test_errors():
    parser = parsers.create_parser("query")
    code, xml = run(["error", "404", "NoSuchEntity", "https://iam.amazonaws.com/doc/2010-05-08/"],
                    "The user with name <bob & co> cannot be found.")
    check("error encodes", code, 0)
    got = parser.parse({"body": xml.encode(), "headers": {}, "status_code": 404}, None)
    check("iam error", got, {
        "Error": {"Type": "Sender", "Code": "NoSuchEntity",
                  "Message": "The user with name <bob & co> cannot be found."},
        "ResponseMetadata": {"RequestId": "req-0001", "HTTPStatusCode": 404, "HTTPHeaders": {}}})

    code, xml = run(["error", "400", "InvalidIdentityToken", "https://sts.amazonaws.com/doc/2011-06-15/"],
                    "Couldn't retrieve verification key from your identity provider")
    got = parser.parse({"body": xml.encode(), "headers": {}, "status_code": 400}, None)
    check("sts error code", got["Error"]["Code"], "InvalidIdentityToken")
    sts = SESSION.create_client("sts", region_name="us-east-1", aws_access_key_id="x",
                                aws_secret_access_key="y")
    check("sts error class", sts.exceptions.from_code(got["Error"]["Code"]).__name__,
          "InvalidIdentityTokenException")

    code, xml = run(["error", "503", "ServiceUnavailable", ""], "sealed")
    got = parser.parse({"body": xml.encode(), "headers": {}, "status_code": 503}, None)
    check("receiver error", got["Error"], {"Type": "Receiver", "Code": "ServiceUnavailable",
                                           "Message": "sealed"})


def decode(service, operation, params):
    op = MODELS[service].operation_model(operation)
    serialized = serialize.create_serializer("query").serialize_to_request(params, op)
    body = AWSRequest(method="POST", url="http://127.0.0.1/", data=serialized["body"]).prepare().body
    code, out = run(["decode", service], body)
    if code != 0:
        failures.append(f"{service}.{operation}: decoding refused {body!r}: {out}")
        return None
    return json.loads(out)


def test_requests():
    params = {
        "RoleArn": "arn:aws:iam::123456789012:role/eso", "RoleSessionName": "s1",
        "WebIdentityToken": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2ln",
        "DurationSeconds": 3600,
        "Policy": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Sid": "a b+c%d&e=f"}]}),
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
                       {"arn": "arn:aws:iam::123456789012:policy/p"}]}
    check("sts.AssumeRoleWithWebIdentity request",
          decode("sts", "AssumeRoleWithWebIdentity", params), params)

    params = {"RoleName": "app", "Path": "/app/", "Description": "caf\u00e9 \u00fcn\u00efcode",
              "AssumeRolePolicyDocument": '{"Version":"2012-10-17","Statement":[]}',
              "MaxSessionDuration": 7200,
              "Tags": [{"Key": "team", "Value": "a b"}, {"Key": "k2", "Value": ""}]}
    check("iam.CreateRole request", decode("iam", "CreateRole", params), params)

    params = {"PolicyArn": "arn:aws:iam::1:policy/p", "PolicyDocument": "{}", "SetAsDefault": True}
    check("iam.CreatePolicyVersion request", decode("iam", "CreatePolicyVersion", params), params)

    params = {"PathPrefix": "/a b/", "MaxItems": 10, "Marker": "abc"}
    check("iam.ListUsers request", decode("iam", "ListUsers", params), params)

    params = {"PolicySourceArn": "arn:aws:iam::1:user/alice", "ActionNames": ["s3:GetObject", "iam:*"],
              "ResourceArns": [],
              "ContextEntries": [
                  {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.0.0.1", "10.0.0.2"],
                   "ContextKeyType": "ipList"},
                  {"ContextKeyName": "aws:MultiFactorAuthPresent", "ContextKeyValues": ["true"],
                   "ContextKeyType": "boolean"}]}
    check("iam.SimulatePrincipalPolicy request (nested lists, empty list)",
          decode("iam", "SimulatePrincipalPolicy", params), params)


test_responses()
test_errors()
test_requests()
if failures:
    print("\n".join(["FAIL " + f for f in failures]))
    sys.exit(1)
print("all passed")
