#!/usr/bin/env bash
# Offline analysis speed and memory, measured on real recordings:
#   1. builds the heartstream executable (Release);
#   2. `heartstream bench analyze --data DATA`: seconds of audio analysed per CPU-second over every WAV under DATA;
#   3. a 10-minute WAV made by concatenating the real recordings in samples/ with sox (each converted to 4 kHz mono
#      16-bit first, repeated until 10 minutes, trimmed to exactly 600 s), analysed once under `/usr/bin/time -v`
#      to report the peak resident set size of the whole process.
# Usage: scripts/bench-analyze.sh [DATA]   (DATA defaults to ../shared/data; LIMIT=N analyses only the first N files)
# Timing figures depend on machine load: report them with the load average printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

data=${1:-../shared/data}
limit=${LIMIT:-0}
for tool in dotnet sox /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench-analyze: $tool not found" >&2; exit 2; }
done
[ -d "$data" ] || { echo "bench-analyze: data folder $data does not exist" >&2; exit 2; }

echo "== build (Release)" >&2
dotnet build src/HeartStream -c Release -nologo -v quiet >&2
dll=src/HeartStream/bin/Release/net10.0/heartstream.dll
[ -f "$dll" ] || { echo "bench-analyze: $dll not built" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== heartstream bench analyze --data $data --limit $limit" >&2
dotnet "$dll" bench analyze --data "$data" --limit "$limit" | tee "$tmp/bench.txt"

echo "== 10-minute recording from samples/ (sox)" >&2
parts=()
i=0
for wav in samples/circor/*.wav samples/physionet2016/*.wav; do
  sox "$wav" -c 1 -b 16 "$tmp/part$i.wav" rate 4000
  parts+=("$tmp/part$i.wav")
  i=$((i + 1))
done
list=()
total=0
while [ "$(printf '%.0f' "$total")" -lt 600 ]; do
  for p in "${parts[@]}"; do
    list+=("$p")
    total=$(echo "$total + $(soxi -D "$p")" | bc -l)
  done
done
sox "${list[@]}" "$tmp/ten-minutes.wav" trim 0 600
echo "made $(soxi -D "$tmp/ten-minutes.wav") s at $(soxi -r "$tmp/ten-minutes.wav") Hz from ${#list[@]} pieces" >&2

echo "== /usr/bin/time -v heartstream analyze --summary ten-minutes.wav" >&2
/usr/bin/time -v dotnet "$dll" analyze --summary "$tmp/ten-minutes.wav" 2> "$tmp/time.txt" | sed "s|$tmp/||"
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt")
elapsed=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/time.txt")
user=$(awk -F': ' '/User time/ {print $2}' "$tmp/time.txt")

echo
echo "== results"
echo "throughput ($( [ "$limit" -gt 0 ] && echo "first $limit files" || echo "all files") under $data): $(grep -o '[0-9]* s of audio per CPU-second' "$tmp/bench.txt")"
echo "10-minute recording: peak RSS $((rss_kb / 1024)) MiB (${rss_kb} kB), whole process, wall ${elapsed}, user ${user} s"
echo "load average while measuring: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
