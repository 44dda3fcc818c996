package delta4j.benchmarks.report;

import delta4j.benchmarks.FmaPeakBenchmark;
import delta4j.benchmarks.GemmShape;
import delta4j.benchmarks.NetShape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Everything one run of the suite produced, read from its results directory: the JMH result files
 * ({@code jmh-*.json}), the peers' file ({@code peers.json}, written by peers/peers.py) and the suite's own
 * metadata ({@code suite.json}: environment, plan, and what was skipped and why). The paired rounds lie in
 * {@code rounds/r1/}, {@code rounds/r2/}, ... with the same kinds of files ({@code peers-NN.json} for the peers).
 * A round's row times the <em>fastest</em> iteration of its measurement (the peers: their fastest batch), with the
 * median's spread as its error: another tenant's work can only slow an iteration down, and it hits the two sides
 * of a pair at different moments, so the fastest iteration of each side is the comparison least touched by it.
 *
 * @param rows    every measured result outside the rounds
 * @param rounds  the rows of each paired round, in order
 * @param suite   the suite's metadata (an empty map when absent)
 * @param peers   the peers' metadata and reasons for peers that could not run (an empty map when absent)
 */
public record Results(List<Row> rows, List<List<Row>> rounds, Map<String, Object> suite, Map<String, Object> peers) {

    /** Reads a results directory. Missing files are fine (the report says what is missing); malformed ones are errors. */
    public static Results read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("no results directory " + dir + ": run benchmarks/run.sh first");
        }
        List<Row> rows = jmhRows(dir, false);
        List<List<Row>> rounds = new ArrayList<>();
        Path roundsDir = dir.resolve("rounds");
        if (Files.isDirectory(roundsDir)) {
            List<Path> dirs;
            try (Stream<Path> s = Files.list(roundsDir)) {
                dirs = s.filter(p -> p.getFileName().toString().matches("r\\d+") && Files.isDirectory(p))
                        .sorted(java.util.Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(1))))
                        .toList();
            }
            for (Path r : dirs) {
                List<Row> round = new ArrayList<>(jmhRows(r, true));
                try (Stream<Path> s = Files.list(r)) {
                    for (Path p : s.filter(x -> x.getFileName().toString().matches("peers-.*\\.json")).sorted().toList()) {
                        round.addAll(peerRows(Json.object(Json.parse(Files.readString(p)), p.getFileName().toString()), true));
                    }
                }
                rounds.add(List.copyOf(round));
            }
        }
        Map<String, Object> peers = Map.of();
        Path peerFile = dir.resolve("peers.json");
        if (Files.isRegularFile(peerFile)) {
            peers = Json.object(Json.parse(Files.readString(peerFile)), "peers.json");
            rows.addAll(peerRows(peers, false));
        }
        Map<String, Object> suite = Map.of();
        Path suiteFile = dir.resolve("suite.json");
        if (Files.isRegularFile(suiteFile)) {
            suite = Json.object(Json.parse(Files.readString(suiteFile)), "suite.json");
        }
        return new Results(List.copyOf(rows), List.copyOf(rounds), suite, peers);
    }

    private static List<Row> jmhRows(Path dir, boolean fastest) throws IOException {
        List<Row> rows = new ArrayList<>();
        List<Path> jmhFiles;
        try (Stream<Path> s = Files.list(dir)) {
            jmhFiles = s.filter(p -> p.getFileName().toString().matches("jmh-.*\\.json")).sorted().toList();
        }
        for (Path p : jmhFiles) {
            rows.addAll(jmh(Files.readString(p), p.getFileName().toString(), fastest));
        }
        return rows;
    }

    /** Rows from one JMH JSON result file ({@code -rf json}), timed by the median iteration; unknown benchmarks are skipped. */
    public static List<Row> jmh(String json, String source) {
        return jmh(json, source, false);
    }

    /** Rows from one JMH JSON result file, timed by the median iteration or, with {@code fastest}, the fastest one. */
    static List<Row> jmh(String json, String source, boolean fastest) {
        List<Row> out = new ArrayList<>();
        for (Object o : Json.array(Json.parse(json), source)) {
            Map<String, Object> r = Json.object(o, source + " entry");
            String name = Json.string(r.get("benchmark"), "");
            Map<String, Object> params = r.get("params") == null ? Map.of() : Json.object(r.get("params"), "params");
            Map<String, Object> metric = Json.object(r.get("primaryMetric"), source + " primaryMetric");
            double scale = secondsPer(Json.string(metric.get("scoreUnit"), ""));
            double[] scores = iterationScores(metric, source);
            double[] summary = Stats.medianAndSpread(scores);
            double seconds = (fastest ? java.util.Arrays.stream(scores).min().orElse(Double.NaN) : summary[0]) * scale;
            double error = summary[1] * scale;
            String cls = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
            cls = cls.substring(cls.lastIndexOf('.') + 1);
            String engine = Json.string(params.get("engine"), "?");
            int threads = (int) Json.number(params.getOrDefault("threads", "1"));
            Row row = switch (cls) {
                case "SgemmBenchmark" -> {
                    String shape = Json.string(params.get("shape"), "");
                    yield new Row("sgemm", engine, shape, threads, seconds, error, GemmShape.parse(shape).flops());
                }
                case "ForwardBenchmark" -> netRow("forward", engine, params, threads, seconds, error);
                case "BackwardBenchmark" -> netRow("backward", engine, params, threads, seconds, error);
                case "TrainingStepBenchmark" -> netRow("step", engine, params, threads, seconds, error);
                case "EpochBenchmark" -> new Row("epoch", engine, epochKey(NetShape.FASHION, params.get("samples")), threads,
                        seconds, error, Double.NaN);
                // 2 FLOPs per lane per FMA. Only the benchmark's compile-time constants are read here: loading the
                // class would need the Vector API module, which the report's JVM does not have.
                case "FmaPeakBenchmark" -> new Row("peak", "fma-loop", "fma", threads, seconds, error,
                        2.0 * Json.number(params.getOrDefault("lanes", "16")) * FmaPeakBenchmark.CHAINS * FmaPeakBenchmark.STEPS);
                case "Dl4jEpochBenchmark" -> new Row("epoch", "dl4j", epochKey(NetShape.FASHION, params.get("samples")), threads,
                        seconds, error, Double.NaN);
                default -> null;
            };
            if (row != null) {
                out.add(row);
            }
        }
        return out;
    }

    /** Every measured iteration's score (JMH's rawData: one list per fork); the score alone when absent. */
    private static double[] iterationScores(Map<String, Object> metric, String source) {
        Object raw = metric.get("rawData");
        if (raw == null) {
            return new double[]{Json.number(metric.get("score"))};
        }
        List<Double> out = new ArrayList<>();
        for (Object fork : Json.array(raw, source + " rawData")) {
            for (Object x : Json.array(fork, source + " rawData fork")) {
                out.add(Json.number(x));
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The key of an epoch row: network and samples per epoch. */
    public static String epochKey(String net, Object samples) {
        return net + "/" + Json.string(samples, "60000");
    }

    private static Row netRow(String bench, String engine, Map<String, Object> params, int threads, double s, double err) {
        NetShape net = NetShape.parse(Json.string(params.get("net"), NetShape.FASHION));
        double flops = switch (bench) {
            case "forward" -> net.forwardFlops();
            case "backward" -> net.backwardFlops();
            default -> net.forwardFlops() + net.backwardFlops();
        };
        return new Row(bench, engine, net.id(), threads, s, err, flops);
    }

    /** Seconds per operation for one unit of a JMH score ("ms/op" → 1e-3); throughput units are not used here. */
    static double secondsPer(String unit) {
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "s/op" -> 1;
            case "ms/op" -> 1e-3;
            case "us/op" -> 1e-6;
            case "ns/op" -> 1e-9;
            default -> throw new IllegalArgumentException("unexpected JMH score unit '" + unit
                    + "': the suite's benchmarks report time per operation (AverageTime or SingleShotTime)");
        };
    }

    /**
     * Rows from the peers' file: {@code results} holds {benchmark, impl, key, threads, seconds (the median batch),
     * error, best (the fastest batch)}; with {@code fastest}, a row is timed by its fastest batch.
     */
    static List<Row> peerRows(Map<String, Object> peers, boolean fastest) {
        List<Row> out = new ArrayList<>();
        Object results = peers.get("results");
        if (results == null) {
            return out;
        }
        for (Object o : Json.array(results, "peers.json results")) {
            Map<String, Object> r = Json.object(o, "peers.json result");
            String bench = Json.string(r.get("benchmark"), "");
            String key = Json.string(r.get("key"), "");
            double flops = switch (bench) {
                case "sgemm" -> GemmShape.parse(key).flops();
                case "forward" -> NetShape.parse(key).forwardFlops();
                case "backward" -> NetShape.parse(key).backwardFlops();
                case "step" -> NetShape.parse(key).forwardFlops() + NetShape.parse(key).backwardFlops();
                default -> Double.NaN;
            };
            double seconds = Json.number(fastest && r.get("best") != null ? r.get("best") : r.get("seconds"));
            out.add(new Row(bench, Json.string(r.get("impl"), "?"), key, (int) Json.number(r.get("threads")),
                    seconds, Json.number(r.get("error")), flops));
        }
        return out;
    }
}
