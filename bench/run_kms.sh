#!/usr/bin/env bash
# Coffer against moto_server, side by side, on the KMS symmetric hot paths: Encrypt, Decrypt and
# GenerateDataKey.
#
# Starts a release Coffer (fresh data directory) and moto_server on loopback, creates one
# SYMMETRIC_DEFAULT key in each (boto3), encrypts BLOBS random plaintexts with it for the Decrypt
# runs (each server decrypts its own blobs), then for every operation and connection count runs
# coffer_loadgen (closed loop, keep-alive, every request SigV4-signed with signing name "kms",
# X-Amz-Target TrentService.<Op>) against Coffer and then against moto, and prints a markdown
# table. Builds nothing: it needs build/release/coffer and build/release/bench/coffer_loadgen, and
# python3 with boto3 for the setup.
#
# Requests: Encrypt {"KeyId","Plaintext": PLAINTEXT_BYTES random bytes, new for every request},
# Decrypt {"CiphertextBlob": one of the BLOBS blobs}, GenerateDataKey {"KeyId","KeySpec":"AES_256"}.
# KeyId is the key's id (not an ARN or alias).
#
# Settings (environment):
#   DURATION=10 WARMUP=2            measured and warm-up seconds per Coffer run
#   MOTO_DURATION=3 MOTO_WARMUP=1   the same for moto (it is slow; short runs are enough)
#   OPS="Encrypt Decrypt GenerateDataKey"   CONNS="1 16 64"
#   BLOBS=100                       ciphertexts made beforehand for Decrypt (per server)
#   PLAINTEXT_BYTES=32-256          Encrypt plaintext size (and the blobs'), N or MIN-MAX bytes
#   THREADS=1                       load generator event-loop threads
#   SKIP_MOTO=1                     Coffer only
#   QUIET_WAIT=60                   before each run, wait up to this many seconds for the machine
#                                   to be idle (< 0.15 cores busy); 0 disables. The load generator
#                                   and the server share the cores, so other work skews results.
#   COFFER_ARGS="--io-threads 2"    extra `coffer server` flags
#   RESULTS_DIR=dir                 keep every run's JSON there;  KEEP_DATA=1 keeps the temp dir
#   BUILD_DIR, COFFER_BIN, LOADGEN_BIN   where the binaries are
set -euo pipefail
# shellcheck source=bench/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
MOTO_DURATION=${MOTO_DURATION:-3}
MOTO_WARMUP=${MOTO_WARMUP:-1}
OPS=${OPS:-Encrypt Decrypt GenerateDataKey}
CONNS=${CONNS:-1 16 64}
BLOBS=${BLOBS:-100}
PLAINTEXT_BYTES=${PLAINTEXT_BYTES:-32-256}
THREADS=${THREADS:-1}
SKIP_MOTO=${SKIP_MOTO:-0}
QUIET_WAIT=${QUIET_WAIT:-60}

bench_require_binaries
python3 -c 'import boto3' 2>/dev/null || bench_die "python3 with boto3 is needed to create the keys and blobs"
bench_begin "KMS (symmetric)"
echo "- load: coffer_loadgen, closed loop, keep-alive, SigV4 on every request, $THREADS thread(s);" \
  "coffer ${WARMUP}+${DURATION} s, moto ${MOTO_WARMUP}+${MOTO_DURATION} s (warm-up+measured) per cell;" \
  "Encrypt plaintexts of $PLAINTEXT_BYTES random bytes; Decrypt over $BLOBS blobs per server"

# Creates a symmetric key at ENDPOINT and writes BLOBS base64 ciphertexts (one per line) to FILE;
# prints the key id and the seconds it took. Usage: make_key_and_blobs ENDPOINT FILE
# (The script is a file: bench_run starts it in the background, where stdin is /dev/null.)
cat >"$BENCH_WORK/make_key_and_blobs.py" <<'EOF'
import base64, os, random, sys, time
import boto3
from botocore.config import Config
endpoint, path, count, size, access, secret = sys.argv[1:7]
lo, _, hi = size.partition("-")
lo, hi = int(lo), int(hi or lo)
kms = boto3.client("kms", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=access, aws_secret_access_key=secret,
                   config=Config(retries={"max_attempts": 3}))
t0 = time.monotonic()
key = kms.create_key(Description="coffer bench/run_kms.sh")["KeyMetadata"]["KeyId"]
with open(path, "w") as f:
    for _ in range(int(count)):
        plaintext = os.urandom(random.randint(lo, hi))
        blob = kms.encrypt(KeyId=key, Plaintext=plaintext)["CiphertextBlob"]
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == plaintext
        f.write(base64.b64encode(blob).decode() + "\n")
print(f"{key} {time.monotonic() - t0:.1f}")
EOF
make_key_and_blobs() {
  bench_run python3 "$BENCH_WORK/make_key_and_blobs.py" "$1" "$2" "$BLOBS" "$PLAINTEXT_BYTES" \
    "$BENCH_ACCESS_KEY" "$BENCH_SECRET_KEY"
}

# Server-side time from Coffer's /metrics, written as JSON to FILE: the sum and count of
# coffer_request_duration_seconds per KMS operation, and of coffer_kms_crypto_seconds (the key
# service's encrypt/decrypt, AEAD included) as "crypto:encrypt" and "crypto:decrypt".
setup_out=$(make_key_and_blobs "$COFFER_URL" "$RESULTS/coffer-blobs.txt") ||
  bench_die "creating the key and blobs in coffer failed"
read -r coffer_key coffer_setup_s <<<"$setup_out"
[ -n "$coffer_key" ] || bench_die "creating the key and blobs in coffer printed nothing"
echo "- setup: coffer key $coffer_key, $BLOBS blobs (Encrypt + Decrypt check, boto3) in ${coffer_setup_s} s;" \
  "blob size $(awk '{ print length($0) }' "$RESULTS/coffer-blobs.txt" | sort -n | sed -n '1p;$p' | paste -sd- -) base64 chars"
if [ "$have_moto" = 1 ]; then
  setup_out=$(make_key_and_blobs "$MOTO_URL" "$RESULTS/moto-blobs.txt") ||
    bench_die "creating the key and blobs in moto failed"
  read -r moto_key moto_setup_s <<<"$setup_out"
  [ -n "$moto_key" ] || bench_die "creating the key and blobs in moto printed nothing"
  echo "- setup: moto key $moto_key, $BLOBS blobs in ${moto_setup_s} s;" \
    "blob size $(awk '{ print length($0) }' "$RESULTS/moto-blobs.txt" | sort -n | sed -n '1p;$p' | paste -sd- -) base64 chars"
fi

loadgen() {
  bench_run "$LOADGEN_BIN" --access-key "$BENCH_ACCESS_KEY" --secret-key "$BENCH_SECRET_KEY" \
    --threads "$THREADS" --service kms --plaintext-bytes "$PLAINTEXT_BYTES" --json "$@"
}

# The operation-specific arguments for SERVER (coffer or moto) and OP.
op_args() {
  local server=$1 op=$2 key
  if [ "$server" = coffer ]; then key=$coffer_key; else key=$moto_key; fi
  case "$op" in
    Decrypt) echo "--blobs-file $RESULTS/$server-blobs.txt" ;;
    *) echo "--key-id $key" ;;
  esac
}

for op in $OPS; do
  for c in $CONNS; do
    echo "running $op with $c connection(s)..." >&2
    bench_settle
    bench_snapshot_metrics kms "$RESULTS/coffer-$op-$c.metrics0.json"
    # op_args prints flags meant to be split.
    # shellcheck disable=SC2046
    loadgen --endpoint "$COFFER_URL" --op "$op" $(op_args coffer "$op") --connections "$c" \
      --duration "$DURATION" --warmup "$WARMUP" --server-pid "$COFFER_PID" \
      >"$RESULTS/coffer-$op-$c.json"
    bench_snapshot_metrics kms "$RESULTS/coffer-$op-$c.metrics1.json"
    if [ "$have_moto" = 1 ]; then
      bench_settle
      # shellcheck disable=SC2046
      loadgen --endpoint "$MOTO_URL" --op "$op" $(op_args moto "$op") --connections "$c" \
        --duration "$MOTO_DURATION" --warmup "$MOTO_WARMUP" --server-pid "$MOTO_PID" \
        >"$RESULTS/moto-$op-$c.json"
    fi
  done
done
echo "- coffer RSS after the runs: $(bench_rss_mib "$COFFER_PID") MiB (peak $(bench_peak_rss_mib "$COFFER_PID") MiB)"
echo

python3 - "$RESULTS" "$OPS" "$CONNS" <<'EOF'
import json, os, sys
results, ops, conns = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
TARGET_RPS, TARGET_P99 = 40000, 5.0

def load(name):
    path = os.path.join(results, name)
    return json.load(open(path)) if os.path.exists(path) else None

def num(v, digits=0):
    return f"{v:,.{digits}f}"

print("| op | conns | coffer req/s | p50 ms | p99 ms | p99.9 ms | moto req/s | moto p99 ms | ratio coffer/moto |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
notes, cpu_rows, met, missed = [], [], [], []
for op in ops:
    for c in conns:
        r, m = load(f"coffer-{op}-{c}.json"), load(f"moto-{op}-{c}.json")
        if r is None:
            continue
        lat = r["latency_ms"]
        row = [op, c, num(r["rps"]), f"{lat['p50']:.2f}", f"{lat['p99']:.2f}", f"{lat['p999']:.2f}"]
        if m is not None:
            ratio = r["rps"] / m["rps"] if m["rps"] > 0 else float("inf")
            row += [num(m["rps"]), f"{m['latency_ms']['p99']:.1f}", f"{ratio:,.0f}x"]
        else:
            row += ["-", "-", "-"]
        print("| " + " | ".join(row) + " |")
        cell = f"{op} x{c} ({num(r['rps'])} req/s, p99 {lat['p99']:.2f} ms)"
        (met if r["rps"] >= TARGET_RPS and lat["p99"] <= TARGET_P99 and not r["errors"] else missed).append(cell)
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

        crypto = mean_us("crypto:decrypt" if op == "Decrypt" else "crypto:encrypt")
        cpu_rows.append([op, c, f"{cpu['server'] / secs:.2f}", f"{cpu['server'] / n * 1e6:.1f}",
                         mean_us(op), crypto,
                         f"{cpu['loadgen'] / secs:.2f}", f"{cpu['loadgen'] / n * 1e6:.1f}",
                         f"{other / secs:.2f}"])
print()
print("Successes only (HTTP 200) count as requests; latency percentiles are over every successful")
print("request of the measured window. Errors: " + ("none." if not notes else ""))
for n in notes:
    print(f"- {n}")
print()
print(f"Target (>= {TARGET_RPS:,} req/s and p99 <= {TARGET_P99:g} ms, no errors): "
      f"met by {', '.join(met) if met else 'no cell'}; missed by {', '.join(missed) if missed else 'no cell'}.")
print()
print("CPU during the Coffer runs (cores = CPU seconds per second; 'other' is everything on the")
print("machine except the server and the load generator, and should be ~0 for clean numbers;")
print("CPU time is tick-sampled, so with 1 connection it can read up to ~0.2 below zero).")
print("'handler µs/req' is the server's mean time in the awsJson handler (SigV4 check, JSON parse")
print("and validation, the operation, the response body; not HTTP parsing or socket I/O) from")
print("/metrics (coffer_request_duration_seconds); 'crypto µs/req' is the key service's")
print("encrypt/decrypt within it (coffer_kms_crypto_seconds: key lookup, AES-GCM). Both are wall")
print("time (sum/count over the run, warm-up included), so they grow when threads wait for a core:")
print()
print("| op | conns | coffer cores | coffer CPU µs/req | handler µs/req | crypto µs/req | loadgen cores | loadgen CPU µs/req | other cores |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for row in cpu_rows:
    print("| " + " | ".join(row) + " |")
EOF
