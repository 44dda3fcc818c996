#!/usr/bin/env python3
"""Writes torch-layers.txt: PyTorch's values for delta4j's dropout, normalisation and loss kernels and one small model.

Every input is a float32 value (written exactly), so delta4j reads the very numbers torch saw; torch computes in float64
from them (torch.float64 throughout), and its outputs and gradients are written with 17 significant digits. The cases:
nn.LayerNorm (forward with its shift β, input and weight gradients for an upstream gradient dy), nn.BatchNorm1d in
training mode (3 calls: outputs, gradients, running_mean and running_var after each with momentum 0.1) and in eval mode,
dropout with delta4j's mask (DropoutMask ported below, so the file also pins the generator: a table of keys and bits),
nn.L1Loss, nn.HuberLoss(delta) and nn.BCEWithLogitsLoss with reduction="sum" and their gradients with respect to the
output (logits for BCE), and a network 4 -> 5 (Linear without bias, BatchNorm1d, ReLU, dropout 0.25) -> 3 (Linear,
identity) trained 3 plain SGD steps on 0.5·sum((y − t)²)/N.

Line format: "f name rows cols v..." (a row-major matrix), "k seed epoch step layer key" (a DropoutMask key, a signed
64-bit integer), "b key index bits" (DropoutMask.bits). Run with a Python that has torch (1.13 was used):
/usr/bin/python3 engine-api/src/test/python/layers_fixture.py
"""
import math
import os
import random

import torch

from float32 import f32, text

torch.set_default_dtype(torch.float64)
M64 = 0xFFFFFFFFFFFFFFFF
GOLDEN = 0x9E3779B97F4A7C15
EPS = 1e-5
MOMENTUM = 0.1


# ---------------------------------------------------------------- delta4j.engine.DropoutMask, ported

def mix(z):
    """SplitMix64's finaliser on unsigned 64-bit integers."""
    z &= M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def key(seed, epoch, step, layer):
    return mix(mix(mix(mix(seed) + epoch) + step) + layer)


def bits(k, index):
    return mix(k + ((index + 1) * GOLDEN & M64)) >> 40


def threshold(p):
    return int(math.floor(f32(p) * (1 << 24) + 0.5))  # Java's Math.round of a double


def scale(p):
    return f32(1.0 / (1.0 - f32(p)))


def mask(k, p, n):
    """1.0 where element e (flat, row-major) is kept, else 0.0."""
    t = threshold(p)
    return [1.0 if bits(k, e) >= t else 0.0 for e in range(n)]


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


# ---------------------------------------------------------------- output

class Out:
    def __init__(self):
        self.lines = []

    def inp(self, name, rows, cols, values):
        """An input: float32 values, returned as a float64 tensor of exactly those values."""
        vals = [f32(float(v)) for v in values]
        assert len(vals) == rows * cols, name
        self.lines.append(f"f {name} {rows} {cols} " + " ".join(text(v) for v in vals))
        return torch.tensor(vals).reshape(rows, cols)

    def exp(self, name, t):
        """An expected value: float64, 17 significant digits."""
        t = t.detach().reshape(t.shape[0] if t.dim() > 1 else 1, -1)
        vals = t.flatten().tolist()
        self.lines.append(f"f {name} {t.shape[0]} {t.shape[1]} " + " ".join(f"{v:.17g}" for v in vals))


def uniform(rnd, n, lo, hi):
    return [rnd.uniform(lo, hi) for _ in range(n)]


# ---------------------------------------------------------------- cases

def layer_norm(out, rnd):
    n_rows, n = 5, 7
    xs = uniform(rnd, n_rows * n, -2, 2)
    xs[0:n] = [1.5] * n                                     # a constant sample: x̂ = 0
    xs[2 * n:3 * n] = [1000 + v for v in uniform(rnd, n, -1, 1)]  # a large mean
    x = out.inp("ln.x", n_rows, n, xs).requires_grad_()
    gamma = out.inp("ln.gamma", 1, n, uniform(rnd, n, 0.5, 1.5))
    beta = out.inp("ln.beta", 1, n, uniform(rnd, n, -1, 1))
    dy = out.inp("ln.dy", n_rows, n, uniform(rnd, n_rows * n, -1, 1))
    ln = torch.nn.LayerNorm(n, eps=EPS)
    with torch.no_grad():
        ln.weight.copy_(gamma[0])
        ln.bias.copy_(beta[0])
    y = ln(x)
    (y * dy).sum().backward()
    out.exp("ln.y", y)
    out.exp("ln.dx", x.grad)
    out.exp("ln.dgamma", ln.weight.grad.reshape(1, -1))
    out.exp("ln.dbeta", ln.bias.grad.reshape(1, -1))


def batch_norm(out, rnd):
    n_rows, n = 6, 4
    bn = torch.nn.BatchNorm1d(n, eps=EPS, momentum=MOMENTUM)
    gamma = out.inp("bn.gamma", 1, n, uniform(rnd, n, 0.5, 1.5))
    beta = out.inp("bn.beta", 1, n, uniform(rnd, n, -1, 1))
    with torch.no_grad():
        bn.weight.copy_(gamma[0])
        bn.bias.copy_(beta[0])
    bn.train()
    for s in range(3):
        xs = [3 * s - 2 + v * (1 + s) for v in uniform(rnd, n_rows * n, -1, 1)]
        if s == 1:
            for i in range(n_rows):
                xs[i * n + 1] = -0.75                      # a constant unit: x̂ = 0
        x = out.inp(f"bn{s}.x", n_rows, n, xs).requires_grad_()
        dy = out.inp(f"bn{s}.dy", n_rows, n, uniform(rnd, n_rows * n, -1, 1))
        bn.zero_grad()
        y = bn(x)
        (y * dy).sum().backward()
        out.exp(f"bn{s}.y", y)
        out.exp(f"bn{s}.dx", x.grad)
        out.exp(f"bn{s}.dgamma", bn.weight.grad.reshape(1, -1))
        out.exp(f"bn{s}.dbeta", bn.bias.grad.reshape(1, -1))
        out.exp(f"bn{s}.running_mean", bn.running_mean.reshape(1, -1))
        out.exp(f"bn{s}.running_var", bn.running_var.reshape(1, -1))
    bn.eval()
    x = out.inp("bn.eval.x", 3, n, uniform(rnd, 3 * n, -3, 3))
    with torch.no_grad():
        out.exp("bn.eval.y", bn(x))


def dropout(out, rnd):
    for seed, epoch, step, layer in [(0, 0, 0, 0), (7, 0, 0, 0), (7, 0, 1, 0), (7, 0, 2, 0), (7, 3, 2, 1), (-5, 1, 100, 2),
                                     (123456789, 1000, 65535, 7)]:
        k = key(seed & M64, epoch, step, layer)
        out.lines.append(f"k {seed} {epoch} {step} {layer} {signed(k)}")
        for index in [0, 1, 2, 3, 29, 1000, (1 << 24) + 3, (1 << 31) + 5]:
            out.lines.append(f"b {signed(k)} {index} {bits(k, index)}")
    rows, cols = 6, 5
    for p in [0.25, 0.5]:
        k = key(7, 0, 2, 0)
        x = out.inp(f"dropout{p}.x", rows, cols, uniform(rnd, rows * cols, -2, 2)).requires_grad_()
        dy = out.inp(f"dropout{p}.dy", rows, cols, uniform(rnd, rows * cols, -1, 1))
        m = torch.tensor(mask(k, p, rows * cols)).reshape(rows, cols)
        y = x * m * scale(p)
        (y * dy).sum().backward()
        out.exp(f"dropout{p}.mask", m)
        out.exp(f"dropout{p}.y", y)
        out.exp(f"dropout{p}.dx", x.grad)


def losses(out, rnd):
    rows, cols = 4, 6
    y0 = uniform(rnd, rows * cols, -3, 3)
    t0 = uniform(rnd, rows * cols, -3, 3)
    t0[5] = y0[5]                                          # a residual of exactly 0: sign 0
    y_in = out.inp("loss.y", rows, cols, y0)
    t = out.inp("loss.t", rows, cols, t0)
    cases = [("l1", torch.nn.L1Loss(reduction="sum"))]
    for delta in [0.1, 1.0, 3.0]:
        cases.append((f"huber{delta:g}", torch.nn.HuberLoss(reduction="sum", delta=delta)))
    for name, fn in cases:
        y = y_in.clone().requires_grad_()
        loss = fn(y, t)
        loss.backward()
        out.exp(f"{name}.loss", loss.reshape(1, 1))
        out.exp(f"{name}.grad", y.grad)
    zs = uniform(rnd, rows * cols, -6, 6)
    zs[0], zs[1], zs[2], zs[3] = 1e4, -1e4, 1e4, -1e4
    ts = [rnd.random() for _ in range(rows * cols)]
    ts[0], ts[1], ts[2], ts[3], ts[4], ts[5] = 1.0, 0.0, 0.0, 1.0, 0.3, 0.0
    z = out.inp("bce.z", rows, cols, zs).requires_grad_()
    tt = out.inp("bce.t", rows, cols, ts)
    loss = torch.nn.BCEWithLogitsLoss(reduction="sum")(z, tt)
    loss.backward()
    out.exp("bce.loss", loss.reshape(1, 1))
    out.exp("bce.grad", z.grad)
    assert math.isfinite(loss.item())


def model(out, rnd):
    n_in, hidden, n_out, batch, p, lr = 4, 5, 3, 6, 0.25, 0.1
    x = out.inp("model.x", batch, n_in, uniform(rnd, batch * n_in, -1, 1))
    t = out.inp("model.t", batch, n_out, uniform(rnd, batch * n_out, -1, 1))
    w1 = out.inp("model.w1", n_in, hidden, uniform(rnd, n_in * hidden, -0.8, 0.8))    # delta4j's n_in × n_out
    gamma = out.inp("model.gamma", 1, hidden, uniform(rnd, hidden, 0.8, 1.2))
    b1 = out.inp("model.b1", 1, hidden, uniform(rnd, hidden, -0.2, 0.2))             # BatchNorm1d's β
    w2 = out.inp("model.w2", hidden, n_out, uniform(rnd, hidden * n_out, -0.8, 0.8))
    b2 = out.inp("model.b2", 1, n_out, uniform(rnd, n_out, -0.2, 0.2))
    lin1 = torch.nn.Linear(n_in, hidden, bias=False)
    bn = torch.nn.BatchNorm1d(hidden, eps=EPS, momentum=MOMENTUM)
    lin2 = torch.nn.Linear(hidden, n_out)
    with torch.no_grad():
        lin1.weight.copy_(w1.T)
        bn.weight.copy_(gamma[0])
        bn.bias.copy_(b1[0])
        lin2.weight.copy_(w2.T)
        lin2.bias.copy_(b2[0])
    params = [lin1.weight, bn.weight, bn.bias, lin2.weight, lin2.bias]
    opt = torch.optim.SGD(params, lr=lr)
    bn.train()
    for s in range(3):
        m = torch.tensor(mask(key(7, 0, s, 0), p, batch * hidden)).reshape(batch, hidden)
        opt.zero_grad()
        pre = bn(lin1(x))
        assert pre.abs().min().item() > 1e-3, "a ReLU input too close to 0 would make the case fragile"
        h = torch.relu(pre) * m * scale(p)
        y = lin2(h)
        loss = 0.5 * ((y - t) ** 2).sum() / batch
        loss.backward()
        opt.step()
        out.exp(f"model{s}.mask", m)
        out.exp(f"model{s}.loss", loss.reshape(1, 1))
        out.exp(f"model{s}.w1", lin1.weight.T)
        out.exp(f"model{s}.gamma", bn.weight.reshape(1, -1))
        out.exp(f"model{s}.b1", bn.bias.reshape(1, -1))
        out.exp(f"model{s}.w2", lin2.weight.T)
        out.exp(f"model{s}.b2", lin2.bias.reshape(1, -1))
        out.exp(f"model{s}.running_mean", bn.running_mean.reshape(1, -1))
        out.exp(f"model{s}.running_var", bn.running_var.reshape(1, -1))


def main():
    rnd = random.Random(21)
    out = Out()
    for case in [layer_norm, batch_norm, dropout, losses, model]:
        case(out, rnd)
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "resources", "delta4j", "conformance", "torch-layers.txt")
    with open(path, "w") as f:
        f.write(f"# PyTorch {torch.__version__.split('+')[0]} in float64 on float32 inputs; written by "
                "engine-api/src/test/python/layers_fixture.py\n")
        f.write("\n".join(out.lines) + "\n")


if __name__ == "__main__":
    main()
