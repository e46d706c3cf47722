#!/bin/sh
# Golden fixtures for StreamingResamplerTests: synthetic signals only (no recordings).
# Each input is a linear chirp from 10 Hz to 95 % of its Nyquist plus white noise, 16-bit mono;
# sox ("very high" quality, linear phase, no dither) resamples it to 2000 Hz as 32-bit float.
# Made with SoX v14.4.2 (Debian). Re-run from this folder: sh make_fixtures.sh
# -R makes sox's noise repeatable. At 44100 Hz sox warns that a few synthesised noise samples clip at
# full scale; that only shapes the (committed) input, not the comparison.
# Sizes: each file < 20 KB, about 80 KB in all.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for spec in 1000:2 4000:1 8000:1 44100:0.2; do
  rate=${spec%%:*}
  dur=${spec#*:}
  top=$((rate * 95 / 200))
  sox -D -R -n -r "$rate" -b 32 -e floating-point "$tmp/chirp.wav" synth "$dur" sine 10-"$top"
  sox -D -R -n -r "$rate" -b 32 -e floating-point "$tmp/noise.wav" synth "$dur" whitenoise
  # -m with explicit volumes: 0.5 chirp + 0.2 noise, so the sum never clips.
  sox -D -m -v 0.5 "$tmp/chirp.wav" -v 0.2 "$tmp/noise.wav" -b 16 -e signed-integer "in_${rate}.wav"
  sox -D "in_${rate}.wav" -b 32 -e floating-point "sox_${rate}_to_2000.wav" rate -v 2000
done
ls -l ./*.wav
