#!/usr/bin/env python3
"""Merges the GPU check's pieces ($OUT/opencl.json, torch.json, conformance.txt; --steps FILE) into
results.json and results.md: delta4j OpenCL against PyTorch fp32, with ratios and the targets
(sgemm 4096 and 8192 at least 0.6x cuBLAS; MLP training at least 0.5x PyTorch)."""
import argparse
import json
import os
import re

TARGETS = {("sgemm", "nn", 4096): 0.6, ("sgemm", "nn", 8192): 0.6, ("mlp",): 0.5}


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

    rows = []
    torch_ok = bool(torch and torch.get("available"))
    tg = {(g["variant"], g["m"]): g for g in (torch or {}).get("sgemm", [])} if torch_ok else {}
    for g in (ocl or {}).get("sgemm", []):
        peer = tg.get((g["variant"], g["m"]))
        target = TARGETS.get(("sgemm", g["variant"], g["m"]))
        rows.append(row("sgemm %s %d³ (GFLOP/s)" % (g["variant"].upper(), g["m"]), g["gflops"],
                        peer["gflops"] if peer else None, target, g.get("correct", True)))
    if ocl and ocl.get("mlp"):
        m = ocl["mlp"]
        peer = (torch or {}).get("mlp") if torch_ok else None
        label = "MLP %s batch %d %s, MSE+SGD (samples/s)" % ("-".join(map(str, m["layers"])), m["batch"], m["activation"])
        rows.append(row(label, m["samples_per_s"], peer["samples_per_s"] if peer else None, TARGETS[("mlp",)], True))

    result = {"verdict": a.verdict, "conformance": conf, "steps": steps, "opencl": ocl, "torch": torch, "rows": rows}
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(result, f, indent=2)

    md = ["# delta4j OpenCL engine: GPU check", "", "- " + (a.verdict or "no probe verdict")]
    if ocl:
        md.append("- device: %s, driver %s; gemm tiles %s%s" % (ocl.get("device"), ocl.get("driver"), ocl.get("gemm_config"),
                  " (tuned: %s)" % ocl["tuned"] if ocl.get("tuned") else ""))
    if torch_ok:
        md.append("- peer: PyTorch %s on %s, fp32 (TF32 allowed: %s)" % (torch.get("torch"), torch.get("device"), torch.get("tf32")))
    else:
        md.append("- torch: not available (%s)" % ((torch or {}).get("reason") or "no torch.json"))
    counts = {k: v for k, v in (conf or {}).items() if k != "raw_tail"}
    if counts:
        md.append("- conformance kit + gemm tile tests on the device: " + ", ".join("%s %s" % (v, k.replace("_", " "))
                                                                            for k, v in counts.items()))
    elif conf:
        exits = [s["exit"] for s in steps if s["step"] == "conformance"]
        md.append("- conformance kit: no summary (exit %s%s); see conformance.txt"
                  % (exits[0] if exits else "?", ", timed out" if exits and exits[0] in (124, 137) else ""))
    else:
        md.append("- conformance kit: not run")
    for key in ("tuning_error", "sgemm_error", "mlp_error"):
        for src, name in ((ocl, "opencl"), (torch, "torch")):
            if src and src.get(key):
                md.append("- %s %s: %s" % (name, key.replace("_", " "), src[key]))
    md += ["", "| measure | delta4j opencl | PyTorch fp32 | ratio | target |", "|---|---:|---:|---:|---|"]
    for r in rows:
        md.append("| %s | %s | %s | %s | %s |" % (r["measure"], fmt(r["opencl"]), fmt(r["torch"]),
                                                  "%.2f×" % r["ratio"] if r["ratio"] is not None else "–", r["status"]))
    if ocl and ocl.get("tuning"):
        md += ["", "Tile configurations tried (NN, %d³):" % ocl["tuning"][0].get("m", 0), "",
               "| tiles | GFLOP/s | correct |", "|---|---:|---|"]
        for t in ocl["tuning"]:
            md.append("| %s | %s | %s |" % (t.get("config"), fmt(t.get("gflops")), t.get("correct", t.get("error"))))
    if steps:
        md += ["", "Steps: " + ", ".join("%s %ss (exit %d)" % (s["step"], s["seconds"], s["exit"]) for s in steps)]
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


def row(measure, mine, peer, target, correct):
    ratio = mine / peer if (mine is not None and peer) else None
    if not correct:
        status = "WRONG RESULTS"
    elif target is None:
        status = ""
    elif ratio is None:
        status = "≥ %.1f× (no peer)" % target
    else:
        status = "≥ %.1f× %s" % (target, "met" if ratio >= target else "MISSED")
    return {"measure": measure, "opencl": mine, "torch": peer, "ratio": ratio, "target": target, "status": status}


def fmt(v):
    if v is None:
        return "–"
    return "%.1f" % v if v < 1e5 else "%.0f" % v


if __name__ == "__main__":
    main()
