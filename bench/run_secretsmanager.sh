#!/usr/bin/env bash
# Coffer against moto_server, side by side, on the Secrets Manager hot paths.
#
# Starts a release Coffer (fresh data directory) and moto_server on loopback, creates SECRETS
# secrets in each, then for every operation and connection count runs coffer_loadgen (closed
# loop, keep-alive, every request SigV4-signed) against Coffer and then against moto, and prints a
# markdown table. Builds nothing: it needs build/release/coffer and build/release/bench/coffer_loadgen.
#
# Settings (environment):
#   DURATION=10 WARMUP=2            measured and warm-up seconds per Coffer run
#   MOTO_DURATION=3 MOTO_WARMUP=1   the same for moto (it is slow; short runs are enough)
#   OPS="GetSecretValue DescribeSecret PutSecretValue ListSecrets"   CONNS="1 16 64"
#   SECRETS=1000                    secrets the requests are spread over (bench/secret-0000...)
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
OPS=${OPS:-GetSecretValue DescribeSecret PutSecretValue ListSecrets}
CONNS=${CONNS:-1 16 64}
SECRETS=${SECRETS:-1000}
THREADS=${THREADS:-1}
SKIP_MOTO=${SKIP_MOTO:-0}
QUIET_WAIT=${QUIET_WAIT:-60}

bench_require_binaries
bench_begin "Secrets Manager"
echo "- load: coffer_loadgen, closed loop, keep-alive, SigV4 on every request, $THREADS thread(s);" \
  "coffer ${WARMUP}+${DURATION} s, moto ${MOTO_WARMUP}+${MOTO_DURATION} s (warm-up+measured) per cell;" \
  "$SECRETS secrets"

loadgen() {
  bench_run "$LOADGEN_BIN" --access-key "$BENCH_ACCESS_KEY" --secret-key "$BENCH_SECRET_KEY" \
    --threads "$THREADS" --json "$@"
}

loadgen --endpoint "$COFFER_URL" --op CreateSecret --secrets "$SECRETS" --connections 64 \
  >"$RESULTS/coffer-setup.json" || bench_die "creating secrets in coffer failed: $(cat "$RESULTS/coffer-setup.json")"
echo "- setup: coffer created $(bench_json "$RESULTS/coffer-setup.json" 'd["setup"]["created"]') secrets at" \
  "$(bench_json "$RESULTS/coffer-setup.json" 'd["setup"]["per_second"]')/s (64 connections)"
if [ "$have_moto" = 1 ]; then
  loadgen --endpoint "$MOTO_URL" --op CreateSecret --secrets "$SECRETS" --connections 8 \
    >"$RESULTS/moto-setup.json" || bench_die "creating secrets in moto failed: $(cat "$RESULTS/moto-setup.json")"
  echo "- setup: moto created $(bench_json "$RESULTS/moto-setup.json" 'd["setup"]["created"]') secrets at" \
    "$(bench_json "$RESULTS/moto-setup.json" 'd["setup"]["per_second"]')/s (8 connections)"
fi

for op in $OPS; do
  for c in $CONNS; do
    echo "running $op with $c connection(s)..." >&2
    bench_settle
    loadgen --endpoint "$COFFER_URL" --op "$op" --secrets "$SECRETS" --connections "$c" \
      --duration "$DURATION" --warmup "$WARMUP" --server-pid "$COFFER_PID" \
      >"$RESULTS/coffer-$op-$c.json"
    if [ "$have_moto" = 1 ]; then
      bench_settle
      loadgen --endpoint "$MOTO_URL" --op "$op" --secrets "$SECRETS" --connections "$c" \
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

def load(server, op, c):
    path = os.path.join(results, f"{server}-{op}-{c}.json")
    return json.load(open(path)) if os.path.exists(path) else None

def num(v, digits=0):
    return f"{v:,.{digits}f}"

print("| op | conns | coffer req/s | p50 ms | p99 ms | p99.9 ms | moto req/s | moto p99 ms | ratio coffer/moto |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
notes, cpu_rows = [], []
for op in ops:
    for c in conns:
        r, m = load("coffer", op, c), load("moto", op, c)
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
        for name, d in (("coffer", r), ("moto", m)):
            if d is not None and d["errors"]:
                notes.append(f"{name} {op} x{c}: {d['errors']} errors {d['error_breakdown']}")
        cpu = r["cpu_s"]
        secs, n = r["duration_s"], max(r["requests"], 1)
        other = cpu["machine"] - cpu["server"] - cpu["loadgen"]
        cpu_rows.append([op, c, f"{cpu['server'] / secs:.2f}", f"{cpu['server'] / n * 1e6:.1f}",
                         f"{cpu['loadgen'] / secs:.2f}", f"{cpu['loadgen'] / n * 1e6:.1f}",
                         f"{other / secs:.2f}"])
print()
print("Successes only (HTTP 200) count as requests; latency percentiles are over every successful")
print("request of the measured window. Errors: " + ("none." if not notes else ""))
for n in notes:
    print(f"- {n}")
print()
print("CPU during the Coffer runs (cores = CPU seconds per second; 'other' is everything on the")
print("machine except the server and the load generator, and should be ~0 for clean numbers;")
print("CPU time is tick-sampled, so with 1 connection it can read up to ~0.2 below zero):")
print()
print("| op | conns | coffer cores | coffer CPU µs/req | loadgen cores | loadgen CPU µs/req | other cores |")
print("|---|---:|---:|---:|---:|---:|---:|")
for row in cpu_rows:
    print("| " + " | ".join(row) + " |")
EOF
