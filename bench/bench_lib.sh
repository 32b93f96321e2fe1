# shellcheck shell=bash
# Shared by the bench scripts (sourced, not run): locating the binaries, starting and stopping
# Coffer and moto_server, the common start of a side-by-side run, and the machine's description.
# Every process started here is recorded in BENCH_PIDS and killed by bench_cleanup (set as the
# EXIT trap by the caller).

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$BENCH_ROOT/build/release}
COFFER_BIN=${COFFER_BIN:-$BUILD_DIR/coffer}
LOADGEN_BIN=${LOADGEN_BIN:-$BUILD_DIR/bench/coffer_loadgen}
BENCH_ACCESS_KEY=${BENCH_ACCESS_KEY:-AKIDBENCHMARK0000000}
BENCH_SECRET_KEY=${BENCH_SECRET_KEY:-benchmark-secret-access-key-0000000000}
BENCH_PIDS=()
BENCH_WORK=""

bench_die() {
  echo "error: $*" >&2
  exit 1
}

bench_require_binaries() {
  local missing=0
  for bin in "$COFFER_BIN" "$LOADGEN_BIN"; do
    if [ ! -x "$bin" ]; then
      echo "missing: $bin" >&2
      missing=1
    fi
  done
  if [ "$missing" -ne 0 ]; then
    cat >&2 <<EOF
These benchmarks use the release build and do not build anything themselves. Build it with:

  cd $BENCH_ROOT && cmake --preset release && cmake --build --preset release -j2

(or point BUILD_DIR, COFFER_BIN or LOADGEN_BIN at existing binaries).
EOF
    exit 1
  fi
  command -v curl >/dev/null || bench_die "curl is needed to poll /health/ready"
  command -v python3 >/dev/null || bench_die "python3 is needed to read the load generator's JSON"
}

bench_make_workdir() {
  BENCH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/coffer-bench.XXXXXX")
}

# True while PID runs (an exited child of ours is a zombie until reaped: that counts as gone, and
# is reaped here).
bench_alive() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || state=""
  if [ -z "$state" ]; then return 1; fi
  if [ "$state" = Z ]; then
    wait "$1" 2>/dev/null || true
    return 1
  fi
  return 0
}

bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do
    if bench_alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "${BENCH_PIDS[@]}"; do
    for _ in $(seq 1 300); do
      bench_alive "$pid" || continue 2
      sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -n "$BENCH_WORK" ] && [ -d "$BENCH_WORK" ]; then
    if [ "${KEEP_DATA:-0}" = "1" ]; then
      echo "kept $BENCH_WORK" >&2
    else
      rm -rf "$BENCH_WORK"
    fi
  fi
}

# Runs a command in the background and waits for it, so that an interrupt reaches the EXIT trap
# at once (bash defers traps while a foreground command runs) and the trap can kill it.
bench_run() {
  "$@" &
  local pid=$! rc=0
  BENCH_PIDS+=("$pid")
  wait "$pid" || rc=$?
  bench_forget "$pid"
  return "$rc"
}

bench_forget() {
  local keep=() p
  for p in "${BENCH_PIDS[@]}"; do
    if [ "$p" != "$1" ]; then keep+=("$p"); fi
  done
  BENCH_PIDS=("${keep[@]}")
}

# Stops one process started by these helpers and waits (up to 30 s) for it to exit.
bench_stop() {
  local pid=$1
  bench_forget "$pid"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 600); do
    bench_alive "$pid" || return 0
    sleep 0.05
  done
  echo "warning: pid $pid did not stop in 30 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

# Waits until `grep -o PATTERN FILE` matches (up to 30 s) and prints the match.
bench_wait_for_line() {
  local file=$1 pattern=$2 pid=$3 match
  for _ in $(seq 1 3000); do
    match=$(grep -o -m1 -E "$pattern" "$file" 2>/dev/null || true)
    if [ -n "$match" ]; then
      echo "$match"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}

bench_wait_ready() {
  local url=$1
  for _ in $(seq 1 3000); do
    if curl -fsS -o /dev/null --max-time 2 "$url/health/ready" 2>/dev/null; then return 0; fi
    sleep 0.01
  done
  return 1
}

# Starts Coffer on a free loopback port with DATA_DIR and the benchmark's root credentials.
# Sets COFFER_PID and COFFER_URL. Output goes to $BENCH_WORK/coffer.{out,log}.
bench_start_coffer() {
  local data_dir=$1
  : >"$BENCH_WORK/coffer.out"
  # COFFER_ARGS is a list of flags, split on purpose.
  # shellcheck disable=SC2086
  COFFER_ROOT_ACCESS_KEY_ID=$BENCH_ACCESS_KEY COFFER_ROOT_SECRET_ACCESS_KEY=$BENCH_SECRET_KEY \
    "$COFFER_BIN" server --listen 127.0.0.1:0 --data-dir "$data_dir" ${COFFER_ARGS:-} \
    >>"$BENCH_WORK/coffer.out" 2>>"$BENCH_WORK/coffer.log" &
  COFFER_PID=$!
  BENCH_PIDS+=("$COFFER_PID")
  local addr
  addr=$(bench_wait_for_line "$BENCH_WORK/coffer.out" \
    'is listening on http://127\.0\.0\.1:[0-9]+' "$COFFER_PID") || {
    tail -n 20 "$BENCH_WORK/coffer.out" "$BENCH_WORK/coffer.log" >&2
    bench_die "coffer did not start"
  }
  COFFER_URL="http://${addr##*http://}"
  bench_wait_ready "$COFFER_URL" || bench_die "coffer at $COFFER_URL never became ready"
}

# Starts moto_server from the image's python3 on a free loopback port. Sets MOTO_PID and
# MOTO_URL, or returns 1 when moto is not installed.
bench_start_moto() {
  local cmd
  if command -v moto_server >/dev/null 2>&1; then
    cmd=(moto_server)
  elif python3 -c 'import moto.server' >/dev/null 2>&1; then
    cmd=(python3 -m moto.server)
  else
    return 1
  fi
  : >"$BENCH_WORK/moto.log"
  "${cmd[@]}" -H 127.0.0.1 -p 0 >>"$BENCH_WORK/moto.log" 2>&1 &
  MOTO_PID=$!
  BENCH_PIDS+=("$MOTO_PID")
  local addr
  addr=$(bench_wait_for_line "$BENCH_WORK/moto.log" 'Running on http://127\.0\.0\.1:[0-9]+' \
    "$MOTO_PID") || {
    tail -n 20 "$BENCH_WORK/moto.log" >&2
    return 1
  }
  MOTO_URL="http://${addr##*http://}"
  for _ in $(seq 1 1000); do
    curl -s -o /dev/null --max-time 2 "$MOTO_URL/" && return 0
    sleep 0.01
  done
  return 1
}

bench_moto_version() {
  python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo unknown
}

# Resident set size of PID in MiB (VmRSS), with one decimal.
bench_rss_mib() {
  awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

bench_peak_rss_mib() {
  awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# Busy cores of the whole machine over one second (from /proc/stat): warns when something else
# is running, since load generator and server share this machine's cores.
bench_machine_busy() {
  python3 - <<'EOF'
import os, time
def busy():
    v = [int(x) for x in open('/proc/stat').readline().split()[1:9]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
a = busy(); time.sleep(1); b = busy()
print(f"{(b - a) / os.sysconf('SC_CLK_TCK'):.2f}")
EOF
}

# Waits (up to $1 seconds) until the machine is idle: less than $2 cores busy over half a second.
# The servers under test are idle between runs, so anything busy is someone else. Prints the last
# sample; returns 1 if the machine never got quiet.
bench_wait_quiet() {
  python3 - "$1" "$2" <<'EOF'
import os, sys, time
limit, threshold = float(sys.argv[1]), float(sys.argv[2])
tck = os.sysconf('SC_CLK_TCK')
def busy():
    v = [int(x) for x in open('/proc/stat').readline().split()[1:9]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
deadline = time.monotonic() + limit
while True:
    a = busy(); time.sleep(0.5); b = busy()
    cores = (b - a) / tck / 0.5
    if cores < threshold:
        print(f"{cores:.2f}"); sys.exit(0)
    if time.monotonic() > deadline:
        print(f"{cores:.2f}"); sys.exit(1)
EOF
}

bench_print_machine() {
  local model commit
  model=$(awk -F: '/^model name/ { sub(/^ +/, "", $2); print $2; exit }' /proc/cpuinfo)
  commit=$(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ -n "$(git -C "$BENCH_ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit (working tree has uncommitted changes)"
  fi
  echo "- machine: $(nproc) CPUs, ${model:-unknown CPU}, $(uname -sr), $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM"
  echo "- git commit: $commit"
  echo "- coffer: $("$COFFER_BIN" --version 2>/dev/null | head -n1) ($COFFER_BIN)"
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
}

# Prints one field of a JSON file: bench_json FILE 'expression over d'.
bench_json() {
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# Starts a side-by-side run: the work dir and its cleanup traps, RESULTS (RESULTS_DIR, else a
# folder in the work dir), the header (machine, and a warning when something else is busy),
# Coffer, and moto_server unless SKIP_MOTO=1 (have_moto=1 when it runs).
# Usage: bench_begin TITLE
bench_begin() {
  bench_make_workdir
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  RESULTS=${RESULTS_DIR:-$BENCH_WORK/results}
  mkdir -p "$RESULTS"

  echo "## Coffer vs moto_server: $1"
  echo
  bench_print_machine
  local busy
  busy=$(bench_machine_busy)
  echo "- CPU busy before the runs (1 s sample, whole machine): $busy cores"
  if python3 -c "import sys; sys.exit(0 if float('$busy') > 0.2 else 1)"; then
    echo "- WARNING: something else is using the CPU; the results below are not clean."
  fi

  bench_start_coffer "$BENCH_WORK/coffer-data"
  echo "- coffer at $COFFER_URL (pid $COFFER_PID, data in a fresh temp dir)"
  have_moto=0  # read by the calling script
  # shellcheck disable=SC2034
  if [ "${SKIP_MOTO:-0}" != "1" ]; then
    if bench_start_moto; then
      have_moto=1
      echo "- moto_server $(bench_moto_version) at $MOTO_URL (pid $MOTO_PID)"
    else
      echo "- moto_server: not available (pip install 'moto[server]'); Coffer only"
    fi
  fi
}

# Before a measured run: waits up to QUIET_WAIT seconds (0: not at all) for the machine to be
# idle, and says so on stderr when it never was.
bench_settle() {
  [ "${QUIET_WAIT:-60}" != 0 ] || return 0
  local busy
  if ! busy=$(bench_wait_quiet "${QUIET_WAIT:-60}" 0.15); then
    echo "  note: machine still busy ($busy cores) after waiting ${QUIET_WAIT:-60} s; running anyway" >&2
  fi
}

# Writes Coffer's handler time (coffer_request_duration_seconds of SERVICE) and KMS crypto time
# per operation, as {"<op>" | "crypto:<op>": {"sum", "count"}}, to FILE ({} if unreachable).
# Usage: bench_snapshot_metrics SERVICE FILE
bench_snapshot_metrics() {
  curl -fsS --max-time 5 "$COFFER_URL/metrics" | python3 -c '
import json, re, sys
service = sys.argv[1]
out = {}
for line in sys.stdin:
    m = re.match(r"coffer_request_duration_seconds_(sum|count)\{service=\"(\w+)\",operation=\"(\w+)\"\} (\S+)", line)
    if m and m.group(2) == service:
        out.setdefault(m.group(3), {})[m.group(1)] = float(m.group(4))
    m = re.match(r"coffer_kms_crypto_seconds_(sum|count)\{operation=\"(\w+)\"\} (\S+)", line)
    if m:
        out.setdefault("crypto:" + m.group(2), {})[m.group(1)] = float(m.group(3))
json.dump({k: v for k, v in out.items() if v.get("count")}, sys.stdout)' "$1" >"$2" || echo '{}' >"$2"
}
