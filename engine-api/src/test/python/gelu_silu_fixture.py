#!/usr/bin/env python3
"""Writes gelu-silu.csv: GELU and SiLU and their derivatives at float32 inputs, computed in double precision.

The definitions are PyTorch's: torch.nn.GELU() (approximate='none') is x * 0.5 * (1 + erf(x / sqrt(2))) and
torch.nn.SiLU() is x * sigmoid(x). They are evaluated here with Python's math module in double precision
(GELU through erfc, which keeps the lower tail's relative accuracy) and rounded once to float32, which is
what a float engine should return; PyTorch's own float32 kernels are not needed for that, and are not used.
Standard library only. Run: python3 engine-api/src/test/python/gelu_silu_fixture.py
"""
import math
import os
import random

from float32 import f32, text


def gelu(x):
    cdf = 0.5 * math.erfc(-x / math.sqrt(2))
    return x * cdf, cdf + x * math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def silu(x):
    sigma = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
    return x * sigma, sigma * (1 + x * (1 - sigma))


def inputs():
    xs = [i / 32 for i in range(-12 * 32, 8 * 32 + 1)]
    for m in [1e-40, 1e-20, 1e-3, 0.5, 0.7517916, 1.2784645, 15, 20, 30, 88, 89, 100, 200, 1e4, 1e30, 3.4028235e38]:
        xs += [m, -m]
    rnd = random.Random(18)
    xs += [rnd.uniform(-6, 6) for _ in range(200)]
    return sorted({f32(x) for x in xs})


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "resources", "delta4j", "engine", "reference", "gelu-silu.csv")
    with open(out, "w") as f:
        f.write("# x, gelu(x), gelu'(x), silu(x), silu'(x): float32, each the double-precision value rounded once\n")
        f.write("# written by engine-api/src/test/python/gelu_silu_fixture.py\n")
        for x in inputs():
            row = [x, *gelu(x), *silu(x)]
            f.write(",".join(text(f32(v)) for v in row) + "\n")


if __name__ == "__main__":
    main()
