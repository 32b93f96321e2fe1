#!/usr/bin/env bash
# Coffer with many secrets: creates SCALE_SECRETS (100,000) secrets through coffer_loadgen, restarts
# Coffer on the same data directory and reports start-up time (process start to the first 200
# from /health/ready), resident memory after the restart and after paging through ListSecrets,
# and the ListSecrets page time (MaxResults 100) of the first page and of a page PAGES deep.
# Builds nothing: it needs build/release/coffer and build/release/bench/coffer_loadgen.
#
# Settings (environment):
#   SCALE_SECRETS=100000   CREATE_CONNS=64   secrets to create, and the concurrency to do it with
#   PAGES=500 REPEAT=20    ListSecrets pages to follow; timings of the first and deepest page
#   STARTS=3               restarts to time (the table shows the median and the slowest)
#   LOAD_DURATION=5        seconds of GetSecretValue (64 connections) over all the secrets after
#                          the walk; 0 skips it
#   QUIET_WAIT=60          wait up to this long for an idle machine before each timed step
#   THREADS=1  COFFER_ARGS=...  KEEP_DATA=1  BUILD_DIR / COFFER_BIN / LOADGEN_BIN  as in run_secretsmanager.sh
set -euo pipefail
# shellcheck source=bench/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"

SCALE_SECRETS=${SCALE_SECRETS:-100000}
CREATE_CONNS=${CREATE_CONNS:-64}
PAGES=${PAGES:-500}
REPEAT=${REPEAT:-20}
STARTS=${STARTS:-3}
LOAD_DURATION=${LOAD_DURATION:-5}
THREADS=${THREADS:-1}
QUIET_WAIT=${QUIET_WAIT:-60}

bench_require_binaries
bench_make_workdir
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
DATA=$BENCH_WORK/coffer-data

loadgen() {
  bench_run "$LOADGEN_BIN" --access-key "$BENCH_ACCESS_KEY" --secret-key "$BENCH_SECRET_KEY" \
    --threads "$THREADS" --json "$@"
}

# Starts Coffer on $DATA and times process start to the first 200 from /health/ready, polling
# every millisecond from python (a curl per poll would add its own start-up to the number).
# Sets START_SECS, COFFER_PID and COFFER_URL.
timed_start() {
  local out=$BENCH_WORK/start.txt
  : >"$BENCH_WORK/coffer.out"
  COFFER_ROOT_ACCESS_KEY_ID=$BENCH_ACCESS_KEY COFFER_ROOT_SECRET_ACCESS_KEY=$BENCH_SECRET_KEY \
    python3 - "$COFFER_BIN" "$DATA" "$BENCH_WORK/coffer.out" "$BENCH_WORK/coffer.log" \
    "${COFFER_ARGS:-}" >"$out" <<'EOF'
import http.client, re, subprocess, sys, time
binary, data, out_path, log_path, extra = sys.argv[1:6]
out, log = open(out_path, "ab"), open(log_path, "ab")
start = time.monotonic()
proc = subprocess.Popen([binary, "server", "--listen", "127.0.0.1:0", "--data-dir", data] +
                        extra.split(), stdout=out, stderr=log, stdin=subprocess.DEVNULL)
port = None
deadline = start + 60
while time.monotonic() < deadline and proc.poll() is None:
    if port is None:
        m = re.search(rb"is listening on http://127\.0\.0\.1:(\d+)", open(out_path, "rb").read())
        if m:
            port = int(m.group(1))
    if port is not None:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/health/ready")
            if c.getresponse().status == 200:
                print(f"{time.monotonic() - start:.4f} {proc.pid} {port}")
                sys.exit(0)
        except OSError:
            pass
    time.sleep(0.001)
print(f"fail {proc.pid} 0")
EOF
  local secs pid port
  read -r secs pid port <"$out"
  COFFER_PID=$pid
  BENCH_PIDS+=("$COFFER_PID")
  [ "$secs" != fail ] || {
    tail -n 20 "$BENCH_WORK/coffer.out" "$BENCH_WORK/coffer.log" >&2
    bench_die "coffer did not become ready"
  }
  COFFER_URL="http://127.0.0.1:$port"
  START_SECS=$secs
}

echo "## Coffer with $SCALE_SECRETS secrets"
echo
bench_print_machine
echo "- CPU busy before the run (1 s sample, whole machine): $(bench_machine_busy) cores"

bench_start_coffer "$DATA"
echo "creating $SCALE_SECRETS secrets with $CREATE_CONNS connections..." >&2
loadgen --endpoint "$COFFER_URL" --op CreateSecret --secrets "$SCALE_SECRETS" \
  --connections "$CREATE_CONNS" --timeout 60 >"$BENCH_WORK/create.json" ||
  bench_die "creating secrets failed: $(cat "$BENCH_WORK/create.json")"
created=$(bench_json "$BENCH_WORK/create.json" 'd["setup"]["created"] + d["setup"]["already_existed"]')
create_rate=$(bench_json "$BENCH_WORK/create.json" 'format(d["setup"]["per_second"], ",.0f")')
create_secs=$(bench_json "$BENCH_WORK/create.json" 'format(d["setup"]["seconds"], ".1f")')
rss_loaded=$(bench_rss_mib "$COFFER_PID")
bench_stop "$COFFER_PID"
data_size=$(du -sm "$DATA" | awk '{ print $1 }')

echo "restarting $STARTS time(s)..." >&2
starts=()
for i in $(seq 1 "$STARTS"); do
  bench_settle
  timed_start
  starts+=("$START_SECS")
  rss_restart=$(bench_rss_mib "$COFFER_PID")
  if [ "$i" -lt "$STARTS" ]; then bench_stop "$COFFER_PID"; fi
done
read -r start_median start_max < <(printf '%s\n' "${starts[@]}" | sort -n |
  awk '{ v[NR] = $1 } END { printf "%.3f %.3f\n", v[int((NR + 1) / 2)], v[NR] }')

echo "walking $PAGES ListSecrets pages..." >&2
bench_settle
loadgen --endpoint "$COFFER_URL" --op ListSecretsWalk --pages "$PAGES" --repeat "$REPEAT" \
  >"$BENCH_WORK/walk.json" || bench_die "ListSecrets walk failed: $(cat "$BENCH_WORK/walk.json")"
rss_walk=$(bench_rss_mib "$COFFER_PID")
w() { bench_json "$BENCH_WORK/walk.json" "$1"; }

load_row=""
if [ "$LOAD_DURATION" != 0 ]; then
  echo "GetSecretValue over all $SCALE_SECRETS secrets for $LOAD_DURATION s..." >&2
  bench_settle
  loadgen --endpoint "$COFFER_URL" --op GetSecretValue --secrets "$SCALE_SECRETS" --connections 64 \
    --duration "$LOAD_DURATION" --warmup 1 --server-pid "$COFFER_PID" >"$BENCH_WORK/load.json"
  l() { bench_json "$BENCH_WORK/load.json" "$1"; }
  load_row="| GetSecretValue over all $SCALE_SECRETS secrets, 64 connections | $(l 'format(d["rps"], ",.0f")') req/s, p99 $(l 'd["latency_ms"]["p99"]') ms, $(l 'd["errors"]') errors; server $(l 'format(d["cpu_s"]["server"] / d["duration_s"], ".2f")') cores, machine $(l 'format(d["cpu_s"]["machine"] / d["duration_s"], ".2f")') of $(nproc) | |
| RSS after that load | $(bench_rss_mib "$COFFER_PID") MiB (peak $(bench_peak_rss_mib "$COFFER_PID") MiB) | <= 100 MB |"
fi

echo "- setup: $created secrets in $create_secs s ($create_rate/s, $CREATE_CONNS connections); data dir $data_size MiB"
echo
echo "| measure | value | target |"
echo "|---|---:|---:|"
echo "| start-up, process start to /health/ready = 200 (median of $STARTS) | ${start_median} s (slowest ${start_max} s) | <= 0.5 s |"
echo "| RSS with $created secrets, before the restart | $rss_loaded MiB | |"
echo "| RSS right after the restart | $rss_restart MiB | <= 100 MB |"
echo "| RSS after walking $(w 'd["pages_walked"]') ListSecrets pages | $rss_walk MiB | <= 100 MB |"
echo "| ListSecrets first page, MaxResults 100 (median of $REPEAT) | $(w 'd["first_page_ms"]') ms | |"
echo "| ListSecrets page $(w 'd["deep_page_index"]') (median of $REPEAT) | $(w 'd["deep_page_ms"]') ms | |"
echo "| walk: mean of pages 1-50 / of the last 50 pages | $(w 'd["walk_mean_ms_first_50"]') / $(w 'd["walk_mean_ms_last_50"]') ms | |"
if [ -n "$load_row" ]; then echo "$load_row"; fi
errors=$(w 'd["errors"]')
if [ "$errors" != 0 ]; then echo; echo "ListSecrets walk errors: $(w 'd["error_breakdown"]')"; fi
