#!/usr/bin/env bash
# Coffer against moto_server, side by side, on the SSM Parameter Store read paths: GetParameter,
# GetParameters (10 names), GetParametersByPath (a full page of 10) and GetParameter of a
# SecureString with WithDecryption (which goes through the KMS).
#
# Starts a release Coffer (fresh data directory) and moto_server on loopback, creates PARAMS String
# parameters /bench/app-XX/param-YYYY (PER_PATH to a leaf path) and PARAMS SecureString parameters
# /bench-secure/app-XX/param-YYYY (default key alias/aws/ssm) in each (boto3, SETUP_THREADS
# threads), writes the request bodies (one JSON object a line), then for every operation and
# connection count runs coffer_loadgen (closed loop, keep-alive, every request SigV4-signed with
# signing name "ssm", X-Amz-Target AmazonSSM.<Op>, a random body of the file each time) against
# Coffer and then against moto, and prints a markdown table. Builds nothing: it needs
# build/release/coffer and build/release/bench/coffer_loadgen, and python3 with boto3.
#
# Rows (op names in the table):
#   GetParameter             {"Name": one random String parameter}
#   GetParameters            {"Names": 10 random distinct String parameters}
#   GetParametersByPath      {"Path": "/bench/app-XX", "Recursive": false, "MaxResults": 10}
#   GetParameter+Decrypt     {"Name": one random SecureString parameter, "WithDecryption": true}
#
# Settings (environment):
#   DURATION=10 WARMUP=2            measured and warm-up seconds per Coffer run
#   MOTO_DURATION=3 MOTO_WARMUP=1   the same for moto (it is slow; short runs are enough)
#   OPS="GetParameter GetParameters GetParametersByPath GetParameter+Decrypt"   CONNS="1 16 64"
#   PARAMS=1000 PER_PATH=10         parameters per set and per leaf path (PARAMS % PER_PATH == 0)
#   VALUE_BYTES=64                  random characters in each value
#   SETUP_THREADS=16                boto3 threads creating the parameters
#   BODIES=1000                     request bodies written per operation
#   THREADS=1                       load generator event-loop threads
#   SKIP_MOTO=1                     Coffer only
#   QUIET_WAIT=60                   before each run, wait up to this many seconds for the machine
#                                   to be idle (< 0.15 cores busy); 0 disables. The load generator
#                                   and the server share the cores, so other work skews results.
#   COFFER_ARGS="--io-threads 2"    extra `coffer server` flags
#   RESULTS_DIR=dir                 keep every run's JSON (and the bodies) there;
#                                   KEEP_DATA=1 keeps the temp dir
#   BUILD_DIR, COFFER_BIN, LOADGEN_BIN   where the binaries are
set -euo pipefail
# shellcheck source=bench/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
MOTO_DURATION=${MOTO_DURATION:-3}
MOTO_WARMUP=${MOTO_WARMUP:-1}
OPS=${OPS:-GetParameter GetParameters GetParametersByPath GetParameter+Decrypt}
CONNS=${CONNS:-1 16 64}
PARAMS=${PARAMS:-1000}
PER_PATH=${PER_PATH:-10}
VALUE_BYTES=${VALUE_BYTES:-64}
SETUP_THREADS=${SETUP_THREADS:-16}
BODIES=${BODIES:-1000}
THREADS=${THREADS:-1}
SKIP_MOTO=${SKIP_MOTO:-0}
QUIET_WAIT=${QUIET_WAIT:-60}

[ $((PARAMS % PER_PATH)) -eq 0 ] || bench_die "PARAMS ($PARAMS) must be a multiple of PER_PATH ($PER_PATH)"
[ "$PER_PATH" -le 10 ] || bench_die "PER_PATH must be at most 10 (GetParametersByPath pages of MaxResults 10)"
bench_require_binaries
python3 -c 'import boto3' 2>/dev/null || bench_die "python3 with boto3 is needed to create the parameters"
bench_begin "SSM Parameter Store"
echo "- load: coffer_loadgen --service ssm, closed loop, keep-alive, SigV4 on every request," \
  "$THREADS thread(s); coffer ${WARMUP}+${DURATION} s, moto ${MOTO_WARMUP}+${MOTO_DURATION} s" \
  "(warm-up+measured) per cell; $PARAMS String parameters /bench/app-XX/param-YYYY ($PER_PATH a" \
  "path) and $PARAMS SecureString /bench-secure/..., values of $VALUE_BYTES characters"

# Creates the two parameter sets at ENDPOINT with SETUP_THREADS boto3 clients and checks a few;
# prints the parameters created and the seconds it took. (A file: bench_run starts it in the
# background, where stdin is /dev/null.)
cat >"$BENCH_WORK/make_params.py" <<'EOF'
import random, string, sys, threading, time
import boto3
from botocore.config import Config
endpoint, count, per_path, value_bytes, threads, access, secret = sys.argv[1:8]
count, per_path, value_bytes, threads = int(count), int(per_path), int(value_bytes), int(threads)
session = boto3.session.Session()
def client():
    return session.client("ssm", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=access, aws_secret_access_key=secret,
                          config=Config(retries={"max_attempts": 5},
                                        max_pool_connections=threads))
clients = [client() for _ in range(threads)]  # made here: boto3 client creation is not thread-safe
names = [(f"/bench/app-{i // per_path:02d}/param-{i:04d}", "String") for i in range(count)]
names += [(f"/bench-secure/app-{i // per_path:02d}/param-{i:04d}", "SecureString")
          for i in range(count)]
alphabet = string.ascii_letters + string.digits
errors = []
def work(k):
    ssm = clients[k]
    try:
        for name, kind in names[k::threads]:
            value = "".join(random.choices(alphabet, k=value_bytes))
            ssm.put_parameter(Name=name, Value=value, Type=kind, Overwrite=True)
    except Exception as e:  # reported below
        errors.append(repr(e))
t0 = time.monotonic()
ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
for t in ts: t.start()
for t in ts: t.join()
if errors:
    sys.exit(f"put_parameter failed: {errors[0]}")
elapsed = time.monotonic() - t0
ssm = clients[0]
page = ssm.get_parameters_by_path(Path="/bench/app-00", Recursive=False, MaxResults=10)
assert len(page["Parameters"]) == min(per_path, count), page
got = ssm.get_parameter(Name=names[count][0], WithDecryption=True)["Parameter"]
assert got["Type"] == "SecureString" and len(got["Value"]) == value_bytes, got
got = ssm.get_parameters(Names=[n for n, _ in names[:10]])
assert len(got["Parameters"]) == min(10, count) and not got["InvalidParameters"], got
print(f"{len(names)} {elapsed:.1f}")
EOF
make_params() {
  bench_run python3 "$BENCH_WORK/make_params.py" "$1" "$PARAMS" "$PER_PATH" "$VALUE_BYTES" \
    "$SETUP_THREADS" "$BENCH_ACCESS_KEY" "$BENCH_SECRET_KEY"
}

# The request bodies, the same for both servers (the names are the same): one file per table row.
python3 - "$RESULTS" "$PARAMS" "$PER_PATH" "$BODIES" <<'EOF'
import json, os, random, sys
results, count, per_path, bodies = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(1)
plain = [f"/bench/app-{i // per_path:02d}/param-{i:04d}" for i in range(count)]
secure = [f"/bench-secure/app-{i // per_path:02d}/param-{i:04d}" for i in range(count)]
paths = sorted({n.rsplit("/", 1)[0] for n in plain})
def write(op, make):
    with open(os.path.join(results, f"bodies-{op}.jsonl"), "w") as f:
        for _ in range(bodies):
            f.write(json.dumps(make(), separators=(",", ":")) + "\n")
write("GetParameter", lambda: {"Name": rng.choice(plain)})
write("GetParameters", lambda: {"Names": rng.sample(plain, min(10, count))})
write("GetParametersByPath",
      lambda: {"Path": rng.choice(paths), "Recursive": False, "MaxResults": 10})
write("GetParameter+Decrypt", lambda: {"Name": rng.choice(secure), "WithDecryption": True})
EOF

setup_out=$(make_params "$COFFER_URL") || bench_die "creating the parameters in coffer failed"
read -r coffer_n coffer_s <<<"$setup_out"
echo "- setup: coffer created $coffer_n parameters in ${coffer_s} s (boto3 PutParameter, $SETUP_THREADS threads)"
if [ "$have_moto" = 1 ]; then
  setup_out=$(make_params "$MOTO_URL") || bench_die "creating the parameters in moto failed"
  read -r moto_n moto_s <<<"$setup_out"
  echo "- setup: moto created $moto_n parameters in ${moto_s} s"
fi

# Server-side time from Coffer's /metrics, written as JSON to FILE: the sum and count of
# coffer_request_duration_seconds per SSM operation, and of coffer_kms_crypto_seconds (the key
# service's decrypt, for SecureString) as "crypto:decrypt".
loadgen() {
  bench_run "$LOADGEN_BIN" --access-key "$BENCH_ACCESS_KEY" --secret-key "$BENCH_SECRET_KEY" \
    --threads "$THREADS" --service ssm --json "$@"
}

for row in $OPS; do
  op=${row%%+*}  # GetParameter+Decrypt is GetParameter with other bodies
  [ -f "$RESULTS/bodies-$row.jsonl" ] || bench_die "unknown op $row"
  for c in $CONNS; do
    echo "running $row with $c connection(s)..." >&2
    bench_settle
    bench_snapshot_metrics ssm "$RESULTS/coffer-$row-$c.metrics0.json"
    loadgen --endpoint "$COFFER_URL" --op "$op" --body-file "$RESULTS/bodies-$row.jsonl" \
      --connections "$c" --duration "$DURATION" --warmup "$WARMUP" --server-pid "$COFFER_PID" \
      >"$RESULTS/coffer-$row-$c.json" || true  # errors are counted in the JSON
    bench_snapshot_metrics ssm "$RESULTS/coffer-$row-$c.metrics1.json"
    if [ "$have_moto" = 1 ]; then
      bench_settle
      loadgen --endpoint "$MOTO_URL" --op "$op" --body-file "$RESULTS/bodies-$row.jsonl" \
        --connections "$c" --duration "$MOTO_DURATION" --warmup "$MOTO_WARMUP" \
        --server-pid "$MOTO_PID" >"$RESULTS/moto-$row-$c.json" || true
    fi
  done
done
echo "- coffer RSS after the runs: $(bench_rss_mib "$COFFER_PID") MiB (peak $(bench_peak_rss_mib "$COFFER_PID") MiB)"
echo

python3 - "$RESULTS" "$OPS" "$CONNS" <<'EOF'
import json, os, sys
results, ops, conns = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
TARGET_OP, TARGET_RPS = "GetParameter", 40000

def load(name):
    path = os.path.join(results, name)
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return None
    try:
        return json.load(open(path))
    except ValueError:
        return None

def num(v, digits=0):
    return f"{v:,.{digits}f}"

print("| op | conns | coffer req/s | p50 ms | p99 ms | p99.9 ms | moto req/s | moto p99 ms | ratio coffer/moto |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
notes, cpu_rows, met, missed = [], [], [], []
for op in ops:
    for c in conns:
        r, m = load(f"coffer-{op}-{c}.json"), load(f"moto-{op}-{c}.json")
        if r is None:
            notes.append(f"coffer {op} x{c}: no result")
            continue
        lat = r["latency_ms"]
        row = [op, c, num(r["rps"]), f"{lat['p50']:.2f}", f"{lat['p99']:.2f}", f"{lat['p999']:.2f}"]
        if m is not None:
            ratio = r["rps"] / m["rps"] if m["rps"] > 0 else float("inf")
            row += [num(m["rps"]), f"{m['latency_ms']['p99']:.1f}", f"{ratio:,.0f}x"]
        else:
            row += ["-", "-", "-"]
        print("| " + " | ".join(row) + " |")
        if op == TARGET_OP:
            cell = f"x{c} ({num(r['rps'])} req/s, p99 {lat['p99']:.2f} ms)"
            (met if r["rps"] >= TARGET_RPS and not r["errors"] else missed).append(cell)
        for name, d in (("coffer", r), ("moto", m)):
            if d is not None and d["errors"]:
                notes.append(f"{name} {op} x{c}: {d['errors']} errors {d['error_breakdown']}")
        cpu = r["cpu_s"]
        secs, n = r["duration_s"], max(r["requests"], 1)
        other = cpu["machine"] - cpu["server"] - cpu["loadgen"]
        m0, m1 = load(f"coffer-{op}-{c}.metrics0.json") or {}, load(f"coffer-{op}-{c}.metrics1.json") or {}

        def mean_us(name):
            a, b = m0.get(name, {}), m1.get(name, {})
            dn = b.get("count", 0) - a.get("count", 0)
            return f"{(b.get('sum', 0) - a.get('sum', 0)) / dn * 1e6:.1f}" if dn > 0 else "-"

        crypto = mean_us("crypto:decrypt") if op.endswith("+Decrypt") else "-"
        cpu_rows.append([op, c, f"{cpu['server'] / secs:.2f}", f"{cpu['server'] / n * 1e6:.1f}",
                         mean_us(op.split("+")[0]), crypto,
                         f"{cpu['loadgen'] / secs:.2f}", f"{cpu['loadgen'] / n * 1e6:.1f}",
                         f"{other / secs:.2f}"])
print()
print("Successes only (HTTP 200) count as requests; latency percentiles are over every successful")
print("request of the measured window. Errors: " + ("none." if not notes else ""))
for n in notes:
    print(f"- {n}")
print()
if TARGET_OP in ops:
    print(f"Target ({TARGET_OP} >= {TARGET_RPS:,} req/s, no errors): "
          f"met at {', '.join(met) if met else 'no connection count'}; "
          f"missed at {', '.join(missed) if missed else 'none'}.")
    print()
print("CPU during the Coffer runs (cores = CPU seconds per second; 'other' is everything on the")
print("machine except the server and the load generator, and should be ~0 for clean numbers;")
print("CPU time is tick-sampled, so with 1 connection it can read up to ~0.2 below zero).")
print("'handler µs/req' is the server's mean time in the awsJson handler (SigV4 check, JSON parse")
print("and validation, the operation, the response body; not HTTP parsing or socket I/O) from")
print("/metrics (coffer_request_duration_seconds); 'crypto µs/req' is the key service's decrypt")
print("within it (coffer_kms_crypto_seconds), for the SecureString row. Both are wall time")
print("(sum/count over the run, warm-up included), so they grow when threads wait for a core.")
print("The GetParameter and GetParameter+Decrypt rows share the GetParameter handler histogram, so")
print("each row's handler figure is the mean over its own run only (snapshots before and after):")
print()
print("| op | conns | coffer cores | coffer CPU µs/req | handler µs/req | crypto µs/req | loadgen cores | loadgen CPU µs/req | other cores |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for row in cpu_rows:
    print("| " + " | ".join(row) + " |")
EOF
