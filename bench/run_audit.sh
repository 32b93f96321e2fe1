#!/usr/bin/env bash
# What the audit trail costs on the hot path: GetSecretValue throughput and latency with the
# audit trail off, on (the default: fail-closed, each batch fdatasync'ed before its requests are
# answered), and on without fsync (--audit-fsync false: written to the OS before answering,
# which survives a crash of Coffer but not of the machine). Issue 6's target: at most 10% fewer
# requests per second than with auditing off.
#
# Starts three release Coffers (fresh data directories) on loopback, one per mode, creates
# SECRETS secrets in each, then for each connection count runs coffer_loadgen (GetSecretValue as
# root, closed loop, keep-alive, SigV4 on every request) against each server in turn, so the
# three modes see the same machine state. After the runs it checks that the trail of the
# audited servers holds one event per request they served. Builds nothing: it needs
# build/release/coffer and build/release/bench/coffer_loadgen.
#
# Settings (environment):
#   DURATION=10 WARMUP=2      measured and warm-up seconds per run
#   CONNS="1 16 64"           connection counts
#   SECRETS=1000              secrets the requests are spread over
#   THREADS=1                 load generator event-loop threads
#   QUIET_WAIT=60             before each run, wait up to this many seconds for the machine to
#                             be idle (< 0.15 cores busy); 0 disables
#   COFFER_ARGS="--io-threads 2"   extra `coffer server` flags for every server
#   RESULTS_DIR=dir           keep every run's JSON there
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
BASE_ARGS=${COFFER_ARGS:-}

bench_require_binaries
bench_make_workdir
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
RESULTS=${RESULTS_DIR:-$BENCH_WORK/results}
mkdir -p "$RESULTS"
echo "## Coffer: GetSecretValue with the audit trail off, on (fsync) and on (no fsync)"
echo
bench_print_machine
busy=$(bench_machine_busy)
echo "- CPU busy before the runs (1 s sample, whole machine): $busy cores"

MODES=(off fsync nofsync)
declare -A URL PID ARGS
ARGS[off]="--audit-mode off"
ARGS[fsync]="--audit-mode fail-closed --audit-fsync true"
ARGS[nofsync]="--audit-mode fail-closed --audit-fsync false"
for m in "${MODES[@]}"; do
  COFFER_ARGS="$BASE_ARGS ${ARGS[$m]}" bench_start_coffer "$BENCH_WORK/data-$m"
  URL[$m]=$COFFER_URL
  PID[$m]=$COFFER_PID
  echo "- coffer ($m: ${ARGS[$m]}) at ${URL[$m]} (pid ${PID[$m]})"
done
echo "- load: coffer_loadgen GetSecretValue as root, closed loop, keep-alive, SigV4 on every" \
  "request, $THREADS thread(s); ${WARMUP}+${DURATION} s per cell; $SECRETS secrets"

loadgen() {
  bench_run "$LOADGEN_BIN" --threads "$THREADS" --json "$@"
}
for m in "${MODES[@]}"; do
  loadgen --access-key "$BENCH_ACCESS_KEY" --secret-key "$BENCH_SECRET_KEY" \
    --endpoint "${URL[$m]}" --op CreateSecret --secrets "$SECRETS" --connections 64 \
    >"$RESULTS/setup-$m.json" || bench_die "creating secrets failed: $(cat "$RESULTS/setup-$m.json")"
done

for c in $CONNS; do
  for m in "${MODES[@]}"; do
    echo "running GetSecretValue with $c connection(s), audit $m..." >&2
    bench_settle
    loadgen --access-key "$BENCH_ACCESS_KEY" --secret-key "$BENCH_SECRET_KEY" \
      --endpoint "${URL[$m]}" --op GetSecretValue --secrets "$SECRETS" --connections "$c" \
      --duration "$DURATION" --warmup "$WARMUP" --server-pid "${PID[$m]}" \
      >"$RESULTS/$m-$c.json"
  done
done
for m in "${MODES[@]}"; do
  echo "- coffer ($m) RSS after the runs: $(bench_rss_mib "${PID[$m]}") MiB"
done
for m in fsync nofsync; do
  bench_stop "${PID[$m]}"
  lines=$(cat "$BENCH_WORK/data-$m"/audit/audit-*.jsonl | grep -vc '"cofferDigest"' || true)
  bytes=$(cat "$BENCH_WORK/data-$m"/audit/audit-*.jsonl | wc -c)
  echo "- trail ($m): $lines events, $((bytes / 1024 / 1024)) MiB"
  echo "$lines" >"$RESULTS/events-$m.txt"
done
echo

python3 - "$RESULTS" "$CONNS" <<'PY'
import json, os, sys
results, conns = sys.argv[1], sys.argv[2].split()
TARGET = 10.0

def load(mode, c):
    return json.load(open(os.path.join(results, f"{mode}-{c}.json")))

def server_us(d):
    return d["cpu_s"]["server"] / max(d["requests"], 1) * 1e6

print("| conns | off req/s | on (fsync) req/s | overhead % | on (no fsync) req/s | overhead % "
      "| p99 ms off / fsync / no fsync | server CPU µs/req off / fsync / no fsync |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
worst, errors = 0.0, 0
for c in conns:
    o, f, n = load("off", c), load("fsync", c), load("nofsync", c)
    of = (o["rps"] - f["rps"]) / o["rps"] * 100
    on = (o["rps"] - n["rps"]) / o["rps"] * 100
    worst = max(worst, of)
    errors += o["errors"] + f["errors"] + n["errors"]
    print(f"| {c} | {o['rps']:,.0f} | {f['rps']:,.0f} | {of:+.1f} | {n['rps']:,.0f} | {on:+.1f} "
          f"| {o['latency_ms']['p99']:.3f} / {f['latency_ms']['p99']:.3f} / "
          f"{n['latency_ms']['p99']:.3f} "
          f"| {server_us(o):.1f} / {server_us(f):.1f} / {server_us(n):.1f} |")
print()
# Every request the audited servers answered has its event (setup + warm-up + measured runs).
for mode in ("fsync", "nofsync"):
    events = int(open(os.path.join(results, f"events-{mode}.txt")).read().strip() or 0)
    served = json.load(open(os.path.join(results, f"setup-{mode}.json")))["setup"]["created"]
    measured = sum(load(mode, c)["requests"] for c in conns)
    ok = events >= served + measured
    print(f"- trail ({mode}): {events:,} events for {served + measured:,} counted requests "
          f"(+ warm-up): {'complete' if ok else 'EVENTS MISSING'}")
    if not ok:
        errors += 1
print("overhead % = (off req/s - on req/s) / off req/s; positive means auditing is slower.")
verdict = "within" if worst <= TARGET else "ABOVE"
print(f"Worst overhead with fsync {worst:+.1f}%: {verdict} the {TARGET:.0f}% target. "
      f"Errors: {errors}" + (" (the numbers above are not valid)." if errors else "."))
sys.exit(1 if errors else 0)
PY
