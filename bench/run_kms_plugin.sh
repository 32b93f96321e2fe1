#!/usr/bin/env bash
# The Kubernetes KMS v2 plugin (`coffer kms-plugin`) under load over its unix socket: Encrypt and
# Decrypt calls per second and latency percentiles at a few concurrency levels, with the same
# KMS operation called directly over HTTP (coffer_loadgen, keep-alive) as the reference the
# plugin's cost is measured against.
#
# Starts a release Coffer (fresh data directory), creates one SYMMETRIC_DEFAULT key with boto3,
# starts `coffer kms-plugin --key <key>` on a socket in the work dir, then for every op and
# concurrency runs kms_plugin_loadgen (closed loop, one gRPC channel as kube-apiserver has, 3 s
# deadline per call; Encrypt of a fresh random 32-byte seed, Decrypt of one of SEEDS ciphertexts
# with its key_id) and, unless SKIP_DIRECT=1, coffer_loadgen against Coffer's KMS with the same
# plaintext size and connection count. Prints a markdown table. Builds nothing: it needs
# build/release/coffer, build/release/bench/kms_plugin_loadgen and build/release/bench/coffer_loadgen.
#
# kube-apiserver calls Encrypt once per key_id change and Decrypt only on a DEK-cache miss (cache
# TTL 24 h), so these rates bound cold starts of many apiservers, not steady state.
#
# Settings (environment):
#   DURATION=10 WARMUP=2           measured and warm-up seconds per cell
#   OPS="Encrypt Decrypt"          CONCURRENCY="1 8 32"
#   SEEDS=100                      ciphertexts made beforehand for Decrypt
#   SKIP_DIRECT=1                  no direct-KMS reference rows
#   QUIET_WAIT=60                  wait up to this many seconds for an idle machine before each cell
#   PLUGIN_ARGS="--timeout 2.5"    extra `coffer kms-plugin` flags;  COFFER_ARGS: extra server flags
#   RESULTS_DIR=dir  KEEP_DATA=1   BUILD_DIR, COFFER_BIN, LOADGEN_BIN, PLUGIN_LOADGEN_BIN
set -euo pipefail
# shellcheck source=bench/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
OPS=${OPS:-Encrypt Decrypt}
CONCURRENCY=${CONCURRENCY:-1 8 32}
SEEDS=${SEEDS:-100}
SKIP_DIRECT=${SKIP_DIRECT:-0}
QUIET_WAIT=${QUIET_WAIT:-60}
PLUGIN_LOADGEN_BIN=${PLUGIN_LOADGEN_BIN:-$BUILD_DIR/bench/kms_plugin_loadgen}

bench_require_binaries
[ -x "$PLUGIN_LOADGEN_BIN" ] || bench_die "missing: $PLUGIN_LOADGEN_BIN (build the release preset)"
python3 -c 'import boto3' 2>/dev/null || bench_die "python3 with boto3 is needed to create the key"

bench_make_workdir
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
RESULTS=${RESULTS_DIR:-$BENCH_WORK/results}
mkdir -p "$RESULTS"

echo "## coffer kms-plugin: KMS v2 calls over the unix socket"
echo
bench_print_machine
echo "- CPU busy before the runs (1 s sample, whole machine): $(bench_machine_busy) cores"
bench_start_coffer "$BENCH_WORK/coffer-data"
echo "- coffer at $COFFER_URL (pid $COFFER_PID, data in a fresh temp dir)"

cat >"$BENCH_WORK/make_key.py" <<'EOF'
import sys
import boto3
endpoint, access, secret = sys.argv[1:4]
kms = boto3.client("kms", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=access, aws_secret_access_key=secret)
key = kms.create_key(Description="coffer bench/run_kms_plugin.sh")["KeyMetadata"]
print(key["KeyId"], key["Arn"])
EOF
read -r key_id key_arn < <(bench_run python3 "$BENCH_WORK/make_key.py" "$COFFER_URL" \
  "$BENCH_ACCESS_KEY" "$BENCH_SECRET_KEY") || bench_die "creating the key failed"
[ -n "${key_id:-}" ] || bench_die "creating the key printed nothing"

SOCKET="unix://$BENCH_WORK/kms.sock"
: >"$BENCH_WORK/plugin.out"
# PLUGIN_ARGS is a list of flags, split on purpose.
# shellcheck disable=SC2086
AWS_ACCESS_KEY_ID=$BENCH_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$BENCH_SECRET_KEY \
  "$COFFER_BIN" kms-plugin --socket "$SOCKET" --key "$key_arn" --endpoint "$COFFER_URL" \
  --log-level warn ${PLUGIN_ARGS:-} >>"$BENCH_WORK/plugin.out" 2>>"$BENCH_WORK/plugin.log" &
PLUGIN_PID=$!
BENCH_PIDS+=("$PLUGIN_PID")
bench_wait_for_line "$BENCH_WORK/plugin.out" 'is listening on' "$PLUGIN_PID" >/dev/null || {
  tail -n 20 "$BENCH_WORK/plugin.log" >&2
  bench_die "coffer kms-plugin did not start"
}
echo "- key $key_arn; plugin pid $PLUGIN_PID on $SOCKET"
echo "- load: kms_plugin_loadgen, closed loop over one gRPC channel, 3 s deadline per call," \
  "${WARMUP}+${DURATION} s per cell; Encrypt of 32 random bytes, Decrypt over $SEEDS ciphertexts"
[ "$SKIP_DIRECT" = 1 ] ||
  echo "- reference: coffer_loadgen calling KMS Encrypt/Decrypt directly (HTTP keep-alive, SigV4)" \
    "with the same number of connections and 32-byte plaintexts"

# Blobs for the direct Decrypt reference, with the plugin's encryption context not needed: any
# 32-byte KMS ciphertexts of the same key cost the same.
if [ "$SKIP_DIRECT" != 1 ]; then
  cat >"$BENCH_WORK/make_blobs.py" <<'EOF'
import base64, os, sys
import boto3
endpoint, key, count, access, secret, path = sys.argv[1:7]
kms = boto3.client("kms", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=access, aws_secret_access_key=secret)
with open(path, "w") as f:
    for _ in range(int(count)):
        blob = kms.encrypt(KeyId=key, Plaintext=os.urandom(32))["CiphertextBlob"]
        f.write(base64.b64encode(blob).decode() + "\n")
EOF
  bench_run python3 "$BENCH_WORK/make_blobs.py" "$COFFER_URL" "$key_id" "$SEEDS" \
    "$BENCH_ACCESS_KEY" "$BENCH_SECRET_KEY" "$RESULTS/blobs.txt" || bench_die "making blobs failed"
fi

for op in $OPS; do
  for c in $CONCURRENCY; do
    echo "running $op x$c..." >&2
    bench_settle
    bench_run "$PLUGIN_LOADGEN_BIN" --socket "$SOCKET" --op "$op" --concurrency "$c" \
      --duration "$DURATION" --warmup "$WARMUP" --seeds "$SEEDS" --json >"$RESULTS/plugin-$op-$c.json"
    if [ "$SKIP_DIRECT" != 1 ]; then
      bench_settle
      case "$op" in
        Decrypt) direct_args=(--blobs-file "$RESULTS/blobs.txt") ;;
        *) direct_args=(--key-id "$key_id" --plaintext-bytes 32) ;;
      esac
      bench_run "$LOADGEN_BIN" --access-key "$BENCH_ACCESS_KEY" --secret-key "$BENCH_SECRET_KEY" \
        --service kms --endpoint "$COFFER_URL" --op "$op" "${direct_args[@]}" --connections "$c" \
        --duration "$DURATION" --warmup "$WARMUP" --json >"$RESULTS/direct-$op-$c.json"
    fi
  done
done
echo "- plugin RSS after the runs: $(bench_rss_mib "$PLUGIN_PID") MiB (peak $(bench_peak_rss_mib "$PLUGIN_PID") MiB)"
echo

python3 - "$RESULTS" "$OPS" "$CONCURRENCY" <<'EOF'
import json, os, sys
results, ops, levels = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()

def load(name):
    path = os.path.join(results, name)
    return json.load(open(path)) if os.path.exists(path) else None

print("| op | concurrency | plugin calls/s | p50 ms | p99 ms | p99.9 ms | errors | direct KMS req/s | direct p50 ms | direct p99 ms |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
notes = []
for op in ops:
    for c in levels:
        p, d = load(f"plugin-{op}-{c}.json"), load(f"direct-{op}-{c}.json")
        if p is None:
            continue
        lat = p["latency_ms"]
        row = [op, c, f"{p['rps']:,.0f}", f"{lat['p50']:.2f}", f"{lat['p99']:.2f}",
               f"{lat['p999']:.2f}", str(p["errors"])]
        if p["errors"]:
            notes.append(f"plugin {op} x{c}: {p['error_breakdown']}")
        if d is not None:
            row += [f"{d['rps']:,.0f}", f"{d['latency_ms']['p50']:.2f}", f"{d['latency_ms']['p99']:.2f}"]
        else:
            row += ["-", "-", "-"]
        print("| " + " | ".join(row) + " |")
print()
print("Only successful calls count; latency is per call over the measured window.")
for n in notes:
    print(f"- errors: {n}")
EOF
