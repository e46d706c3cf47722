#!/usr/bin/env bash
# MQTT ingest throughput: gateway audio frames per second into the service, through a real mosquitto on loopback.
# `heartstream simulate` publishes DEVICES devices at SPEED x real time in 100-ms frames (QoS 0, as gateways do);
# `heartstream run --mqtt-host` ingests them with the baseline segmenter and no classifiers (so analysis is cheap and
# the MQTT path is what is measured). Prints frames offered and frames analysed per second, read from the service's
# /metrics (heartstream_audio_processed_seconds_total x 10 frames per second of audio) and its drop counters.
# Usage: scripts/bench-mqtt-ingest.sh [HEARTSTREAM_EXECUTABLE] [DEVICES] [SPEED] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
exe=${1:-src/HeartStream/bin/Release/net10.0/heartstream}
devices=${2:-100}
speed=${3:-20}
seconds=${4:-30}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mqtt_port=$(free_port)
http_port=$(free_port)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\n' "$mqtt_port" > "$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
sleep 0.5
"$exe" run --segmenter baseline --classifiers "" --mqtt-host 127.0.0.1 --mqtt-port "$mqtt_port" \
  --http-port "$http_port" > "$work/run.log" 2>&1 &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$http_port/readyz" > /dev/null && break; sleep 0.1; done
metric() { curl -s "http://127.0.0.1:$http_port/metrics" | awk -v n="$1" '$1 ~ "^"n"({|$)" { s += $2 } END { printf "%.1f", s }'; }
start=$(metric heartstream_audio_processed_seconds_total)
t0=$(date +%s.%N)
"$exe" simulate --broker "mqtt://127.0.0.1:$mqtt_port" --devices "$devices" --speed "$speed" --seconds "$seconds" \
  --frame-ms 100 > "$work/simulate.log" 2>&1
sleep 3
tail -n 2 "$work/simulate.log"
[ -n "${BENCH_KEEP:-}" ] && cp "$work"/*.log "$BENCH_KEEP"/
t1=$(date +%s.%N)
end=$(metric heartstream_audio_processed_seconds_total)
rejected=$(metric heartstream_capture_rejected_frames_total)
dropped=$(metric heartstream_capture_dropped_samples_total)
python3 - "$start" "$end" "$t0" "$t1" "$devices" "$speed" "$seconds" "$rejected" "$dropped" <<'PY'
import sys
start, end, t0, t1 = map(float, sys.argv[1:5]); devices, speed, seconds = int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
offered = devices * speed * 10
analysed = (end - start) * 10 / seconds
print(f"offered   {offered:,.0f} frames/s ({devices} devices x {speed:g} x real time, 100-ms frames, {seconds:g} s)")
print(f"analysed  {analysed:,.0f} frames/s ({(end - start):,.0f} s of audio in {seconds:g} s of publishing, {t1 - t0:.1f} s wall)")
print(f"rejected  {float(sys.argv[8]):,.0f} frames; dropped {float(sys.argv[9]):,.0f} samples at capture")
PY
