#!/usr/bin/python3
"""Fits the constants of LaneMath.NormalCdf (GELU's Φ and φ) and prints them as float32 literals.

Needs mpmath (Debian: apt-get install -y python3-mpmath); takes about a minute:

    /usr/bin/python3 tools/fit_normal_cdf.py

C: Φ(−|x|) = φ(x)·t·C(t), t = 1/(1 + a/2), a = |x|/√2. The target is erfc(a)·e^(a²) = t·P(t) over a in [0, 10.25]
(x·Φ(x) rounds to 0 below x = −14.5); P minimises the relative error weighted by min(1, erfc(a)/1e-3), absolute where
Φ is large, relative in the tail, by Lawson's iteration on weighted least squares at Chebyshev points; C = P·√(2π)/2.
D: 2^(−f) on [−½, ½] by Chebyshev interpolation (the constant term set to 1), times 1/√(2π).
Each fit ends with its error measured with the printed float32 coefficients.
"""
import struct
import mpmath as mp

mp.mp.dps = 30


def f32(v):
    return struct.unpack('f', struct.pack('f', float(v)))[0]


def fit_c(degree=6, p=mp.mpf('0.5'), a_max=mp.mpf('10.25'), points=500, iterations=40, tail=mp.mpf('1e-3')):
    t0 = 1 / (1 + p * a_max)
    ts = [t0 + (1 - t0) * (1 - mp.cos(mp.pi * i / (points - 1))) / 2 for i in range(points)]
    target, weight = [], []
    for t in ts:
        a = (1 / t - 1) / p
        target.append(mp.erfc(a) * mp.exp(a * a) / t)
        weight.append(min(1, mp.erfc(a) / tail))
    lawson = [mp.mpf(1)] * points
    n = degree + 1
    for _ in range(iterations):
        m, b = mp.matrix(n, n), mp.matrix(n, 1)
        for t, g, w, l in zip(ts, target, weight, lawson):
            row = [w * t ** k / g for k in range(n)]
            for r in range(n):
                b[r] += l * row[r] * w
                for c in range(n):
                    m[r, c] += l * row[r] * row[c]
        coefficients = mp.lu_solve(m, b)
        errors = [w * abs(sum(coefficients[k] * t ** k for k in range(n)) / g - 1) for t, g, w in zip(ts, target, weight)]
        total = sum(l * e for l, e in zip(lawson, errors))
        lawson = [l * e / total for l, e in zip(lawson, errors)]
    c = [f32(coefficients[k] * mp.sqrt(2 * mp.pi) / 2) for k in range(n)]
    absolute = relative = 0
    for i in range(3001):
        a = a_max * i / 3000
        t = 1 / (1 + p * a)
        h = mp.exp(-a * a) / mp.sqrt(2 * mp.pi) * t * sum(mp.mpf(c[k]) * t ** k for k in range(n))
        exact = mp.erfc(a) / 2
        absolute, relative = max(absolute, abs(h - exact)), max(relative, abs(h / exact - 1))
    return c, absolute, relative


def fit_d(degree=6):
    half = mp.mpf('0.5') * mp.mpf('1.0002')
    polynomial = mp.chebyfit(lambda f: 2 ** (-f), [-half, half], degree + 1)
    coefficients = [f32(x) for x in polynomial]
    coefficients[-1] = 1.0
    worst = max(abs(mp.polyval([mp.mpf(x) for x in coefficients], f) / 2 ** (-f) - 1)
                for f in (-half + 2 * half * i / 4000 for i in range(4001)))
    return [f32(x / mp.sqrt(2 * mp.pi)) for x in reversed(coefficients)], worst


if __name__ == '__main__':
    c, absolute, relative = fit_c()
    print('C0..C6', ', '.join(repr(x) for x in c))
    print(f'  Φ(−|x|): absolute error {float(absolute):.2e}, relative {float(relative):.2e}')
    d, worst = fit_d()
    print('D0..D6', ', '.join(repr(x) for x in d))
    print(f'  2^(−f): relative error {float(worst):.2e} before the scaling by 1/√(2π)')
