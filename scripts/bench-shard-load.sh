#!/usr/bin/env bash
# Scale-out load: three `heartstream run` instances with Mqtt:Shards=128 (default models: neural segmenter, murmur
# classifier) share one real mosquitto on loopback and DEVICES simulated gateway devices streaming in real time on their
# shard topics (QoS 1, 100-ms frames, the committed sample recordings looped). After a warm-up, for SECONDS it reads each
# instance's /metrics: devices, audio analysed per second, samples dropped at capture, rejected frames, CPU, memory and
# the p95 end-to-end latency (frame in -> its events out), and prints one line per instance, the total and the CPU of
# the broker, the simulator and the whole machine (they share its cores). KEEP_WORK=1 keeps the logs. The web views
# are off (three instances on one host would share their port; their cost: bench streams --web, docs/PERFORMANCE.md).
# Usage: scripts/bench-shard-load.sh [DEVICES] [SECONDS] [HEARTSTREAM_EXECUTABLE]
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-300}
seconds=${2:-60}
exe=${3:-src/HeartStream/bin/Release/net10.0/heartstream}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mqtt_port=$(free_port)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\n' "$mqtt_port" > "$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
broker_pid=$!
sleep 0.5
ports=()
for name in a b c; do
  port=$(free_port); ports+=("$port")
  HEARTSTREAM_Mqtt__ClientId="load-$name" HEARTSTREAM_Mqtt__Shards=128 HEARTSTREAM_Mqtt__ShardSettleSeconds=1 HEARTSTREAM_Web__Enabled=false \
    "$exe" run --mqtt-host 127.0.0.1 --mqtt-port "$mqtt_port" --http-port "$port" > "$work/run-$name.log" 2>&1 &
done
for port in "${ports[@]}"; do
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 0.1; done
done
"$exe" simulate --broker "mqtt://127.0.0.1:$mqtt_port" --devices "$devices" --shards 128 --seconds $((seconds + ${WARMUP:-30} + 10)) \
  --frame-ms 100 > "$work/simulate.log" 2>&1 &
simulator_pid=$!
sleep "${WARMUP:-30}" # warm-up (WARMUP seconds, 30): every device joined, models warm, start-up backlog analysed
scrape() { for port in "${ports[@]}"; do curl -s "http://127.0.0.1:$port/metrics" > "$work/$1-$port.prom"; done; }
# CPU seconds (user + system) of the broker, the simulator and the whole machine, for the budget line
cpu_of() { awk -v t="$(getconf CLK_TCK)" '{print ($14 + $15) / t}' "/proc/$1/stat"; }
machine_cpu() { awk -v t="$(getconf CLK_TCK)" '/^cpu /{print ($2 + $3 + $4 + $7 + $8) / t}' /proc/stat; }
scrape before; t0=$(date +%s.%N); b0=$(cpu_of $broker_pid); s0=$(cpu_of $simulator_pid); m0=$(machine_cpu)
sleep "$seconds"
scrape after; t1=$(date +%s.%N); b1=$(cpu_of $broker_pid); s1=$(cpu_of $simulator_pid); m1=$(machine_cpu)
python3 - "$work" "$t0" "$t1" "$devices" "$b0 $b1 $s0 $s1 $m0 $m1 $(nproc)" "${ports[@]}" <<'PY'
import sys, re
work, t0, t1, devices, ports = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[6:]
b0, b1, s0, s1, m0, m1, cores = (float(v) for v in sys.argv[5].split())
wall = t1 - t0
def read(path):
    m = {}
    for line in open(path):
        if line.startswith('#') or not line.strip(): continue
        k, v = line.rsplit(' ', 1)
        m[k] = float(v)
    return m
def total(m, name): return sum(v for k, v in m.items() if k == name or k.startswith(name + '{'))
def p95(before, after, name):
    buckets = []
    for k, v in after.items():
        g = re.match(name + r'_bucket\{.*le="([^"]+)"', k)
        if g: buckets.append((float('inf') if g.group(1) == '+Inf' else float(g.group(1)), v - before.get(k, 0)))
    buckets.sort(); n = buckets[-1][1] if buckets else 0
    for le, c in buckets:
        if n and c >= 0.95 * n: return le
    return float('nan')
rows = []
for name, port in zip('abc', ports):
    b, a = read(f'{work}/before-{port}.prom'), read(f'{work}/after-{port}.prom')
    rows.append(dict(
        name=name, devices=total(a, 'heartstream_devices_active'), shards=total(a, 'heartstream_shards_owned'),
        audio=(total(a, 'heartstream_audio_processed_seconds_total') - total(b, 'heartstream_audio_processed_seconds_total')) / wall,
        dropped=total(a, 'heartstream_capture_dropped_samples_total') - total(b, 'heartstream_capture_dropped_samples_total'),
        rejected=total(a, 'heartstream_capture_rejected_frames_total') - total(b, 'heartstream_capture_rejected_frames_total'),
        cpu=(total(a, 'process_cpu_seconds_total') - total(b, 'process_cpu_seconds_total')) / wall,
        rss=total(a, 'process_resident_memory_bytes') / 2**20,
        p95=p95(b, a, 'heartstream_pipeline_end_to_end_latency_seconds')))
for r in rows:
    print(f"instance {r['name']}: {r['shards']:.0f} shards, {r['devices']:.0f} devices, {r['audio']:.1f} s of audio analysed per s, "
          f"{r['dropped']:.0f} samples dropped, {r['rejected']:.0f} frames rejected, CPU {r['cpu']:.2f} cores, RSS {r['rss']:.0f} MB, "
          f"end-to-end p95 <= {r['p95']:g} s")
reasons = {}
for port in ports:
    b, a = read(f'{work}/before-{port}.prom'), read(f'{work}/after-{port}.prom')
    for k, v in a.items():
        if k.startswith('heartstream_capture_dropped_samples_total{'):
            reasons[k[k.index('{'):]] = reasons.get(k[k.index('{'):], 0) + v - b.get(k, 0)
print('dropped by reason: ' + (', '.join(f'{k} {v:.0f}' for k, v in sorted(reasons.items()) if v) or 'none'))
audio = sum(r['audio'] for r in rows)
print(f"total: {sum(r['devices'] for r in rows):.0f} of {devices} devices, {audio:.1f} s of audio per s ({100 * audio / devices:.1f} % of real time), "
      f"{sum(r['dropped'] for r in rows):.0f} samples dropped, CPU {sum(r['cpu'] for r in rows):.2f} cores over {wall:.0f} s")
print(f"machine: broker {(b1 - b0) / wall:.2f} cores, simulator {(s1 - s0) / wall:.2f} cores, "
      f"all processes {(m1 - m0) / wall:.2f} of {cores:.0f} cores")
PY
tail -n 1 "$work/simulate.log" || true
