#!/usr/bin/env python3
"""Fits the polynomial R of the cpu engine's GELU (Elementwise.lowerTail, ERFC_C0..C10) and prints it as Java.

erfc(z) = t * R(t) * exp(-z^2) with t = 1 / (1 + z/2), z = |x|/sqrt(2) >= 0, so R(t) = erfcx(z) / t is smooth on
t in (0, 1]; the fit covers z up to 20/sqrt(2) (the engine clamps |x| to 20). Weighted least squares on
Chebyshev nodes, reweighted toward the largest relative errors (a minimax approximation in all but name).
Needs numpy and scipy (erfcx). Run: python3 engine-cpu/src/test/python/gelu_erfc_fit.py
"""
import numpy as np
from scipy.special import erfcx

DEGREE = 10
Z_MAX = 20 / np.sqrt(2)


def fit():
    t_min = 1 / (1 + Z_MAX / 2)
    n = 6000
    t = (t_min + 1) / 2 + (1 - t_min) / 2 * np.cos(np.pi * (np.arange(n) + 0.5) / n)
    z = 2 * (1 / t - 1)
    r = erfcx(z) / t
    w = np.ones_like(r)
    for _ in range(60):
        c = np.polynomial.polynomial.polyfit(t, r, DEGREE, w=w / r)
        err = (np.polynomial.polynomial.polyval(t, c) - r) / r
        w = w * (1 + np.abs(err) / np.abs(err).max())
    c32 = c.astype(np.float32)
    err32 = np.abs((np.polynomial.polynomial.polyval(t, c32.astype(np.float64)) - r) / r).max()
    return c32, err32


if __name__ == "__main__":
    c, err = fit()
    print(f"// R(t) = sum c_k t^k, k = 0..{DEGREE}; max relative error of the float coefficients {err:.2g}")
    for k, v in enumerate(c):
        print(f"private static final FloatVector ERFC_C{k} = FloatVector.broadcast(F, {np.format_float_positional(v, unique=True)}f);")
