#!/usr/bin/env python3
"""Independent float64 reference of StreamingSpectrogram (SpectrogramSettings.Default), for the tests.

usage: spectrogram_oracle.py IN.wav OUT.f64
Reads a mono 16-bit 2 kHz WAV with the standard library, writes frames x bins float64 (little-endian).
Frame j: Hann window of 100 samples over samples 40j-30 .. 40j+69 (zeros before the start and after the end),
bin k at 25 + 20k Hz, power |sum w x e^{-2 pi i f n / fs}|^2 / (sum(w)/2)^2, output ln(max(power, 1e-10)).
"""
import sys
import wave

import numpy as np

FS, HOP, WIN, BINS, F0, DF, FLOOR = 2000, 40, 100, 40, 25.0, 20.0, 1e-10


def main(src, dst):
    with wave.open(src, "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == FS
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
    lead = (WIN - HOP) // 2
    padded = np.concatenate([np.zeros(lead), x, np.zeros(lead)])
    n = np.arange(WIN)
    win = 0.5 - 0.5 * np.cos(2 * np.pi * (n + 0.5) / WIN)
    freqs = F0 + DF * np.arange(BINS)
    basis = win[None, :] * np.exp(-2j * np.pi * freqs[:, None] * n[None, :] / FS)
    frames = len(x) // HOP
    out = np.empty((frames, BINS))
    for j in range(frames):
        seg = padded[j * HOP : j * HOP + WIN]
        power = np.abs(basis @ seg) ** 2 / (win.sum() / 2) ** 2
        out[j] = np.log(np.maximum(power, FLOOR))
    out.astype("<f8").tofile(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
