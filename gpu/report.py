#!/usr/bin/env python3
"""Merges the GPU check's pieces ($OUT/opencl.json, torch.json, conformance.txt; --steps FILE) into
results.json and results.md: delta4j OpenCL against PyTorch at each precision (fp32, tf32, bf16), with ratios and
the targets:

- sgemm NN 4096^3 and 8192^3: fp32 at least 0.6x PyTorch fp32 (cuBLAS); tf32 at least 0.5x PyTorch's TF32 matmul and
  at least 4x delta4j's own fp32; bf16 at least 0.5x PyTorch's bf16 matmul;
- MLP training (samples/s): fp32 SGD at least 0.5x PyTorch fp32; bf16 (SGD and Adam) at least 0.5x PyTorch autocast bf16;
- loss curves: at tf32 and bf16, every step's loss within CURVE_TOL (relative) of delta4j's own fp32 run of the same
  network, data, initial weights and optimizer; PyTorch's deviation of its own precisions from its fp32 run is shown
  beside it as a calibration.

Older opencl.json files (one "mlp" object, rows without "precision") read as fp32."""
import argparse
import json
import os
import re

SGEMM_TARGETS = {("fp32", 4096): 0.6, ("fp32", 8192): 0.6, ("tf32", 4096): 0.5, ("tf32", 8192): 0.5,
                 ("bf16", 4096): 0.5, ("bf16", 8192): 0.5}
MLP_TARGETS = {("fp32", "sgd"): 0.5, ("bf16", "sgd"): 0.5, ("bf16", "adam"): 0.5}
TF32_OVER_FP32 = 4.0
# Largest relative deviation of a precision's loss curve from the fp32 curve, over every recorded step.
CURVE_TOL = {"tf32": 0.01, "bf16": 0.03}


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def conformance(path):
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return None
    out = {}
    for key in ("tests found", "tests successful", "tests skipped", "tests aborted", "tests failed", "containers failed"):
        m = re.search(r"\[\s*(\d+) %s\s*\]" % key, text)
        if m:
            out[key.replace(" ", "_")] = int(m.group(1))
    return out or {"raw_tail": text[-2000:]}


def mlps(src):
    m = (src or {}).get("mlp")
    if isinstance(m, dict):
        m = [m]
    return [dict(r, precision=r.get("precision", "fp32"), optimizer=r.get("optimizer", "sgd")) for r in (m or [])]


def gemms(src):
    return [dict(g, precision=g.get("precision", "fp32")) for g in (src or {}).get("sgemm", [])]


def deviation(curve, base):
    """max |curve - base| / |base| over the steps both have; None without both."""
    if not curve or not base:
        return None
    n = min(len(curve), len(base))
    return max(abs(curve[i] - base[i]) / max(abs(base[i]), 1e-30) for i in range(n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--verdict", default="")
    ap.add_argument("--steps", default="")
    a = ap.parse_args()
    ocl = load(os.path.join(a.out, "opencl.json"))
    torch = load(os.path.join(a.out, "torch.json"))
    conf = conformance(os.path.join(a.out, "conformance.txt"))
    steps = []
    try:
        for line in open(a.steps or os.path.join(a.out, "steps.txt")):
            name, rc, secs = line.split()
            steps.append({"step": name, "exit": int(rc), "seconds": int(secs)})
    except (OSError, ValueError):
        pass

    torch_ok = bool(torch and torch.get("available"))
    tg = {(g["precision"], g["variant"], g["m"]): g for g in gemms(torch)} if torch_ok else {}
    og = {(g["precision"], g["variant"], g["m"]): g for g in gemms(ocl)}
    rows = []
    for g in gemms(ocl):
        p, v, n = g["precision"], g["variant"], g["m"]
        peer = tg.get((p, v, n))
        target = SGEMM_TARGETS.get((p, n)) if v == "nn" else None
        rows.append(row("sgemm %s %s %d³ (GFLOP/s, tiles %s)" % (p, v.upper(), n, g.get("tiles", "?")), g["gflops"],
                        peer["gflops"] if peer else None, target, g.get("correct", True), p))
        if p == "tf32" and v == "nn" and n in (4096, 8192) and ("fp32", "nn", n) in og:
            own = og[("fp32", "nn", n)]["gflops"]
            ratio = g["gflops"] / own if own else None
            rows.append({"measure": "sgemm tf32 NN %d³ over delta4j's own fp32" % n, "opencl": g["gflops"], "torch": None,
                         "peer_label": "own fp32 %s" % fmt(own), "ratio": ratio, "target": TF32_OVER_FP32,
                         "status": "≥ %.0f× %s" % (TF32_OVER_FP32, "met" if ratio and ratio >= TF32_OVER_FP32 else "MISSED")})
    tm = {(m["precision"], m["optimizer"]): m for m in mlps(torch)} if torch_ok else {}
    om = {(m["precision"], m["optimizer"]): m for m in mlps(ocl)}
    for m in mlps(ocl):
        p, o = m["precision"], m["optimizer"]
        peer = tm.get((p, o))
        label = "MLP %s batch %d %s, MSE+%s, %s (samples/s)" % ("-".join(map(str, m["layers"])), m["batch"], m["activation"],
                                                               o.upper() if o == "sgd" else o.capitalize(), p)
        rows.append(row(label, m["samples_per_s"], peer["samples_per_s"] if peer else None, MLP_TARGETS.get((p, o)), True, p))
    curves = []
    for (p, o), m in sorted(om.items()):
        if p == "fp32":
            continue
        mine = deviation(m.get("losses"), (om.get(("fp32", o)) or {}).get("losses"))
        peer = deviation((tm.get((p, o)) or {}).get("losses"), (tm.get(("fp32", o)) or {}).get("losses"))
        tol = CURVE_TOL.get(p)
        status = "" if mine is None or tol is None else "≤ %s %s" % (pct(tol), "met" if mine <= tol else "MISSED")
        curves.append({"precision": p, "optimizer": o, "steps": len(m.get("losses") or []), "delta4j": mine, "torch": peer,
                       "tolerance": tol, "status": status})

    result = {"verdict": a.verdict, "conformance": conf, "steps": steps, "opencl": ocl, "torch": torch, "rows": rows,
              "loss_curves": curves}
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(result, f, indent=2)

    md = ["# delta4j OpenCL engine: GPU check", "", "- " + (a.verdict or "no probe verdict")]
    if ocl:
        cc = ocl.get("compute_capability")
        md.append("- device: %s, driver %s%s; gemm tiles %s%s" % (ocl.get("device"), ocl.get("driver"),
                  ", compute capability %d.%d" % (cc // 10, cc % 10) if cc else "", ocl.get("gemm_config"),
                  " (tuned: %s)" % ocl["tuned"] if ocl.get("tuned") else ""))
        for p, path in (ocl.get("product_paths") or {}).items():
            md.append("- %s products: %s" % (p, path))
    if torch_ok:
        md.append("- peer: PyTorch %s (CUDA %s) on %s; fp32 with TF32 off, tf32 with TF32 matmul allowed, bf16 matmul on"
                  " bf16 tensors and training under autocast(bfloat16)" % (torch.get("torch"), torch.get("cuda"), torch.get("device")))
    else:
        md.append("- torch: not available (%s)" % ((torch or {}).get("reason") or "no torch.json"))
    counts = {k: v for k, v in (conf or {}).items() if k != "raw_tail"}
    if counts:
        md.append("- conformance kit (every precision) + gemm tile tests + tensor-core kernel tests on the device: "
                  + ", ".join("%s %s" % (v, k.replace("_", " ")) for k, v in counts.items()))
    elif conf:
        exits = [s["exit"] for s in steps if s["step"] == "conformance"]
        md.append("- conformance kit: no summary (exit %s%s); see conformance.txt"
                  % (exits[0] if exits else "?", ", timed out" if exits and exits[0] in (124, 137) else ""))
    else:
        md.append("- conformance kit: not run")
    for src, name in ((ocl, "opencl"), (torch, "torch")):
        for key, value in sorted((src or {}).items()):
            if "error" in key and value:
                md.append("- %s %s: %s" % (name, key.replace("_", " "), value))
    md += ["", "| measure | delta4j opencl | PyTorch (same precision) | ratio | target |", "|---|---:|---:|---:|---|"]
    for r in rows:
        md.append("| %s | %s | %s | %s | %s |" % (r["measure"], fmt(r["opencl"]), r.get("peer_label") or fmt(r["torch"]),
                                                  "%.2f×" % r["ratio"] if r["ratio"] is not None else "–", r["status"]))
    if curves:
        md += ["", "Loss curves: largest relative deviation of every step's loss from the fp32 run (same network, data,"
                   " initial weights, optimizer); PyTorch's own deviation for calibration:", "",
               "| precision | optimizer | steps | delta4j | PyTorch | target |", "|---|---|---:|---:|---:|---|"]
        for c in curves:
            md.append("| %s | %s | %d | %s | %s | %s |" % (c["precision"], c["optimizer"], c["steps"], pct(c["delta4j"]),
                                                          pct(c["torch"]), c["status"]))
    gathers = (ocl or {}).get("gather") or []
    if gathers:
        md += ["", "Mini-batch gather (`Engine.uploadRows`) of shuffled rows from a %d-feature training set of 60000 rows, kept as"
                   " floats or as bytes that the engine converts; each batch's arrival on the device (finish), the last one"
                   " checked bit for bit against the host's conversion:" % gathers[0].get("features", 784), "",
               "| rows | floats (µs a batch) | bytes (µs a batch) | bytes' speed-up | exact |", "|---:|---:|---:|---:|---|"]
        by = {(g["rows"], g["storage"]): g for g in gathers}
        for n in sorted({g["rows"] for g in gathers}):
            f, b = by.get((n, "floats")), by.get((n, "bytes"))
            speedup = f["us_per_batch"] / b["us_per_batch"] if f and b and b["us_per_batch"] else None
            exact = all(g.get("exact") for g in (f, b) if g)
            md.append("| %d | %s | %s | %s | %s |" % (n, fmt(f and f["us_per_batch"]), fmt(b and b["us_per_batch"]),
                                                      "%.2f×" % speedup if speedup else "–", "yes" if exact else "NO: WRONG VALUES"))
    for key, title in (("tuning", "fp32 tile configurations tried"), ("tuning_tf32", "tf32 tensor-core tiles tried"),
                       ("tuning_bf16", "bf16 tensor-core tiles tried")):
        if ocl and ocl.get(key):
            md += ["", "%s (NN, %d³):" % (title.capitalize(), ocl[key][0].get("m", 0)), "",
                   "| tiles | GFLOP/s | correct |", "|---|---:|---|"]
            for t in ocl[key]:
                md.append("| %s | %s | %s |" % (t.get("config"), fmt(t.get("gflops")), t.get("correct", t.get("error"))))
    if steps:
        md += ["", "Steps: " + ", ".join("%s %ss (exit %d)" % (s["step"], s["seconds"], s["exit"]) for s in steps)]
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


def row(measure, mine, peer, target, correct, precision):
    ratio = mine / peer if (mine is not None and peer) else None
    if not correct:
        status = "WRONG RESULTS"
    elif target is None:
        status = ""
    elif ratio is None:
        status = "≥ %.1f× (no peer)" % target
    else:
        status = "≥ %.1f× %s" % (target, "met" if ratio >= target else "MISSED")
    return {"measure": measure, "precision": precision, "opencl": mine, "torch": peer, "ratio": ratio, "target": target,
            "status": status}


def fmt(v):
    if v is None:
        return "–"
    return "%.1f" % v if v < 1e5 else "%.0f" % v


def pct(v):
    return "–" if v is None else "%.2f %%" % (100 * v)


if __name__ == "__main__":
    main()
