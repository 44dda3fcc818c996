#!/usr/bin/env python3
"""PyTorch peer figures for gpu/check.sh, at each precision delta4j's GpuCheck runs (--precisions fp32,tf32,bf16):

- fp32: TF32 off (torch.backends.cuda.matmul.allow_tf32 = False, float32 matmul precision "highest");
- tf32: TF32 matmul allowed (allow_tf32 = True, float32 matmul precision "high"), fp32 tensors, as people train;
- bf16: SGEMM on bfloat16 tensors (torch.mm in bf16, fp32 accumulation inside cuBLAS); training under
  torch.autocast("cuda", dtype=torch.bfloat16) with fp32 parameters and optimizer state.

Figures: SGEMM GFLOP/s (torch.mm) and the training throughput (samples/s) of the same MLP step delta4j's GpuCheck
times: nn.Linear + ReLU (or tanh), identity output, MSE (1/2 |y - t|^2 per sample, averaged), plain SGD (lr 1e-3) or
Adam (lr 1e-4, betas 0.9/0.999, eps 1e-8); the batch is copied from pinned host memory each step, as delta4j uploads
it; the mean loss of every step is recorded. Degrades to {"available": false} when torch or CUDA is missing."""
import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seconds", type=float, default=0.5)
    ap.add_argument("--precisions", default="fp32")
    ap.add_argument("--optimizers", default="sgd")
    ap.add_argument("--steps", type=int, default=0, help="MLP steps timed (default 20, 4 with --quick)")
    args = ap.parse_args()
    res = run(args)
    with open(args.json, "w") as f:
        json.dump(res, f, indent=2)
    if not res.get("available"):
        print("torch: not available (%s)" % res.get("reason"))


def set_matmul(torch, precision):
    """TF32 on for tf32 only; every other precision keeps fp32 matmuls fp32 (bf16 chooses its dtype explicitly)."""
    tf32 = precision == "tf32"
    for setting in (lambda: setattr(torch.backends.cuda.matmul, "allow_tf32", tf32),
                    lambda: setattr(torch.backends.cudnn, "allow_tf32", tf32),
                    lambda: torch.set_float32_matmul_precision("high" if tf32 else "highest")):
        try:
            setting()
        except Exception as e:
            print("note: %r" % (e,))
    try:
        return bool(torch.backends.cuda.matmul.allow_tf32)
    except Exception:
        return None


def run(args):
    try:
        import torch
        import torch.nn as nn
    except Exception as e:  # ImportError, or a broken install
        return {"available": False, "reason": "import torch failed: %r" % (e,)}
    if not torch.cuda.is_available():
        return {"available": False, "reason": "torch %s sees no CUDA device" % torch.__version__}
    dev = torch.device("cuda")
    precisions = [p.strip() for p in args.precisions.split(",") if p.strip()]
    optimizers = [o.strip() for o in args.optimizers.split(",") if o.strip()]
    res = {"available": True, "torch": torch.__version__, "cuda": torch.version.cuda,
           "device": torch.cuda.get_device_name(0), "precisions": precisions, "tf32": {}, "sgemm": [], "mlp": []}
    print("torch %s (CUDA %s) on %s" % (torch.__version__, torch.version.cuda, res["device"]))
    if args.quick:
        sizes, vsize, layers, batch, steps = [64, 128, 256], 128, [256, 256, 256, 256, 64], 128, 4
    else:
        sizes, vsize, layers, batch, steps = [1024, 2048, 4096, 8192], 4096, [4096, 4096, 4096, 4096, 1024], 2048, 20
    if args.steps > 0:
        steps = args.steps

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

    def gemm(precision, variant, n):
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        g = torch.Generator(device=dev).manual_seed(n)
        a = (torch.rand(n, n, device=dev, generator=g) * 2 - 1).to(dtype)
        b = (torch.rand(n, n, device=dev, generator=g) * 2 - 1).to(dtype)
        c = torch.empty(n, n, device=dev, dtype=dtype)
        ops = {"nn": lambda: torch.mm(a, b, out=c), "nt": lambda: torch.mm(a, b.t(), out=c),
               "tn": lambda: torch.mm(a.t(), b, out=c), "tt": lambda: torch.mm(a.t(), b.t(), out=c)}
        gflops, ms, reps = timed(ops[variant], 2.0 * n * n * n)
        print("  torch.mm %s %s %5d^3: %9.1f GFLOP/s  %8.3f ms (%d reps)" % (precision, variant, n, gflops, ms, reps))
        res["sgemm"].append({"precision": precision, "variant": variant, "m": n, "n": n, "k": n, "gflops": gflops,
                             "ms": ms, "reps": reps})
        del a, b, c

    for p in precisions:
        res["tf32"][p] = set_matmul(torch, p)
        try:
            for n in sizes:
                gemm(p, "nn", n)
            for v in ("nt", "tn", "tt"):
                gemm(p, v, vsize)
        except Exception as e:
            res["sgemm_error_" + p] = repr(e)
        torch.cuda.empty_cache()
        for o in optimizers:
            try:
                res["mlp"].append(mlp(torch, nn, dev, layers, batch, steps, "relu", p, o))
            except Exception as e:
                res["mlp_error_%s_%s" % (p, o)] = repr(e)
            torch.cuda.empty_cache()
    set_matmul(torch, "fp32")
    return res


def mlp(torch, nn, dev, layers, batch, steps, act, precision, optimizer):
    torch.manual_seed(42)
    mods = []
    for i in range(1, len(layers)):
        mods.append(nn.Linear(layers[i - 1], layers[i]))
        if i < len(layers) - 1:
            mods.append(nn.ReLU() if act == "relu" else nn.Tanh())
    model = nn.Sequential(*mods).to(dev)
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    xs = [(torch.rand(batch, layers[0]) * 2 - 1).pin_memory() for _ in range(2)]
    ts = [(torch.rand(batch, layers[-1]) - 0.5).pin_memory() for _ in range(2)]
    bf16 = precision == "bf16"
    warmup = 3
    losses = []
    t0 = 0.0
    for s in range(warmup + steps):
        if s == warmup:
            torch.cuda.synchronize()
            t0 = time.perf_counter()
        x = xs[s & 1].to(dev, non_blocking=True)
        t = ts[s & 1].to(dev, non_blocking=True)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
            y = model(x)
        loss = 0.5 * (y.float() - t).pow(2).sum() / batch
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    torch.cuda.synchronize()
    secs = time.perf_counter() - t0
    rate = batch * steps / secs
    curve = [float(v) for v in losses]
    print("  mlp %s %s %s batch %d %s: %.1f samples/s, %.2f ms/step, loss %.4f -> %.4f"
          % (precision, optimizer, layers, batch, act, rate, secs * 1e3 / steps, curve[0], curve[-1]))
    return {"precision": precision, "optimizer": optimizer, "layers": layers, "batch": batch, "activation": act,
            "steps": steps, "ms_per_step": secs * 1e3 / steps, "samples_per_s": rate, "loss_first": curve[0],
            "loss_last": curve[-1], "losses": curve}


if __name__ == "__main__":
    sys.exit(main())
