#!/usr/bin/env python3
"""PyTorch fp32 peer figures for gpu/check.sh: SGEMM GFLOP/s (torch.mm, TF32 off) and the training
throughput (samples/s) of the same MLP step delta4j's GpuCheck times: nn.Linear + ReLU (or tanh), identity
output, MSE (½‖y − t‖² per sample, averaged), plain SGD; the batch is copied from pinned host memory each
step, as delta4j uploads it. Degrades to {"available": false} when torch or CUDA is missing."""
import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seconds", type=float, default=0.5)
    args = ap.parse_args()
    res = run(args)
    with open(args.json, "w") as f:
        json.dump(res, f, indent=2)
    if not res.get("available"):
        print("torch: not available (%s)" % res.get("reason"))


def run(args):
    try:
        import torch
        import torch.nn as nn
    except Exception as e:  # ImportError, or a broken install
        return {"available": False, "reason": "import torch failed: %r" % (e,)}
    if not torch.cuda.is_available():
        return {"available": False, "reason": "torch %s sees no CUDA device" % torch.__version__}
    # fp32 products must stay fp32: TF32 off through every API this torch version may have.
    for setting in (lambda: setattr(torch.backends.cuda.matmul, "allow_tf32", False),
                    lambda: setattr(torch.backends.cudnn, "allow_tf32", False),
                    lambda: torch.set_float32_matmul_precision("highest")):
        try:
            setting()
        except Exception as e:
            print("note: %r" % (e,))
    dev = torch.device("cuda")
    try:
        tf32 = bool(torch.backends.cuda.matmul.allow_tf32)
    except Exception:
        tf32 = None
    res = {"available": True, "torch": torch.__version__, "device": torch.cuda.get_device_name(0),
           "tf32": tf32, "sgemm": []}
    print("torch %s on %s, TF32 allowed: %s" % (torch.__version__, res["device"], tf32))
    if args.quick:
        sizes, vsize, layers, batch, steps = [64, 128, 256], 128, [256, 256, 256, 256, 64], 128, 4
    else:
        sizes, vsize, layers, batch, steps = [1024, 2048, 4096, 8192], 4096, [4096, 4096, 4096, 4096, 1024], 2048, 20

    def timed(fn, flops):
        fn(); fn(); torch.cuda.synchronize()
        t0 = time.perf_counter(); fn(); torch.cuda.synchronize()
        once = time.perf_counter() - t0
        reps = int(max(3, min(200, args.seconds / max(once, 1e-6))))
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        torch.cuda.synchronize()
        secs = time.perf_counter() - t0
        return flops * reps / secs / 1e9, secs * 1e3 / reps, reps

    def gemm(variant, n):
        g = torch.Generator(device=dev).manual_seed(n)
        a = torch.rand(n, n, device=dev, generator=g) * 2 - 1
        b = torch.rand(n, n, device=dev, generator=g) * 2 - 1
        c = torch.empty(n, n, device=dev)
        ops = {"nn": lambda: torch.mm(a, b, out=c), "nt": lambda: torch.mm(a, b.t(), out=c),
               "tn": lambda: torch.mm(a.t(), b, out=c), "tt": lambda: torch.mm(a.t(), b.t(), out=c)}
        gflops, ms, reps = timed(ops[variant], 2.0 * n * n * n)
        print("  torch.mm %s %5d^3: %9.1f GFLOP/s  %8.3f ms (%d reps)" % (variant, n, gflops, ms, reps))
        res["sgemm"].append({"variant": variant, "m": n, "n": n, "k": n, "gflops": gflops, "ms": ms, "reps": reps})
        del a, b, c

    try:
        for n in sizes:
            gemm("nn", n)
        for v in ("nt", "tn", "tt"):
            gemm(v, vsize)
    except Exception as e:
        res["sgemm_error"] = repr(e)
    torch.cuda.empty_cache()

    try:
        res["mlp"] = mlp(torch, nn, dev, layers, batch, steps, "relu")
    except Exception as e:
        res["mlp_error"] = repr(e)
    return res


def mlp(torch, nn, dev, layers, batch, steps, act):
    torch.manual_seed(42)
    mods = []
    for i in range(1, len(layers)):
        mods.append(nn.Linear(layers[i - 1], layers[i]))
        if i < len(layers) - 1:
            mods.append(nn.ReLU() if act == "relu" else nn.Tanh())
    model = nn.Sequential(*mods).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    xs = [(torch.rand(batch, layers[0]) * 2 - 1).pin_memory() for _ in range(2)]
    ts = [(torch.rand(batch, layers[-1]) - 0.5).pin_memory() for _ in range(2)]
    warmup = 3
    losses = []
    t0 = 0.0
    for s in range(warmup + steps):
        if s == warmup:
            torch.cuda.synchronize()
            t0 = time.perf_counter()
        x = xs[s & 1].to(dev, non_blocking=True)
        t = ts[s & 1].to(dev, non_blocking=True)
        y = model(x)
        loss = 0.5 * (y - t).pow(2).sum() / batch
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    torch.cuda.synchronize()
    secs = time.perf_counter() - t0
    rate = batch * steps / secs
    first, last = float(losses[0]), float(losses[-1])
    print("  mlp %s batch %d %s: %.1f samples/s, %.2f ms/step, loss %.4f -> %.4f"
          % (layers, batch, act, rate, secs * 1e3 / steps, first, last))
    return {"layers": layers, "batch": batch, "activation": act, "steps": steps,
            "ms_per_step": secs * 1e3 / steps, "samples_per_s": rate, "loss_first": first, "loss_last": last}


if __name__ == "__main__":
    sys.exit(main())
