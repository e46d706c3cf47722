#!/usr/bin/env bash
# Installs what HeartStream needs on a Debian machine with the .NET SDK, and nothing that is already there.
# Idempotent: a second run does no work. Native pieces:
#   - Debian packages: sox (test fixtures), mosquitto (the real broker of the integration tests), nats-server (a real
#     3-node broker cluster for the scale-out failover test),
#     prometheus (promtool, real scrapes in tests), python3-torch/numpy/scipy (test oracles), libonnx-dev (onnx.proto),
#     binutils (readelf: a test checks the TorchSharp native patch, build/TorchSharpNative.targets), chromium (the
#     web views' browser tests drive it with Microsoft.Playwright).
#   - ONNX Runtime comes with the Microsoft.ML.OnnxRuntime NuGet package (restored by dotnet), nothing to fetch here.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(time binutils sox mosquitto nats-server prometheus python3-torch python3-numpy python3-scipy libonnx-dev chromium)
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
