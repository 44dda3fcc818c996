package delta4j.benchmarks.report;

import delta4j.benchmarks.GemmShape;
import delta4j.benchmarks.NetShape;
import delta4j.benchmarks.Suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Turns one results directory (JMH JSON, peers' JSON, suite metadata) into docs/BENCHMARKS.md and PNG charts.
 *
 * <pre>
 * Report --results benchmarks/results/quick --out docs/BENCHMARKS.md --charts docs/charts
 * </pre>
 *
 * Every ratio is "times faster than the peer": the peer's time over ours (equal to our GFLOP/s over the
 * peer's), so above 1 means delta4j is faster. A row is compared with peers at the same shape and thread
 * count; an OpenCL row (its device's own parallelism) with each peer at its best thread count.
 */
public final class Report {

    /** Implementations in report order: delta4j's engines first, then the peers. */
    static final List<String> IMPL_ORDER = List.of("cpu", "opencl", "reference", "openblas", "pytorch", "vectorblas", "dl4j");

    private final Results results;
    private final List<Row> rows;

    public Report(Results results) {
        this.results = results;
        List<Row> all = new ArrayList<>(results.rows().stream().filter(Row::valid).toList());
        all.addAll(acrossRounds(results.rounds(), all));
        this.rows = List.copyOf(all);
    }

    // ---------------------------------------------------------------- lookups and ratios

    /** The row of {@code impl} for a benchmark, key and thread count; for threads 0 (device) any thread count. */
    Optional<Row> find(String bench, String impl, String key, int threads) {
        return rows.stream().filter(r -> r.benchmark().equals(bench) && r.impl().equals(impl) && r.key().equals(key)
                && (threads < 0 || r.threads() == threads)).min(Comparator.comparingDouble(Row::seconds));
    }

    /** The fastest row of {@code impl} for a benchmark and key over all thread counts. */
    Optional<Row> best(String bench, String impl, String key) {
        return find(bench, impl, key, -1);
    }

    /** The fastest peer at the same key and thread count (any thread count for a device row). */
    Optional<Row> bestPeer(Row row) {
        return rows.stream().filter(r -> !r.isEngine() && r.benchmark().equals(row.benchmark()) && r.key().equals(row.key())
                && (row.threads() == 0 || r.threads() == row.threads())).min(Comparator.comparingDouble(Row::seconds));
    }

    /** How many times faster {@code row} is than {@code peer} at the same key and threads (best threads for a device row). */
    Optional<Double> ratio(Row row, String peer) {
        Optional<Row> p = row.threads() == 0 ? best(row.benchmark(), peer, row.key()) : find(row.benchmark(), peer, row.key(), row.threads());
        return p.map(x -> x.seconds() / row.seconds());
    }

    // ---------------------------------------------------------------- paired rounds

    /**
     * One row per measurement the rounds made and the main run did not: its median time over the rounds, with half
     * the interquartile range of the rounds' times as the error. The tables show these; the headline uses the
     * per-round ratios.
     */
    static List<Row> acrossRounds(List<List<Row>> rounds, List<Row> main) {
        Map<String, List<Row>> byId = new LinkedHashMap<>();
        for (List<Row> round : rounds) {
            for (Row r : round) {
                if (r.valid()) {
                    byId.computeIfAbsent(id(r), x -> new ArrayList<>()).add(r);
                }
            }
        }
        List<Row> out = new ArrayList<>();
        byId.forEach((id, rs) -> {
            if (main.stream().noneMatch(m -> id(m).equals(id))) {
                double[] ms = Stats.medianAndSpread(rs.stream().mapToDouble(Row::seconds).toArray());
                Row r = rs.getFirst();
                out.add(new Row(r.benchmark(), r.impl(), r.key(), r.threads(), ms[0], ms[1], r.flops()));
            }
        });
        return out;
    }

    private static String id(Row r) {
        return r.benchmark() + "|" + r.impl() + "|" + r.key() + "|" + r.threads();
    }

    private static Optional<Row> find(List<Row> rows, String bench, String impl, String key, int threads) {
        return rows.stream().filter(r -> r.valid() && r.benchmark().equals(bench) && r.impl().equals(impl) && r.key().equals(key)
                && (threads < 0 || r.threads() == threads)).min(Comparator.comparingDouble(Row::seconds));
    }

    /**
     * A ratio measured in every round that has both sides: {@code x} over {@code y} of each round's values, where
     * {@code value} maps a round's rows to one side's figure (empty when the round lacks it).
     */
    List<Double> perRound(java.util.function.Function<List<Row>, Optional<Double>> x, java.util.function.Function<List<Row>, Optional<Double>> y) {
        List<Double> out = new ArrayList<>();
        for (List<Row> round : results.rounds()) {
            Optional<Double> a = x.apply(round), b = y.apply(round);
            if (a.isPresent() && b.isPresent()) {
                out.add(a.get() / b.get());
            }
        }
        return out;
    }

    /** "0.95× (rounds 0.93, 0.97, 0.95)": the median of the per-round ratios, and each of them. */
    static String roundsLabel(List<Double> ratios) {
        double median = Stats.medianAndSpread(ratios.stream().mapToDouble(Double::doubleValue).toArray())[0];
        return "**" + num(median) + "×**" + (ratios.size() < 2 ? "" : " (rounds " + String.join(", ", ratios.stream().map(Report::num).toList()) + ")");
    }

    static String implLabel(String impl, int threads) {
        String name = switch (impl) {
            case "cpu" -> "delta4j cpu";
            case "opencl" -> "delta4j opencl";
            case "reference" -> "delta4j reference";
            case "openblas" -> "OpenBLAS (numpy)";
            case "pytorch" -> "PyTorch CPU";
            case "vectorblas" -> "netlib VectorBLAS";
            case "dl4j" -> "Deeplearning4j";
            default -> impl;
        };
        return threads > 0 ? name + ", " + threadsLabel(threads) : name;
    }

    static String threadsLabel(int threads) {
        return threads == 0 ? "device" : threads == 1 ? "1 thread" : threads + " threads";
    }

    // ---------------------------------------------------------------- formatting

    static String num(double x) {
        if (!Double.isFinite(x)) {
            return "—";
        }
        double a = Math.abs(x);
        String f = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 0.1 ? "%.2f" : a >= 0.01 ? "%.3f" : "%.2g";
        return String.format(Locale.ROOT, f, x);
    }

    static String ratio(Optional<Double> r) {
        return r.map(x -> num(x) + "×").orElse("—");
    }

    private String env(String key) {
        Object e = results.suite().get("environment");
        return e == null ? "unknown" : Json.string(Json.object(e, "environment").get(key), "unknown");
    }

    private String peerMeta(String key) {
        Object m = results.peers().get("meta");
        return m == null ? null : Json.string(Json.object(m, "peers meta").get(key), null);
    }

    private List<Integer> threadCounts(String bench) {
        return rows.stream().filter(r -> r.benchmark().equals(bench) && r.threads() > 0).map(Row::threads).distinct().sorted().toList();
    }

    private List<String> keys(String bench) {
        Stream<String> k = rows.stream().filter(r -> r.benchmark().equals(bench)).map(Row::key).distinct();
        if (bench.equals("sgemm")) {
            List<String> layers = List.of("nn:256x784x512", "nn:256x512x512", "nn:256x512x10", "nt:256x512x512",
                    "nt:256x10x512", "tn:784x256x512", "tn:512x256x512", "tn:512x256x10");
            return k.sorted(Comparator.comparingInt((String s) -> GemmShape.parse(s).isSquare() ? 0 : 1)
                    .thenComparingInt(s -> GemmShape.parse(s).isSquare() ? GemmShape.parse(s).m() : layers.indexOf(s) < 0 ? 99 : layers.indexOf(s))
                    .thenComparing(s -> s)).toList();
        }
        return k.sorted().toList();
    }

    private List<Row> ordered(String bench, String key) {
        return rows.stream().filter(r -> r.benchmark().equals(bench) && r.key().equals(key))
                .sorted(Comparator.comparingInt((Row r) -> IMPL_ORDER.indexOf(r.impl()) < 0 ? 99 : IMPL_ORDER.indexOf(r.impl()))
                        .thenComparingInt(Row::threads)).toList();
    }

    // ---------------------------------------------------------------- the report

    /** The principal result, in a few lines: the report's opening. */
    List<String> headline() {
        List<String> out = new ArrayList<>();
        String core = peerMeta("openblas_coretype");
        String openblas = "OpenBLAS" + (core == null ? "" : " (" + core + " kernels)");
        StringBuilder gemm = new StringBuilder("- **cpu engine vs " + openblas + ", sgemm:** ");
        boolean any = false;
        for (int n : new int[]{1024, 2048}) {
            String key = GemmShape.square(n).id();
            List<String> parts = new ArrayList<>();
            for (int t : threadCounts("sgemm")) {
                Optional<Row> cpu = find("sgemm", "cpu", key, t);
                Optional<Row> ob = find("sgemm", "openblas", key, t);
                List<Double> paired = perRound(r -> find(r, "sgemm", "openblas", key, t).map(Row::seconds),
                        r -> find(r, "sgemm", "cpu", key, t).map(Row::seconds));
                if (!paired.isEmpty() && cpu.isPresent() && ob.isPresent()) {
                    parts.add(roundsLabel(paired) + " at " + threadsLabel(t)
                            + " (" + num(cpu.get().gflops()) + " vs " + num(ob.get().gflops()) + " GFLOP/s)");
                } else if (cpu.isPresent() && ob.isPresent()) {
                    parts.add("**" + num(ob.get().seconds() / cpu.get().seconds()) + "×** at " + threadsLabel(t)
                            + " (" + num(cpu.get().gflops()) + " vs " + num(ob.get().gflops()) + " GFLOP/s)");
                }
            }
            if (!parts.isEmpty()) {
                gemm.append(any ? "; " : "").append(n).append("²: ").append(String.join(", ", parts));
                any = true;
            }
        }
        out.add(any ? gemm.append(" — target ≥ 0.9×").toString() : "- **cpu engine vs OpenBLAS, sgemm:** not measured — " + missing("cpu", "openblas"));

        Optional<Row> peak = find("peak", "fma-loop", "fma", 1);
        if (peak.isPresent()) {
            List<String> parts = new ArrayList<>();
            for (int n : new int[]{1024, 2048}) {
                String key = GemmShape.square(n).id();
                List<Double> paired = perRound(r -> find(r, "sgemm", "cpu", key, 1).map(Row::gflops),
                        r -> find(r, "peak", "fma-loop", "fma", 1).map(Row::gflops));
                find("sgemm", "cpu", key, 1).ifPresent(r -> parts.add(n + "²: **"
                        + (paired.isEmpty() ? Math.round(100 * r.gflops() / peak.get().gflops()) + "%**"
                        : Math.round(100 * Stats.medianAndSpread(paired.stream().mapToDouble(Double::doubleValue).toArray())[0]) + "%**"
                        + (paired.size() < 2 ? "" : " (rounds " + String.join(", ", paired.stream().map(x -> Math.round(100 * x) + "%").toList()) + ")"))
                        + " (" + num(r.gflops()) + " GFLOP/s)"));
            }
            if (!parts.isEmpty()) {
                out.add("- **cpu engine sgemm at one thread vs the single-core FMA peak measured in this run** (" + (results.rounds().isEmpty() ? "" : "median ")
                        + num(peak.get().gflops()) + " GFLOP/s, FmaPeakBenchmark): " + String.join(", ", parts) + " — target ≥ 80%.");
            }
        }

        String epochKey = Results.epochKey(NetShape.FASHION, 60000);
        Optional<Row> cpuEpoch = best("epoch", "cpu", epochKey);
        Optional<Row> torchEpoch = best("epoch", "pytorch", epochKey);
        if (cpuEpoch.isPresent() && torchEpoch.isPresent()) {
            Row c = cpuEpoch.get(), p = torchEpoch.get();
            List<Double> paired = perRound(r -> find(r, "epoch", "pytorch", epochKey, -1).map(Row::seconds),
                    r -> find(r, "epoch", "cpu", epochKey, -1).map(Row::seconds));
            out.add("- **cpu engine vs PyTorch CPU, Fashion-MNIST epoch** (784-256-128-10, batch 128, Adam): "
                    + (paired.isEmpty() ? "**" + num(p.seconds() / c.seconds()) + "×**" : roundsLabel(paired)) + " as fast — " + num(c.seconds()) + " s at " + threadsLabel(c.threads())
                    + " against PyTorch's best, " + num(p.seconds()) + " s at " + threadsLabel(p.threads()) + " — target ≥ 2×.");
        } else {
            out.add("- **cpu engine vs PyTorch CPU, Fashion-MNIST epoch:** not measured — " + missing("cpu", "pytorch"));
        }

        Map<String, Object> engines = engineDevices();
        String oclDevice = Json.string(engines.get("opencl"), "not available");
        Optional<Row> oclGemm = find("sgemm", "opencl", GemmShape.square(1024).id(), 0);
        Optional<Row> oclEpoch = best("epoch", "opencl", epochKey);
        if (oclGemm.isPresent() || oclEpoch.isPresent()) {
            List<String> parts = new ArrayList<>();
            oclGemm.ifPresent(r -> parts.add("sgemm 1024² " + num(r.gflops()) + " GFLOP/s (" + ratio(ratio(r, "openblas"))
                    + " OpenBLAS at its best thread count)"));
            oclEpoch.ifPresent(r -> parts.add("epoch " + num(r.seconds()) + " s (" + ratio(ratio(r, "pytorch")) + " PyTorch at its best)"));
            boolean gpu = oclDevice.toLowerCase(Locale.ROOT).matches(".*(nvidia|geforce|radeon|amd|intel\\(r\\) (uhd|iris|arc)|gpu).*")
                    && !oclDevice.toLowerCase(Locale.ROOT).contains("pthread");
            out.add("- **opencl engine** on " + oclDevice + ": " + String.join("; ", parts) + "."
                    + (gpu ? "" : " These are CPU figures through PoCL; GPU figures are in the last line when a GPU run exists."));
        } else {
            out.add("- **opencl engine:** not measured — " + oclDevice);
        }
        Optional<Row> cpu1 = find("sgemm", "cpu", GemmShape.square(1024).id(), 1);
        if (cpu1.isPresent()) {
            String key = GemmShape.square(1024).id();
            List<Double> paired = perRound(r -> find(r, "sgemm", "vectorblas", key, 1).map(Row::seconds),
                    r -> find(r, "sgemm", "cpu", key, 1).map(Row::seconds));
            Optional<Double> vb = ratio(cpu1.get(), "vectorblas");
            vb.ifPresent(x -> out.add("- cpu engine vs netlib VectorBLAS at 1024², one thread: "
                    + (paired.isEmpty() ? "**" + num(x) + "×**" : roundsLabel(paired)) + " — target ≥ 4×."));
        }
        double load = Json.number(env("load").split(" ")[0]);
        double cores = Json.number(env("cores"));
        if (load > cores) {
            out.add("");
            out.add("*This run shared the machine with other work (load average " + env("load").split(" ")[0] + " on " + env("cores")
                    + " cores when it started): absolute timings are pessimistic and noisy; ratios measured in the same run are the figures to read.*");
        }
        return out;
    }

    private Map<String, Object> engineDevices() {
        Object e = results.suite().get("environment");
        if (e == null) {
            return Map.of();
        }
        Object engines = Json.object(e, "environment").get("engines");
        return engines == null ? Map.of() : Json.object(engines, "engines");
    }

    /** Why a comparison is missing: an engine's or a peer's reason, as recorded. */
    private String missing(String engine, String peer) {
        List<String> why = new ArrayList<>();
        Object dev = engineDevices().get(engine);
        if (dev == null) {
            why.add("the " + engine + " engine is not on the class path");
        } else if (Json.string(dev, "").startsWith("not available")) {
            why.add("the " + engine + " engine is " + Json.string(dev, ""));
        }
        String peerWhy = peerReasons().get(peer);
        if (peerWhy != null) {
            why.add(peer + " could not run: " + peerWhy);
        } else if (rows.stream().noneMatch(r -> r.impl().equals(peer))) {
            why.add("no " + peer + " results (peers.json missing or empty)");
        }
        return why.isEmpty() ? "no matching results" : String.join("; ", why);
    }

    private Map<String, String> peerReasons() {
        Map<String, String> out = new LinkedHashMap<>();
        Object u = results.peers().get("unavailable");
        if (u != null) {
            for (Object o : Json.array(u, "peers unavailable")) {
                Map<String, Object> m = Json.object(o, "unavailable peer");
                out.put(Json.string(m.get("impl"), "?"), Json.string(m.get("reason"), "?"));
            }
        }
        return out;
    }

    /** The JMH iteration settings of the run, e.g. "; warm-up 2 × 1 s, measured 3 × 0.5 s (epochs: single shots)". */
    private String iterations() {
        Object jobs = results.suite().get("jobs");
        if (jobs == null) {
            return "";
        }
        Map<String, String> byBench = new LinkedHashMap<>();
        for (Object o : Json.array(jobs, "jobs")) {
            Map<String, Object> j = Json.object(o, "job");
            if ("cpu".equals(j.get("engine"))) {
                String b = Json.string(j.get("benchmark"), "?").replace("Benchmark", "");
                byBench.put(b, b + ": " + (b.equals("Epoch")
                        ? Json.string(j.get("warmups"), "?") + " warm-up and " + Json.string(j.get("iterations"), "?") + " measured epochs"
                        : "warm-up " + Json.string(j.get("warmups"), "?") + " × " + Json.string(j.get("warmup_seconds"), "?")
                        + " s, measured " + Json.string(j.get("iterations"), "?") + " × " + Json.string(j.get("seconds"), "?") + " s"));
            }
        }
        return byBench.isEmpty() ? "" : "; per parameter combination, " + String.join("; ", byBench.values())
                + "; each time is the median of the measured iterations (the peers': of their timed batches), ± half their interquartile range";
    }

    /** The labels of a round's steps, in order. */
    private String roundSteps() {
        Object steps = results.suite().get("round_steps");
        if (steps == null) {
            return "(steps not recorded)";
        }
        List<String> labels = new ArrayList<>();
        for (Object o : Json.array(steps, "round_steps")) {
            labels.add(Json.string(Json.object(o, "round step").get("label"), "?"));
        }
        return String.join("; ", labels);
    }

    /** The engineers' texts printed as they are ({@link Prose}); absent for none. */
    private final Map<Prose, String> prose = new EnumMap<>(Prose.class);

    /** Sets one of the engineers' texts; null for none. */
    public Report with(Prose which, String markdown) {
        prose.put(which, markdown);
        return this;
    }

    /** The cold-start rows (the whole command against PyTorch's whole script), or null when not measured. */
    private ColdStart coldStart;

    /** Sets the cold-start rows, printed after the epoch; null for none. */
    public Report withColdStart(ColdStart c) {
        this.coldStart = c;
        return this;
    }

    /** The whole Markdown report; charts are linked under {@code chartDir} (relative to the report). */
    public String markdown(String chartDir, List<String> charts, String dl4jStatus) {
        return markdown(chartDir, charts, dl4jStatus, null);
    }

    /** The report, with the figures of a separate GPU run of the opencl engine when {@code gpu} is not null. */
    public String markdown(String chartDir, List<String> charts, String dl4jStatus, Report gpu) {
        StringBuilder md = new StringBuilder();
        md.append("# delta4j benchmarks\n\n");
        md.append("Principal result (").append(env("profile")).append(" profile, ").append(env("date"), 0, Math.min(10, env("date").length()))
                .append(", ").append(env("cpu")).append(", ").append(env("cores")).append(" cores); ratios are *times as fast as the peer*, above 1 means delta4j is faster:\n\n");
        headline().forEach(l -> md.append(l).append('\n'));
        if (gpu != null) {
            md.append(gpu.gpuHeadline()).append('\n');
        }
        if (!results.rounds().isEmpty()) {
            md.append("\nThe targets' ratios are medians over ").append(results.rounds().size())
                    .append(" paired rounds (each round's ratio in brackets), comparing each side's fastest iteration in a round; see *How this was run*.\n");
        }
        md.append('\n');
        md.append(Prose.ANALYSIS.section(prose.get(Prose.ANALYSIS)));

        md.append("## How this was run\n\n| | |\n|---|---|\n");
        md.append("| command | `").append(env("command")).append("` |\n");
        md.append("| date | ").append(env("date")).append(" |\n");
        md.append("| CPU | ").append(env("cpu")).append(", ").append(env("cores")).append(" cores |\n");
        md.append("| load average (1, 5, 15 min) | ").append(env("load")).append(" at the start of the JMH runs, ").append(env("load_after"))
                .append(" at the end: the machine's other work shares its cores and skews timings")
                .append("0".equals(env("nice")) || "unknown".equals(env("nice")) ? "" : "; the peers and JMH ran at nice " + env("nice"))
                .append(" |\n");
        md.append("| JDK | ").append(env("jdk")).append(" |\n");
        md.append("| OS | ").append(env("os")).append(" |\n");
        md.append("| JMH | ").append(env("jmh")).append(iterations()).append(" |\n");
        if (!results.rounds().isEmpty()) {
            md.append("| paired rounds | ").append(results.rounds().size()).append(" rounds after the main run; in each, every target's peer ran")
                    .append(" right before the delta4j measurement it is compared with: ").append(roundSteps())
                    .append(". A headline ratio is the median of the per-round ratios, each between the two sides' fastest iterations in that round")
                    .append(" (another tenant's work only ever slows an iteration, and it hits the two sides at different moments);")
                    .append(" for these measurements the tables show the median over the rounds of the fastest iteration |\n");
        }
        engineDevices().forEach((k, v) -> md.append("| engine ").append(k).append(" | ").append(Json.string(v, "")).append(" |\n"));
        md.append("| VectorBLAS | ").append(env("vectorblas")).append(" (in JMH, single-threaded) |\n");
        Object pm = results.peers().get("meta");
        if (pm != null) {
            Json.object(pm, "peers meta").entrySet().stream().filter(e -> !e.getKey().equals("openblas_coretype"))
                    .forEach(e -> md.append("| peers: ").append(e.getKey()).append(" | ").append(Json.string(e.getValue(), "").replace("|", "\\|")
                            .replace("\n", " ")).append(" |\n"));
        }
        if (rows.stream().anyMatch(r -> r.impl().equals("dl4j"))) {
            md.append("| peer Deeplearning4j | 1.0.0-M2.1 (ND4J native with its own OpenBLAS, linux-x86_64), inside JMH (Maven profile dl4j) |\n");
        }
        md.append("| data | ").append(env("dataset")).append(" |\n\n");

        sgemm(md, chartDir, charts);
        for (String[] b : new String[][]{{"forward", "Forward pass"}, {"backward", "Backward pass"}, {"step", "Training step (forward, backward, Adam)"}}) {
            network(md, b[0], b[1]);
        }
        epoch(md, chartDir, charts);
        if (coldStart != null) {
            md.append(coldStart.markdown());
        }
        if (gpu != null) {
            gpu.gpuSection(md);
        }
        md.append(Prose.PREDICTION.section(prose.get(Prose.PREDICTION)));
        md.append(Prose.NOTES.section(prose.get(Prose.NOTES)));
        notRun(md, dl4jStatus);
        md.append("\n## Reproduce\n\n```\nbenchmarks/run.sh quick   # about 15 minutes on an idle 2-core machine; or: full, smoke, report\n```\n\n")
                .append("JMH's raw JSON and the peers' JSON land in `benchmarks/results/<profile>/` (not committed); ")
                .append("the data behind this page is kept in `benchmarks/reported/`, and `benchmarks/run.sh report` redraws the page from it ")
                .append("(and from `benchmarks/gpu-results/`, written by `benchmarks/run.sh gpu` on a GPU machine). ")
                .append("`benchmarks/peers/peers.py` is the peer script (Debian's `/usr/bin/python3`); see `benchmarks/README.md`.\n");
        return md.toString();
    }

    private void sgemm(StringBuilder md, String chartDir, List<String> charts) {
        md.append("## sgemm\n\n");
        md.append("`C = op(A)·op(B)` in float32, GFLOP/s = 2·m·k·n / time. Squares, then the three backprop products of a ")
                .append("784-512-512-10 network at batch 256 (forward A·W, δ propagation Δ·Wᵀ, weight gradient Aᵀ·Δ, with the n = 10 output layer). ")
                .append("Each delta4j row is compared with the peers at the same shape and thread count.\n\n");
        charts.stream().filter(c -> c.startsWith("sgemm")).forEach(c -> md.append("![").append(c).append("](").append(chartDir).append('/').append(c).append(")\n"));
        md.append("\n| shape (m×k·k×n) | threads | implementation | GFLOP/s | ± | ms | × OpenBLAS | × VectorBLAS | × best peer |\n");
        md.append("|---|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (String key : keys("sgemm")) {
            for (Row r : ordered("sgemm", key)) {
                boolean eng = r.isEngine();
                Optional<Row> bp = eng ? bestPeer(r) : Optional.empty();
                md.append("| ").append(GemmShape.parse(key).label()).append(" | ").append(threadsLabel(r.threads()))
                        .append(" | ").append(eng ? "**" + implLabel(r.impl(), 0) + "**" : implLabel(r.impl(), 0))
                        .append(" | ").append(num(r.gflops())).append(" | ").append(num(r.gflopsError()))
                        .append(" | ").append(num(r.seconds() * 1e3))
                        .append(" | ").append(eng ? ratio(ratio(r, "openblas")) : "")
                        .append(" | ").append(eng ? ratio(ratio(r, "vectorblas")) : "")
                        .append(" | ").append(bp.map(p -> num(p.seconds() / r.seconds()) + "× " + implLabel(p.impl(), 0)).orElse(""))
                        .append(" |\n");
            }
        }
        md.append('\n');
    }

    private void network(StringBuilder md, String bench, String title) {
        List<String> keys = keys(bench);
        if (keys.isEmpty()) {
            return;
        }
        md.append("## ").append(title).append("\n\n");
        md.append("One batch, the kernels of one training step on each engine (ReLU hidden layers, softmax cross-entropy output); ")
                .append("GFLOP/s counts the gemm FLOPs only. PyTorch runs the same network and batch.\n\n");
        md.append("| network@batch | threads | implementation | ms | ± | GFLOP/s | × best peer |\n|---|---|---|---:|---:|---:|---:|\n");
        for (String key : keys) {
            for (Row r : ordered(bench, key)) {
                Optional<Row> bp = r.isEngine() ? bestPeer(r) : Optional.empty();
                md.append("| ").append(key).append(" | ").append(threadsLabel(r.threads())).append(" | ")
                        .append(r.isEngine() ? "**" + implLabel(r.impl(), 0) + "**" : implLabel(r.impl(), 0)).append(" | ")
                        .append(num(r.seconds() * 1e3)).append(" | ").append(num(r.error() * 1e3)).append(" | ")
                        .append(num(r.gflops())).append(" | ")
                        .append(bp.map(p -> num(p.seconds() / r.seconds()) + "× " + implLabel(p.impl(), 0)).orElse(""))
                        .append(" |\n");
            }
        }
        md.append('\n');
    }

    private void epoch(StringBuilder md, String chartDir, List<String> charts) {
        List<String> keys = keys("epoch");
        if (keys.isEmpty()) {
            return;
        }
        md.append("## Fashion-MNIST epoch\n\n");
        md.append("784-256-128-10, ReLU, softmax cross-entropy, Adam (lr 1e-3), batch 128: each epoch shuffles, gathers every batch ")
                .append("and takes a training step, 469 steps for 60,000 samples (the last holds 96), in delta4j and the peers alike. ")
                .append("delta4j runs through its own `Trainer` (one `fit` of one epoch per measurement, so binding the model to the engine ")
                .append("and copying the parameters back are included); PyTorch runs `nn.Sequential` with `torch.optim.Adam`.\n\n");
        charts.stream().filter(c -> c.startsWith("epoch")).forEach(c -> md.append("![").append(c).append("](").append(chartDir).append('/').append(c).append(")\n"));
        md.append("\n| samples | threads | implementation | s/epoch | ± | samples/s | × PyTorch (its best threads) | × best peer |\n|---|---|---|---:|---:|---:|---:|---:|\n");
        for (String key : keys) {
            Optional<Row> torch = best("epoch", "pytorch", key);
            int samples = Integer.parseInt(key.substring(key.indexOf('/') + 1));
            for (Row r : ordered("epoch", key)) {
                Optional<Row> bp = r.isEngine() ? bestPeer(r) : Optional.empty();
                md.append("| ").append(samples).append(" | ").append(threadsLabel(r.threads())).append(" | ")
                        .append(r.isEngine() ? "**" + implLabel(r.impl(), 0) + "**" : implLabel(r.impl(), 0)).append(" | ")
                        .append(num(r.seconds())).append(" | ").append(num(r.error())).append(" | ")
                        .append(num(samples / r.seconds())).append(" | ")
                        .append(r.isEngine() ? torch.map(p -> num(p.seconds() / r.seconds()) + "×").orElse("—") : "").append(" | ")
                        .append(bp.map(p -> num(p.seconds() / r.seconds()) + "× " + implLabel(p.impl(), 0)).orElse(""))
                        .append(" |\n");
            }
        }
        md.append('\n');
    }

    private void notRun(StringBuilder md, String dl4jStatus) {
        List<String> lines = new ArrayList<>();
        Object skipped = results.suite().get("skipped");
        if (skipped != null) {
            // One line per engine and reason, listing the benchmarks it covers.
            Map<String, List<String>> grouped = new LinkedHashMap<>();
            for (Object o : Json.array(skipped, "skipped")) {
                Map<String, Object> s = Json.object(o, "skip");
                grouped.computeIfAbsent("engine " + Json.string(s.get("engine"), "?") + ": " + Json.string(s.get("reason"), "?"),
                        k -> new ArrayList<>()).add(Json.string(s.get("benchmark"), "?").replace("Benchmark", ""));
            }
            grouped.forEach((what, benches) -> lines.add("- " + what + " (" + String.join(", ", benches) + ")"));
        }
        peerReasons().forEach((k, v) -> lines.add("- peer " + implLabel(k, 0) + ": not available: " + v));
        if (results.peers().isEmpty()) {
            lines.add("- peers OpenBLAS and PyTorch: no peers.json in the results (the peer script did not run)");
        }
        if (rows.stream().noneMatch(r -> r.impl().equals("dl4j"))) {
            lines.add("- peer Deeplearning4j: " + (dl4jStatus == null || dl4jStatus.isBlank()
                    ? "not run (it is the Maven profile -Pdl4j, run by `benchmarks/run.sh full` or with DELTA4J_DL4J=1)" : dl4jStatus.strip()));
        }
        if (!lines.isEmpty()) {
            md.append("## Not run, and why\n\n");
            lines.forEach(l -> md.append(l).append('\n'));
        }
    }

    // ---------------------------------------------------------------- a GPU run of the opencl engine

    private String gpuDevice() {
        return Json.string(engineDevices().get("opencl"), "an OpenCL device");
    }

    /** One headline line for a GPU run (this report's results are that run's). */
    String gpuHeadline() {
        List<String> parts = new ArrayList<>();
        for (int n : new int[]{1024, 2048, 4096}) {
            find("sgemm", "opencl", GemmShape.square(n).id(), 0).ifPresent(r -> parts.add(n + "² " + num(r.gflops()) + " GFLOP/s"));
        }
        best("epoch", "opencl", Results.epochKey(NetShape.FASHION, 60000)).ifPresent(r -> parts.add("Fashion-MNIST epoch " + num(r.seconds()) + " s"));
        return "- **opencl engine on a GPU** (" + gpuDevice() + ", separate run of " + env("date").substring(0, Math.min(10, env("date").length()))
                + "): " + (parts.isEmpty() ? "no results" : "sgemm " + String.join(", ", parts)) + " — see *GPU run* below.";
    }

    /** The section of a GPU run: absolute figures, on another machine, so no ratios to this machine's peers. */
    void gpuSection(StringBuilder md) {
        md.append("## GPU run: opencl engine on ").append(gpuDevice()).append("\n\n");
        md.append("A separate run (`benchmarks/run.sh gpu`, results committed in `benchmarks/gpu-results/`) on another machine: ")
                .append(env("cpu")).append(", ").append(env("cores")).append(" cores, ").append(env("jdk")).append(", ").append(env("date"))
                .append(". Its figures are absolute; the peers above ran on a different CPU, so no ratios are drawn here: the GPU check"
                        + " (`gpu/check.sh`, docs/gpu/results.md) compares the same engine with PyTorch/cuBLAS on the same GPU. Data: ")
                .append(env("dataset")).append(".\n\n");
        md.append("| benchmark | shape | ms | ± | GFLOP/s |\n|---|---|---:|---:|---:|\n");
        for (String bench : List.of("sgemm", "forward", "backward", "step", "epoch")) {
            for (String key : keys(bench)) {
                for (Row r : ordered(bench, key)) {
                    String shape = bench.equals("sgemm") ? GemmShape.parse(key).label() : key;
                    md.append("| ").append(bench).append(" | ").append(shape).append(" | ").append(num(r.seconds() * 1e3))
                            .append(" | ").append(num(r.error() * 1e3)).append(" | ").append(num(r.gflops())).append(" |\n");
                }
            }
        }
        md.append('\n');
    }

    // ---------------------------------------------------------------- charts and main

    /** Draws every chart into {@code dir}; returns their file names. */
    List<String> drawCharts(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        List<String> impls = IMPL_ORDER;
        for (int t : threadCounts("sgemm")) {
            boolean squares = rows.stream().anyMatch(r -> r.benchmark().equals("sgemm") && GemmShape.parse(r.key()).isSquare());
            if (squares) {
                String name = "sgemm-square-" + t + "t.png";
                Charts.save(Charts.squareGemm(rows, t, impls), dir.resolve(name));
                names.add(name);
            }
            boolean layers = rows.stream().anyMatch(r -> r.benchmark().equals("sgemm") && !GemmShape.parse(r.key()).isSquare());
            if (layers) {
                String name = "sgemm-layers-" + t + "t.png";
                Charts.save(Charts.layerGemm(rows, t, impls, keys("sgemm")), dir.resolve(name));
                names.add(name);
            }
        }
        if (rows.stream().anyMatch(r -> r.benchmark().equals("epoch"))) {
            Charts.save(Charts.epochs(rows, impls), dir.resolve("epoch.png"));
            names.add("epoch.png");
        }
        // Charts of an earlier run that this one did not redraw would contradict the report: remove them.
        try (Stream<Path> old = Files.list(dir)) {
            for (Path p : old.filter(p -> p.getFileName().toString().matches("(sgemm-.*|epoch)\\.png")
                    && !names.contains(p.getFileName().toString())).toList()) {
                Files.delete(p);
            }
        }
        return names;
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i], args[i + 1]);
        }
        if (!opt.containsKey("--results") || !opt.containsKey("--out") || !opt.containsKey("--charts")) {
            System.err.println("usage: Report --results DIR --out BENCHMARKS.md --charts DIR [--gpu-results DIR] [--analysis ANALYSIS.md] [--prediction PREDICTION.md] [--notes NOTES.md] (Prose)");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        Path resultsDir = Path.of(opt.get("--results"));
        Path out = Path.of(opt.get("--out")).toAbsolutePath();
        Path charts = Path.of(opt.get("--charts")).toAbsolutePath();
        Report report = new Report(Results.read(resultsDir));
        for (Prose p : Prose.values()) {
            String file = opt.get(p.option());
            if (file != null && Files.isRegularFile(Path.of(file))) {
                report.with(p, Files.readString(Path.of(file)));
            }
        }
        report.withColdStart(ColdStart.read(resultsDir));
        List<String> names = report.drawCharts(charts);
        Path dl4j = resultsDir.resolve("dl4j.txt");
        String dl4jStatus = Files.isRegularFile(dl4j) ? Files.readString(dl4j) : null;
        String rel = out.getParent().relativize(charts).toString().replace('\\', '/');
        Report gpu = null;
        if (opt.containsKey("--gpu-results") && Files.isRegularFile(Path.of(opt.get("--gpu-results")).resolve("suite.json"))) {
            gpu = new Report(Results.read(Path.of(opt.get("--gpu-results"))));
        }
        Suite.writeAtomically(out, report.markdown(rel.isEmpty() ? "." : rel, names, dl4jStatus, gpu));
        System.out.println("wrote " + out + " and " + names.size() + " charts in " + charts);
    }
}
