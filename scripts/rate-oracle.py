#!/usr/bin/python3
"""Independent heart-rate check for rate alerts (an oracle, not part of the service).

Usage:
  scripts/rate-oracle.py FILE.wav START_S END_S [--png OUT.png]
  scripts/rate-oracle.py --validate CIRCOR_DIR [--count N]
  heartstream bench alerts --evidence | scripts/rate-oracle.py --evidence DATA_DIR

Estimates the heart rate in [START_S, END_S] of a WAV file with a method that shares no code with HeartStream:
numpy only, 25-400 Hz band-pass by FFT mask, Hilbert envelope, 50 Hz envelope, autocorrelation, and the first
autocorrelation peak at a lag between 0.3 s and 2 s (200-30 bpm), moved to a peak at half its lag while that
one reaches 75 % of it (a fast heart's second cycle).
A peak is refined by parabolic interpolation. --validate runs it over annotated CirCor recordings (S1 onsets from
the .tsv files) and prints the error against the annotated median S1-S1 rate, so the oracle's own accuracy is
measured before it is used to judge an alert. --evidence reads the EVIDENCE lines of `heartstream bench alerts
--evidence` and, for every tachycardia or bradycardia alert, estimates the rate between the alert's onset and its
raise: "confirmed" when the oracle is within 5 bpm (or 5 %) of the rate the alert reported. --png writes the envelope with a tick per second for a by-eye count.
"""
import sys, wave, zlib, struct, glob, os
import numpy as np

FS_ENV = 50.0


def read_wav(path):
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise SystemExit(f"{path}: only 16-bit PCM is supported")
        rate, ch, n = w.getframerate(), w.getnchannels(), w.getnframes()
        x = np.frombuffer(w.readframes(n), dtype="<i2").astype(np.float64)
    if ch > 1:
        x = x.reshape(-1, ch).mean(axis=1)
    return x / 32768.0, rate


def envelope(x, rate):
    n = len(x)
    spec = np.fft.fft(x)
    f = np.fft.fftfreq(n, 1.0 / rate)
    # analytic signal of the 25-400 Hz band: keep positive frequencies in the band, doubled
    h = np.zeros(n)
    h[(f >= 25) & (f <= 400)] = 2.0
    env = np.abs(np.fft.ifft(spec * h))
    step = rate / FS_ENV
    m = int(len(env) // step)
    idx = (np.arange(m) * step).astype(int)
    # mean over each 20 ms block
    blocks = np.array([env[int(i):int(i + step)].mean() for i in idx])
    return blocks


def oracle_rate(env, t0, t1):
    seg = env[int(t0 * FS_ENV):int(t1 * FS_ENV)]
    seg = seg - seg.mean()
    if len(seg) < 2 * FS_ENV or not np.any(seg):
        return None
    ac = np.correlate(seg, seg, mode="full")[len(seg) - 1:]
    ac = ac / ac[0]
    lo, hi = int(0.3 * FS_ENV), min(int(2.0 * FS_ENV), len(ac) - 2)
    peaks = [k for k in range(lo, hi + 1) if ac[k] >= ac[k - 1] and ac[k] >= ac[k + 1] and ac[k] > 0]
    if not peaks:
        return None
    # the highest peak is normally the cycle (S1 and S2 both align); a peak at half its lag that is nearly as high
    # means the highest one was two cycles (a fast, regular heart), so step down while that holds
    k = max(peaks, key=lambda p: ac[p])
    while True:
        half = [p for p in peaks if abs(p - k / 2) <= max(1.0, 0.1 * k / 2)]
        if not half or ac[max(half, key=lambda p: ac[p])] < 0.75 * ac[k]:
            break
        k = max(half, key=lambda p: ac[p])
    a, b, c = ac[k - 1], ac[k], ac[k + 1]
    d = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
    return 60.0 * FS_ENV / (k + d), float(b)


def write_png(path, env, t0, t1, width=1400, height=220):
    seg = env[int(t0 * FS_ENV):int(t1 * FS_ENV)]
    seg = seg / (np.percentile(seg, 99.5) + 1e-12)
    img = np.full((height, width), 255, dtype=np.uint8)
    cols = np.linspace(0, len(seg) - 1, width).astype(int)
    for x, i in enumerate(cols):
        y = int((1 - min(seg[i], 1.0)) * (height - 20))
        img[y:height - 20, x] = 0
    for s in range(int(np.ceil(t0)), int(t1) + 1):
        x = int((s - t0) / (t1 - t0) * (width - 1))
        img[height - 20:, x] = 0
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(height))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    with open(path, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                 + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def validate(folder, count):
    errs = []
    for tsv in sorted(glob.glob(os.path.join(folder, "*.tsv")))[:count]:
        rows = [l.split() for l in open(tsv) if l.strip()]
        s1 = [float(r[0]) for r in rows if r[2] == "1"]
        if len(s1) < 5:
            continue
        t0, t1 = s1[0], s1[-1]
        ref = 60.0 / float(np.median(np.diff(s1)))
        x, rate = read_wav(tsv[:-4] + ".wav")
        got = oracle_rate(envelope(x, rate), t0, min(t1, t0 + 10.0))
        if got is None:
            continue
        errs.append((abs(got[0] - ref), ref))
    errs, refs = np.array([e for e, _ in errs]), np.array([r for _, r in errs])
    fast = refs >= 110
    print(f"recordings {len(errs)}  median |error| {np.median(errs):.1f} bpm  within 5 bpm {np.mean(errs <= 5):.3f}"
          f"  p90 {np.percentile(errs, 90):.1f} bpm; annotated >= 110 bpm: {fast.sum()} recordings, within 5 bpm"
          f" {np.mean(errs[fast] <= 5):.3f}")


def evidence(data, lines):
    wavs = {os.path.splitext(os.path.basename(p))[0]: p for p in glob.glob(os.path.join(data, "**", "*.wav"), recursive=True)}
    confirmed = total = 0
    for line in lines:
        if not line.startswith("EVIDENCE "):
            continue
        f = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        if f.get("type") not in ("tachycardia", "bradycardia") or f.get("hr", "-") == "-":
            continue
        total += 1
        hr, t0, t1 = float(f["hr"]), float(f["onset"]), float(f["raised"])
        x, rate = read_wav(wavs[f["rec"]])
        env = envelope(x, rate)
        got = oracle_rate(env, t0, min(t1, len(env) / FS_ENV))
        ok = got is not None and abs(got[0] - hr) <= max(5.0, 0.05 * hr)
        confirmed += ok
        print(f"{f['set']} {f['rec']} {f['type']} reported {hr:.0f} bpm, oracle "
              + ("none" if got is None else f"{got[0]:.0f} bpm") + f" over {t0:.1f}-{t1:.1f} s: "
              + ("confirmed" if ok else "NOT confirmed"))
    print(f"rate alerts confirmed by the oracle: {confirmed} of {total}")


def main(argv):
    if argv[:1] == ["--evidence"]:
        evidence(argv[1], sys.stdin)
        return
    if argv[:1] == ["--validate"]:
        count = int(argv[argv.index("--count") + 1]) if "--count" in argv else 10 ** 6
        validate(argv[1], count)
        return
    path, t0, t1 = argv[0], float(argv[1]), float(argv[2])
    x, rate = read_wav(path)
    env = envelope(x, rate)
    t1 = min(t1, len(env) / FS_ENV)
    got = oracle_rate(env, t0, t1)
    name = os.path.basename(path)
    print(f"{name} {t0:.1f}-{t1:.1f} s: " + ("no rate" if got is None else f"{got[0]:.0f} bpm (autocorrelation {got[1]:.2f})"))
    if "--png" in argv:
        write_png(argv[argv.index("--png") + 1], env, t0, t1)


if __name__ == "__main__":
    main(sys.argv[1:])
