#!/usr/bin/env bash
# The browser's side of the central station at scale: `heartstream bench streams --count DEVICES --web 1` serves the
# web views for DEVICES live devices; a headless Debian chromium opens the central station, and after a warm-up the
# script reads, for SECONDS, the CPU of every chromium process (user + system from /proc) and of the service, and
# prints them with the service's own figures (its CPU includes one in-process central-station reader).
# Usage: scripts/bench-web-browser.sh [DEVICES] [SECONDS] [HEARTSTREAM_DLL]
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-1000}
seconds=${2:-20}
dll=${3:-src/HeartStream/bin/Release/net10.0/heartstream.dll}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet "$dll" bench streams --count "$devices" --seconds $((seconds + 30)) --web 1 > "$work/bench.out" 2> "$work/bench.err" &
bench=$!
for _ in $(seq 300); do grep -q "web views at" "$work/bench.err" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^web views at //p' "$work/bench.err")
[ -n "$url" ] || { echo "the bench did not start its web views" >&2; cat "$work/bench.err" >&2; exit 1; }
chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$work/profile" --remote-debugging-port=0 "$url" \
  > "$work/chromium.log" 2>&1 &
tck=$(getconf CLK_TCK)
cpu() { # CPU seconds of the processes whose command line matches $1
  local total=0
  for p in $(pgrep -f "$1"); do
    [ -r "/proc/$p/stat" ] && total=$(awk -v t="$total" -v c="$tck" '{print t + ($14 + $15) / c}' "/proc/$p/stat" 2>/dev/null || echo "$total")
  done
  echo "$total"
}
sleep 10 # the page loaded, every tile drawn once
c0=$(cpu "user-data-dir=$work/profile"); s0=$(cpu "bench streams --count $devices"); t0=$(date +%s.%N)
sleep "$seconds"
c1=$(cpu "user-data-dir=$work/profile"); s1=$(cpu "bench streams --count $devices"); t1=$(date +%s.%N)
python3 -c "
w = $t1 - $t0
print(f'browser (every chromium process) {($c1 - $c0) / w:.2f} cores, service {($s1 - $s0) / w:.2f} cores, over {w:.0f} s with $devices devices')"
wait "$bench" || true
grep -E "keeps up|web views|cpu |latency|dropped" "$work/bench.out"
