#!/usr/bin/env python3
"""NumPy reference for the bench's niqe-512 workload: NIQE written the way BasicSR's
`basicsr/metrics/niqe.py` computes it (the usual Python port of MATLAB's `niqe`): SciPy's
`convolve(mode='nearest')` for the local mean and deviation, `np.roll` for the pairwise products,
the gamma table rebuilt for every fit, MATLAB's bicubic imresize with antialiasing for the second
scale, nanmean / complete-row covariance / pinv; one difference, as in pcl-stream's mscn: MSCN
coefficients within 1e-8 of 0 are 0. It times the same synthetic 512x512 luminance
plane as the workload (bench/niqe.ts: integer arithmetic only, so both sides hold the same values)
and prints the NIQE it got, so the two can be compared as well as timed.

Needs numpy and scipy (not project dependencies); the model is read from the repository's
src/ops/niqe-pristine-model.ts, so the .npz is not needed.

Prints one JSON line: {"size","niqe","bestMs","medianMs","device"}.

Usage: python3 niqe_reference.py [--size 512] [--reps 5] [--warmup 2] [--threads N] [--device cpu]
       python3 niqe_reference.py --plane FILE --width W --height H   (float64 little-endian, row-major)
"""
import argparse, json, math, os, re, statistics, time

import numpy as np
from scipy.ndimage import convolve
from scipy.special import gamma

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_model():
    text = open(os.path.join(ROOT, "src/ops/niqe-pristine-model.ts")).read()
    arrays = {}
    for name in ("mu", "cov", "window"):
        body = re.search(r"\n  %s: \[(.*?)\]" % name, text, re.S).group(1)
        arrays[name] = np.array([float(v) for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", body)])
    return arrays["mu"], arrays["cov"].reshape(36, 36), arrays["window"].reshape(7, 7)


def synthetic_plane(size):
    """bench/niqe.ts's plane: a radial ramp, diagonal stripes and hashed noise, integers in [0, 222]."""
    y, x = np.mgrid[0:size, 0:size].astype(np.int64)
    n = (x * 7919 + y * 104729 + ((x * y) % 65537) * 31) % 1000003
    noise = ((n * 48271) % 2147483647) % 48
    return (((x - size // 2) ** 2 + (y - size // 2) ** 2) // 1024 + (3 * x + y) % 48 + noise).astype(np.float64)


def cubic(x):
    ax = np.abs(x)
    return np.where(ax <= 1, 1.5 * ax**3 - 2.5 * ax**2 + 1, np.where(ax <= 2, -0.5 * ax**3 + 2.5 * ax**2 - 4 * ax + 2, 0.0))


def resize_matrix(n_in, n_out, scale):
    """MATLAB imresize's bicubic weights along one axis (antialiased when shrinking) as a dense matrix."""
    width = 4 / scale if scale < 1 else 4
    kernel = (lambda d: scale * cubic(scale * d)) if scale < 1 else cubic
    u = np.arange(1, n_out + 1) / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    taps = int(math.ceil(width)) + 2
    idx = left[:, None] + np.arange(taps)[None, :]
    w = kernel(u[:, None] - idx)
    w /= w.sum(axis=1, keepdims=True)
    m = np.mod(idx - 1, 2 * n_in).astype(np.int64)
    m = np.where(m < n_in, m, 2 * n_in - 1 - m)
    out = np.zeros((n_out, n_in))
    np.add.at(out, (np.repeat(np.arange(n_out), taps), m.ravel()), w.ravel())
    return out


def aggd(v):
    v = v.ravel()
    shapes = np.arange(0.2, 10.001, 0.001)
    rho = gamma(2 / shapes) ** 2 / (gamma(1 / shapes) * gamma(3 / shapes))
    left = np.sqrt(np.mean(v[v < 0] ** 2))
    right = np.sqrt(np.mean(v[v > 0] ** 2))
    g = left / right
    r = np.mean(np.abs(v)) ** 2 / np.mean(v**2)
    target = r * (g**3 + 1) * (g + 1) / (g**2 + 1) ** 2
    alpha = shapes[np.argmin((rho - target) ** 2)]
    s = np.sqrt(gamma(1 / alpha) / gamma(3 / alpha))
    return alpha, left * s, right * s


def block_features(b):
    a, bl, br = aggd(b)
    f = [a, (bl + br) / 2]
    for shift in ((0, 1), (1, 0), (1, 1), (1, -1)):
        a, bl, br = aggd(b * np.roll(b, shift, axis=(0, 1)))
        f += [a, (br - bl) * gamma(2 / a) / gamma(1 / a), bl, br]
    return f


def niqe(img, mu_p, cov_p, window, block=96):
    h, w = img.shape
    rows, cols = h // block, w // block
    img = img[: rows * block, : cols * block]
    per_scale = []
    for scale in (1, 2):
        mu = convolve(img, window, mode="nearest")
        sigma = np.sqrt(np.abs(convolve(img * img, window, mode="nearest") - mu * mu))
        # As pcl-stream's mscn: differences from the local mean at rounding-noise level are 0 (exact
        # arithmetic gives 0 there; BasicSR keeps the noise, and then misses MATLAB's 5.72957 on baboon by 4e-4).
        m = np.where(np.abs(img - mu) <= 1e-8, 0.0, (img - mu) / (sigma + 1))
        s = block // scale
        per_scale.append(np.array([block_features(m[r * s:(r + 1) * s, c * s:(c + 1) * s]) for r in range(rows) for c in range(cols)]))
        if scale == 1:
            img = resize_matrix(img.shape[0], img.shape[0] // 2, 0.5) @ img @ resize_matrix(img.shape[1], img.shape[1] // 2, 0.5).T
    feats = np.concatenate(per_scale, axis=1)
    mean = np.nanmean(feats, axis=0)
    cov = np.cov(feats[~np.isnan(feats).any(axis=1)], rowvar=False)
    d = mu_p - mean
    return float(np.sqrt(d @ np.linalg.pinv((cov_p + cov) / 2) @ d))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--plane")
    p.add_argument("--width", type=int)
    p.add_argument("--height", type=int)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=1, help="accepted for the bench's interface; NumPy's elementwise work is single-threaded")
    p.add_argument("--device", default="cpu")
    a = p.parse_args()
    mu_p, cov_p, window = load_model()
    img = np.fromfile(a.plane, dtype="<f8").reshape(a.height, a.width) if a.plane else synthetic_plane(a.size)
    times = []
    for i in range(a.warmup + a.reps):
        t0 = time.perf_counter()
        q = niqe(img, mu_p, cov_p, window)
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(json.dumps({"size": a.size if not a.plane else [a.width, a.height], "niqe": q, "bestMs": round(times[0], 3),
                      "medianMs": round(statistics.median(times), 3), "device": "cpu"}))


if __name__ == "__main__":
    main()
