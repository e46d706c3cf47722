#!/usr/bin/python3
"""Reference values for the HeartStream feature tests. Run with Debian's /usr/bin/python3 (numpy, scipy 1.10):

    cd tests/HeartStream.Pipeline.Tests/Fixtures/features && /usr/bin/python3 make_fixtures.py

All .bin files are little-endian float32. What is made and how it relates to the C# code:

signal.bin          4 s of synthetic "heart sounds" at 2 kHz: Gaussian-windowed 50 Hz and 150 Hz bursts at
                    1.2 beats/s, plus seeded white noise, 50 Hz hum and one 12x spike at 3.3 s.
bandpass.bin        scipy.signal.sosfilt(butter(4, [25, 400], 'band', fs=2000, output='sos'), signal) in float64:
                    the C# pre-processing band-pass must produce the same samples (sections may be ordered or paired
                    differently; the filter is the same, so outputs agree to float rounding).
responses.csv       filter,freq_hz,re,im: complex responses from scipy.signal.sosfreqz for each Butterworth design the
                    extractor uses.
wavelet_fir.csv     scipy.signal.firwin(241, [125, 250], pass_zero=False, fs=2000) (Hamming window, unit gain at the
                    band centre); the C# FirDesign.BandPass must give the same taps.
hilbert_scipy.bin   abs(scipy.signal.hilbert(bandpass)): ideal (FFT) envelope, used on the interior only, because the
                    FFT method assumes a periodic signal (wrong near the ends) and the C# FIR transformer has +-0.5 %
                    ripple and is delayed by 120 samples.
frames.csv          the whole causal feature pipeline re-done here with scipy, frame by frame (see reference_frames).
"""
import numpy as np
from scipy import signal

FS = 2000
N = 8000
TAPS = 241
D = (TAPS - 1) // 2
BLOCK = 1000
HISTORY = 15
FACTOR = 3.0
MAX_REMOVALS = 8


def make_signal():
    rng = np.random.default_rng(20160)
    t = np.arange(N) / FS
    x = np.zeros(N)
    for beat in np.arange(0.1, 4.0, 1 / 1.2):
        for offset, freq, amp in ((0.0, 50.0, 0.6), (0.3, 150.0, 0.35)):
            c = beat + offset
            x += amp * np.exp(-0.5 * ((t - c) / 0.02) ** 2) * np.sin(2 * np.pi * freq * (t - c))
    x += 0.02 * rng.standard_normal(N) + 0.05 * np.sin(2 * np.pi * 50 * t)
    spike = int(3.3 * FS)
    x[spike:spike + 6] += 12 * 0.6 * np.array([0.3, 1.0, -0.8, 0.5, -0.2, 0.1])
    return x.astype(np.float32)


def remove_spikes(y):
    """Same rule as StreamingSpikeRemover: each complete 1000-sample block is compared with the median of the last
    15 block maxima (itself included); while above 3x, the lobe around its peak (between sign changes, within the
    block) is zeroed, at most 8 times per block."""
    y = y.astype(np.float32).copy()
    maxima = []
    for start in range(0, len(y) - BLOCK + 1, BLOCK):
        blk = y[start:start + BLOCK]
        maxima.append(float(np.max(np.abs(blk))))
        maxima = maxima[-HISTORY:]
        for _ in range(MAX_REMOVALS):
            med = float(np.median(np.array(maxima, dtype=np.float32)))
            if med <= 1e-9 or not maxima[-1] > FACTOR * med:
                break
            p = int(np.argmax(np.abs(blk)))
            sign = blk[p]
            lo = p
            while lo > 0 and blk[lo - 1] * sign > 0:
                lo -= 1
            hi = p
            while hi < BLOCK - 1 and blk[hi + 1] * sign > 0:
                hi += 1
            blk[lo:hi + 1] = 0
            maxima[-1] = float(np.max(np.abs(blk)))
    return y


def hilbert_fir():
    k = np.arange(TAPS) - D
    h = np.zeros(TAPS)
    odd = k % 2 != 0
    h[odd] = 2.0 / (np.pi * k[odd])
    return (h * np.blackman(TAPS)).astype(np.float32)


def reference_frames(x):
    """The causal pipeline of StreamingFeatureExtractor followed by Flush:
    1. the input is followed by D + BLOCK zeros (what Flush feeds) and band-passed (causal sosfilt);
    2. spike removal on complete blocks; sample s of the cleaned stream is what the C# code releases;
    3. causal FIRs (np.convolve truncated = lfilter): Hilbert transformer and firwin band; at content time t the
       analytic signal is cleaned[t] + j*hilbert_out[t + D] (the FIR delay compensated);
    4. envelope e; homomorphic = exp(sosfilt(butter(2, 8), log(max(e, 1e-10)), zi=sosfilt_zi*first value));
       Hilbert / band power / wavelet = sosfilt(butter(4, 20), .) of e, (butter(2,[40,60],'band') of cleaned)^2, |band|;
    5. frame j = value at t = 40 j + 39."""
    n = len(x)
    xin = np.concatenate([x.astype(np.float64), np.zeros(D + BLOCK)])
    bp = signal.sosfilt(signal.butter(4, [25, 400], 'band', fs=FS, output='sos'), xin).astype(np.float32)
    y = remove_spikes(bp)[:n + D].astype(np.float64)
    hil = np.convolve(y, hilbert_fir().astype(np.float64))[:len(y)]
    wav = np.convolve(y, signal.firwin(TAPS, [125, 250], pass_zero=False, fs=FS))[:len(y)]
    real = y[:n]
    imag = hil[D:D + n]
    env = np.sqrt(real ** 2 + imag ** 2)
    lg = np.log(np.maximum(env, 1e-10))
    sos8 = signal.butter(2, 8, fs=FS, output='sos')
    hom = np.exp(signal.sosfilt(sos8, lg, zi=signal.sosfilt_zi(sos8) * lg[0])[0])
    lp20 = signal.butter(4, 20, fs=FS, output='sos')
    hilb = signal.sosfilt(lp20, env)
    band = signal.sosfilt(signal.butter(2, [40, 60], 'band', fs=FS, output='sos'), real)
    power = signal.sosfilt(lp20, band ** 2)
    wave = signal.sosfilt(lp20, np.abs(wav[D:D + n]))
    idx = np.arange(n // 40) * 40 + 39
    return np.stack([hom[idx], hilb[idx], power[idx], wave[idx]], axis=1)


def main():
    x = make_signal()
    x.tofile('signal.bin')
    bp = signal.sosfilt(signal.butter(4, [25, 400], 'band', fs=FS, output='sos'), x.astype(np.float64))
    bp.astype(np.float32).tofile('bandpass.bin')
    np.abs(signal.hilbert(bp)).astype(np.float32).tofile('hilbert_scipy.bin')

    designs = {
        'bandpass_4_25_400': signal.butter(4, [25, 400], 'band', fs=FS, output='sos'),
        'lowpass_2_8': signal.butter(2, 8, fs=FS, output='sos'),
        'lowpass_4_20': signal.butter(4, 20, fs=FS, output='sos'),
        'bandpass_2_40_60': signal.butter(2, [40, 60], 'band', fs=FS, output='sos'),
        'highpass_3_100': signal.butter(3, 100, 'high', fs=FS, output='sos'),
    }
    freqs = [1, 5, 8, 15, 20, 25, 40, 50, 60, 100, 250, 400, 600, 900]
    with open('responses.csv', 'w') as f:
        f.write('filter,freq_hz,re,im\n')
        for name, sos in designs.items():
            _, h = signal.sosfreqz(sos, worN=freqs, fs=FS)
            for fr, v in zip(freqs, h):
                f.write(f'{name},{fr},{v.real:.17g},{v.imag:.17g}\n')

    np.savetxt('wavelet_fir.csv', signal.firwin(TAPS, [125, 250], pass_zero=False, fs=FS), fmt='%.9g')
    np.savetxt('frames.csv', reference_frames(x), fmt='%.9g', delimiter=',')


if __name__ == '__main__':
    main()
