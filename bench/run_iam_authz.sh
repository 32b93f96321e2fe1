#!/usr/bin/env bash
# What IAM policy evaluation costs on the hot path: GetSecretValue as an assumed-role session
# whose role has a realistic 10-statement policy, against the same calls as the account root
# (which skips evaluation). Issue 5's target: at most 15% fewer requests per second.
#
# Starts a release Coffer (fresh data directory) on loopback and, as root, creates SECRETS secrets
# bench/secret-NNNN plus one secret outside bench/. With boto3 (the image's python3) it creates
# IAM user `bench` with an access key and the permission to assume role `bench-reader`, whose
# trust policy names that user; attaches to the role the managed policy below; and assumes the
# role (DurationSeconds 3600). Before measuring, it checks that the session may read a bench/
# secret and is refused (AccessDeniedException) the secret outside bench/. Then, for each
# connection count, coffer_loadgen runs GetSecretValue (closed loop, keep-alive, SigV4 on every
# request) first with root's keys and then with the session's (signed X-Amz-Security-Token), on
# the same server, and a markdown table compares them. Builds nothing: it needs
# build/release/coffer and build/release/bench/coffer_loadgen.
#
# The policy is ordered so that a GetSecretValue on bench/ really walks all ten statements: the
# five Deny statements match the action and resource and fail only in their conditions; the KMS
# and SSM allows fail on the action, the shared/ allow on the resource, the prod-tagged allow in
# its conditions; the last statement is the one that allows (the evaluator skips further allows
# once one matched, so the allow comes last).
#
# Settings (environment):
#   DURATION=10 WARMUP=2      measured and warm-up seconds per run
#   CONNS="1 16 64"           connection counts; each gets a root run and then a session run
#   SECRETS=1000              secrets the requests are spread over (bench/secret-0000...)
#   THREADS=1                 load generator event-loop threads
#   QUIET_WAIT=60             before each run, wait up to this many seconds for the machine to
#                             be idle (< 0.15 cores busy); 0 disables
#   COFFER_ARGS="--io-threads 2"   extra `coffer server` flags
#   RESULTS_DIR=dir           keep every run's JSON there;  KEEP_DATA=1 keeps the temp dir
#   BUILD_DIR, COFFER_BIN, LOADGEN_BIN   where the binaries are
set -euo pipefail
# shellcheck source=bench/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-1 16 64}
SECRETS=${SECRETS:-1000}
THREADS=${THREADS:-1}
QUIET_WAIT=${QUIET_WAIT:-60}

bench_require_binaries
python3 -c 'import boto3' 2>/dev/null || bench_die "python3 with boto3 is needed for the IAM setup"

# bench_begin's header names moto, which this run does not use; the same steps, Coffer only.
bench_make_workdir
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
RESULTS=${RESULTS_DIR:-$BENCH_WORK/results}
mkdir -p "$RESULTS"
echo "## Coffer: GetSecretValue as an assumed-role session (10-statement policy) vs as root"
echo
bench_print_machine
busy=$(bench_machine_busy)
echo "- CPU busy before the runs (1 s sample, whole machine): $busy cores"
if python3 -c "import sys; sys.exit(0 if float('$busy') > 0.2 else 1)"; then
  echo "- WARNING: something else is using the CPU; the results below are not clean."
fi
bench_start_coffer "$BENCH_WORK/coffer-data"
echo "- coffer at $COFFER_URL (pid $COFFER_PID, data in a fresh temp dir)"
echo "- load: coffer_loadgen GetSecretValue, closed loop, keep-alive, SigV4 on every request," \
  "$THREADS thread(s); ${WARMUP}+${DURATION} s (warm-up+measured) per cell; $SECRETS secrets;" \
  "root then session for each connection count"

loadgen() {
  bench_run "$LOADGEN_BIN" --threads "$THREADS" --json "$@"
}

loadgen --access-key "$BENCH_ACCESS_KEY" --secret-key "$BENCH_SECRET_KEY" \
  --endpoint "$COFFER_URL" --op CreateSecret --secrets "$SECRETS" --connections 64 \
  >"$RESULTS/setup.json" || bench_die "creating secrets failed: $(cat "$RESULTS/setup.json")"
echo "- setup: created $(bench_json "$RESULTS/setup.json" 'd["setup"]["created"]') secrets"

# IAM setup, the role session, and the allowed/denied checks. Writes the session's credentials
# (0600) to $BENCH_WORK/session.json and the policy to $RESULTS/policy.json.
cat >"$BENCH_WORK/iam_setup.py" <<'EOF'
import json, os, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

url, root_key, root_secret, session_out, policy_out = sys.argv[1:6]
REGION = "us-east-1"
config = Config(retries={"max_attempts": 1}, connect_timeout=10, read_timeout=30)

def client(service, key, secret, token=None):
    return boto3.client(service, endpoint_url=url, region_name=REGION, config=config,
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        aws_session_token=token)

iam = client("iam", root_key, root_secret)
sm = client("secretsmanager", root_key, root_secret)
outside = sm.create_secret(Name="other/secret", SecretString="not for bench-reader")["ARN"]
account = outside.split(":")[4]
sm_arn = f"arn:aws:secretsmanager:*:{account}:secret:"
role_arn = f"arn:aws:iam::{account}:role/bench-reader"

user_arn = iam.create_user(UserName="bench")["User"]["Arn"]
iam.put_user_policy(UserName="bench", PolicyName="assume-bench-reader", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}]}))
user_key = iam.create_access_key(UserName="bench")["AccessKey"]
iam.create_role(RoleName="bench-reader", MaxSessionDuration=3600,
                AssumeRolePolicyDocument=json.dumps({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn},
                                   "Action": "sts:AssumeRole"}]}))

read_actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret",
                "secretsmanager:BatchGetSecretValue"]
policy = {"Version": "2012-10-17", "Statement": [
    # Deny statements: each matches GetSecretValue on bench/ and is evaluated to its conditions.
    {"Sid": "DenyOtherRegions", "Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}},
    {"Sid": "DenyPlaintextOffHost", "Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"},
                   "NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}},
    {"Sid": "DenyReadsOutsideBench", "Effect": "Deny", "Action": read_actions,
     "NotResource": sm_arn + "bench/*"},
    {"Sid": "DenyNonCurrentStages", "Effect": "Deny", "Action": "secretsmanager:GetSecretValue",
     "Resource": "*",
     "Condition": {"StringNotEquals": {
         "secretsmanager:VersionStage": ["AWSCURRENT", "AWSPREVIOUS"]}}},
    {"Sid": "DenyReservedTagKeys", "Effect": "Deny", "Action": "secretsmanager:*",
     "Resource": "*",
     "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": ["aws:*", "coffer:*"]}}},
    # Allows that do not apply to GetSecretValue on bench/: other services ...
    {"Sid": "AllowKmsViaSecretsManager", "Effect": "Allow",
     "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
     "Resource": f"arn:aws:kms:*:{account}:key/*",
     "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}},
    {"Sid": "AllowSsmBenchParameters", "Effect": "Allow",
     "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
     "Resource": f"arn:aws:ssm:*:{account}:parameter/bench/*",
     "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}},
    # ... another resource, and the right resource without the required tags ...
    {"Sid": "AllowSharedSecrets", "Effect": "Allow", "Action": read_actions,
     "Resource": sm_arn + "shared/*",
     "Condition": {"StringEquals": {"aws:PrincipalTag/team": "platform"}}},
    {"Sid": "AllowProdBenchOnCall", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
     "Resource": sm_arn + "bench/*",
     "Condition": {"StringEquals": {"secretsmanager:ResourceTag/env": "prod",
                                    "aws:PrincipalTag/oncall": "true"}}},
    # ... and the statement that allows, with every condition holding.
    {"Sid": "AllowBenchReads", "Effect": "Allow",
     "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
     "Resource": sm_arn + "bench/*",
     "Condition": {
         "StringEquals": {"aws:RequestedRegion": "us-east-1"},
         "IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "10.0.0.0/8"]},
         "StringEqualsIfExists": {"secretsmanager:ResourceTag/env": ["bench", "dev"]},
         "DateLessThan": {"aws:CurrentTime": "2100-01-01T00:00:00Z"},
         "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{account}:role/bench-*"},
         "Bool": {"aws:ViaAWSService": "false"}}},
]}
assert len(policy["Statement"]) == 10
with open(policy_out, "w") as f:
    json.dump(policy, f, indent=1)
policy_arn = iam.create_policy(PolicyName="bench-reader-access",
                               PolicyDocument=json.dumps(policy))["Policy"]["Arn"]
iam.attach_role_policy(RoleName="bench-reader", PolicyArn=policy_arn)

sts = client("sts", user_key["AccessKeyId"], user_key["SecretAccessKey"])
creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="bench", DurationSeconds=3600)
creds = creds["Credentials"]
session = client("secretsmanager", creds["AccessKeyId"], creds["SecretAccessKey"],
                 creds["SessionToken"])
who = client("sts", creds["AccessKeyId"], creds["SecretAccessKey"],
             creds["SessionToken"]).get_caller_identity()["Arn"]
value = session.get_secret_value(SecretId="bench/secret-0000")
assert value["Name"] == "bench/secret-0000", value
try:
    session.get_secret_value(SecretId=outside)
    sys.exit("the session could read other/secret: the policy does not restrict it")
except ClientError as e:
    code = e.response["Error"]["Code"]
    if code != "AccessDeniedException":
        sys.exit(f"reading other/secret as the session gave {code}, not AccessDeniedException")
with os.fdopen(os.open(session_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
    json.dump({"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
               "token": creds["SessionToken"], "arn": who,
               "expiration": str(creds["Expiration"])}, f)
print(f"- IAM: user bench, role bench-reader with policy bench-reader-access "
      f"({len(policy['Statement'])} statements, {len(json.dumps(policy))} bytes); session {who}"
      f" (expires {creds['Expiration']}): bench/secret-0000 allowed, other/secret "
      f"AccessDeniedException")
EOF
bench_run python3 "$BENCH_WORK/iam_setup.py" "$COFFER_URL" "$BENCH_ACCESS_KEY" "$BENCH_SECRET_KEY" \
  "$BENCH_WORK/session.json" "$RESULTS/policy.json" || bench_die "IAM setup failed"

SESSION_ACCESS_KEY=$(bench_json "$BENCH_WORK/session.json" 'd["access_key"]')
SESSION_SECRET_KEY=$(bench_json "$BENCH_WORK/session.json" 'd["secret_key"]')
SESSION_TOKEN=$(bench_json "$BENCH_WORK/session.json" 'd["token"]')

for c in $CONNS; do
  echo "running GetSecretValue with $c connection(s) as root..." >&2
  bench_settle
  loadgen --access-key "$BENCH_ACCESS_KEY" --secret-key "$BENCH_SECRET_KEY" \
    --endpoint "$COFFER_URL" --op GetSecretValue --secrets "$SECRETS" --connections "$c" \
    --duration "$DURATION" --warmup "$WARMUP" --server-pid "$COFFER_PID" \
    >"$RESULTS/root-$c.json"
  echo "running GetSecretValue with $c connection(s) as the session..." >&2
  bench_settle
  loadgen --access-key "$SESSION_ACCESS_KEY" --secret-key "$SESSION_SECRET_KEY" \
    --session-token "$SESSION_TOKEN" \
    --endpoint "$COFFER_URL" --op GetSecretValue --secrets "$SECRETS" --connections "$c" \
    --duration "$DURATION" --warmup "$WARMUP" --server-pid "$COFFER_PID" \
    >"$RESULTS/session-$c.json"
done
echo "- coffer RSS after the runs: $(bench_rss_mib "$COFFER_PID") MiB (peak $(bench_peak_rss_mib "$COFFER_PID") MiB)"
echo

python3 - "$RESULTS" "$CONNS" <<'EOF'
import json, os, sys
results, conns = sys.argv[1], sys.argv[2].split()
TARGET = 15.0

def load(who, c):
    return json.load(open(os.path.join(results, f"{who}-{c}.json")))

def server_us(d):
    return d["cpu_s"]["server"] / max(d["requests"], 1) * 1e6

print("| conns | root req/s | session req/s | overhead % | root p99 ms | session p99 ms "
      "| server CPU µs/req root / session | errors root / session |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
worst, errors, other, notes = 0.0, 0, [], []
for c in conns:
    r, s = load("root", c), load("session", c)
    overhead = (r["rps"] - s["rps"]) / r["rps"] * 100 if r["rps"] > 0 else float("nan")
    worst = max(worst, overhead)
    errors += r["errors"] + s["errors"]
    for name, d in (("root", r), ("session", s)):
        if d["errors"]:
            notes.append(f"- {name} x{c}: {d['errors']} errors {d['error_breakdown']}")
        cpu = d["cpu_s"]
        other.append((cpu["machine"] - cpu["server"] - cpu["loadgen"]) / d["duration_s"])
    print(f"| {c} | {r['rps']:,.0f} | {s['rps']:,.0f} | {overhead:+.1f} "
          f"| {r['latency_ms']['p99']:.3f} | {s['latency_ms']['p99']:.3f} "
          f"| {server_us(r):.1f} / {server_us(s):.1f} | {r['errors']} / {s['errors']} |")
print()
for n in notes:
    print(n)
print("overhead % = (root req/s - session req/s) / root req/s; positive means the session is")
print("slower. Server CPU is tick-sampled, so per-request figures are rough at 1 connection.")
print(f"Other load on the machine during the runs: up to {max(other):.2f} cores.")
verdict = "within" if worst <= TARGET else "ABOVE"
print(f"Worst overhead {worst:+.1f}%: {verdict} the {TARGET:.0f}% target. "
      f"Load generator errors: {errors}" + (" (the numbers above are not valid)." if errors else "."))
sys.exit(1 if errors else 0)
EOF
