#!/usr/bin/env bash
# Installs what HeartStream needs on a Debian machine with the .NET SDK, and nothing that is already there.
# Idempotent: a second run does no work. Native pieces:
#   - Debian packages: sox (test fixtures), mosquitto + libmosquitto1 (broker, MQTT client library),
#     prometheus (promtool, real scrapes in tests), python3-torch/numpy/scipy (test oracles), libonnx-dev (onnx.proto).
#   - ONNX Runtime 1.30 for linux-x64, taken from the npm package onnxruntime-node (npm pack, no install scripts run),
#     into native/ in the repository (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(time sox mosquitto libmosquitto1 prometheus python3-torch python3-numpy python3-scipy libonnx-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian mosquitto package starts a system broker on port 1883; HeartStream starts its own private brokers
# on free loopback ports and does not need it.

ort_version=1.30.0
ort_lib=native/onnxruntime/libonnxruntime.so.1
if [ ! -f "$ort_lib" ]; then
  echo "setup: fetching ONNX Runtime $ort_version (npm pack onnxruntime-node, scripts not run)" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "onnxruntime-node@$ort_version" --ignore-scripts --silent >/dev/null)
  tar -xzf "$tmp"/onnxruntime-node-$ort_version.tgz -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1
  mkdir -p native/onnxruntime
  cp "$tmp"/package/bin/napi-v6/linux/x64/libonnxruntime.so.1 "$ort_lib.tmp"
  mv "$ort_lib.tmp" "$ort_lib"
  echo "$ort_version" > native/onnxruntime/VERSION
fi
