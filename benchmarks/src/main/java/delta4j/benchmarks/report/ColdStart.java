package delta4j.benchmarks.report;

import delta4j.benchmarks.CoreDistance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The cold-start rows: a user's whole command for the Fashion-MNIST job, timed from outside, against PyTorch's whole
 * script for the same job at its best thread count, from {@code cold.json} (written by
 * {@code benchmarks/cold/cold_start.py}, whose runs alternate in rounds). Each figure is the median over the rounds;
 * a ratio is the median of the per-round ratios, each against PyTorch's fastest thread count in that round.
 *
 * @param runs        every timed command
 * @param unavailable why commands could not run
 * @param meta        the script's command line and load averages
 */
public record ColdStart(List<Run> runs, List<String> unavailable, Map<String, Object> meta) {

    /** The targets: first epoch at most this many median epochs (10-epoch run). */
    static final double FIRST_EPOCH_TARGET = 1.3;

    /**
     * One timed command.
     *
     * @param impl     delta4j or pytorch
     * @param threads  its thread count
     * @param epochs   the epochs it trained
     * @param round    the round it ran in, from 1
     * @param wall     the whole command's wall-clock seconds
     * @param epochSec each epoch's seconds, as the command itself measured them
     * @param coreRoundTripNs the cores' round trip measured right after it ({@code CoreDistance}), NaN if not measured
     */
    public record Run(String impl, int threads, int epochs, int round, double wall, double[] epochSec, double coreRoundTripNs) {
        double firstEpoch() {
            return epochSec[0];
        }

        double medianEpoch() {
            return median(Arrays.stream(epochSec).boxed().toList());
        }
    }

    /** Reads {@code cold.json} from a results directory; null when the cold-start rows were not measured. */
    public static ColdStart read(Path dir) throws IOException {
        Path f = dir.resolve("cold.json");
        return Files.isRegularFile(f) ? parse(Files.readString(f), f.toString()) : null;
    }

    /** Parses the script's JSON; {@code source} names it in errors. */
    static ColdStart parse(String json, String source) {
        Map<String, Object> root = Json.object(Json.parse(json), source);
        List<Run> runs = new ArrayList<>();
        for (Object o : Json.array(root.getOrDefault("runs", List.of()), source + " runs")) {
            Map<String, Object> r = Json.object(o, source + " run");
            double[] epochs = Json.array(r.get("epoch_s"), source + " epoch_s").stream().mapToDouble(Json::number).toArray();
            if (epochs.length == 0) {
                throw new IllegalArgumentException(source + ": a run without epochs");
            }
            runs.add(new Run(Json.string(r.get("impl"), "?"), (int) Json.number(r.get("threads")), (int) Json.number(r.get("epochs")),
                    (int) Json.number(r.get("round")), Json.number(r.get("wall_s")), epochs,
                    r.get("core_round_trip_ns") == null ? Double.NaN : Json.number(r.get("core_round_trip_ns"))));
        }
        List<String> unavailable = Json.array(root.getOrDefault("unavailable", List.of()), source + " unavailable").stream()
                .map(x -> Json.string(x, "")).toList();
        Map<String, Object> meta = root.get("meta") == null ? Map.of() : Json.object(root.get("meta"), source + " meta");
        return new ColdStart(List.copyOf(runs), unavailable, meta);
    }

    /** The median of the values (the mean of the middle two for an even count); NaN for none. */
    static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private List<Run> select(String impl, int epochs) {
        return runs.stream().filter(r -> r.impl().equals(impl) && r.epochs() == epochs).toList();
    }

    /**
     * Per round, PyTorch's fastest whole script over delta4j's whole command for {@code epochs} epochs (rounds where
     * either side is missing are left out).
     */
    List<Double> wallRatios(int epochs) {
        List<Double> ratios = new ArrayList<>();
        for (int round : new TreeSet<>(runs.stream().map(Run::round).toList())) {
            double ours = select("delta4j", epochs).stream().filter(r -> r.round() == round).mapToDouble(Run::wall).min().orElse(Double.NaN);
            double theirs = select("pytorch", epochs).stream().filter(r -> r.round() == round).mapToDouble(Run::wall).min().orElse(Double.NaN);
            if (!Double.isNaN(ours) && !Double.isNaN(theirs)) {
                ratios.add(theirs / ours);
            }
        }
        return ratios;
    }

    /** Per delta4j run of {@code epochs} epochs, its first epoch over its median epoch. */
    List<Double> firstEpochRatios(int epochs) {
        return select("delta4j", epochs).stream().map(r -> r.firstEpoch() / r.medianEpoch()).toList();
    }

    /** The section of docs/BENCHMARKS.md. */
    public String markdown() {
        StringBuilder md = new StringBuilder("## Cold start: the whole command\n\n");
        md.append("What a user times: `./delta4j train --data fashion-mnist --layers 784,256,128,10 --task classification --loss ce ")
                .append("--optimizer adam --batch 128 --engine cpu --threads T --epochs N` from the shell prompt back to it (JVM start, ")
                .append("reading the data, training, scoring the test set, saving the model), against `benchmarks/cold/fashion_train.py`, the same ")
                .append("job as a PyTorch script (Python start, `import torch`, reading the data, training, scoring the test set) at each thread ")
                .append("count with OMP_WAIT_POLICY=PASSIVE and OPENBLAS_NUM_THREADS set. The commands alternate in rounds; figures are medians ")
                .append("over the rounds, a ratio the median of the per-round ratios (each round's in brackets) against PyTorch's fastest thread ")
                .append("count in that round. Epoch times are each command's own.\n\n");
        if (runs.isEmpty()) {
            md.append("Not measured").append(unavailable.isEmpty() ? "." : ": " + String.join("; ", unavailable)).append("\n\n");
            return md.toString();
        }
        md.append("| epochs | implementation | threads | whole command, s | first epoch, s | median epoch, s | first ÷ median | PyTorch's best ÷ this |\n")
                .append("|---:|---|---:|---:|---:|---:|---:|---:|\n");
        List<Integer> epochCounts = runs.stream().map(Run::epochs).distinct().sorted((a, b) -> b - a).toList();
        for (int n : epochCounts) {
            for (String impl : List.of("delta4j", "pytorch")) {
                for (int t : new TreeSet<>(select(impl, n).stream().map(Run::threads).toList())) {
                    List<Run> rs = select(impl, n).stream().filter(r -> r.threads() == t).toList();
                    boolean ours = impl.equals("delta4j");
                    md.append("| ").append(n).append(" | ").append(ours ? "**delta4j cpu**" : "PyTorch").append(" | ").append(t).append(" | ")
                            .append(num(median(rs.stream().map(Run::wall).toList()))).append(" | ")
                            .append(num(median(rs.stream().map(Run::firstEpoch).toList()))).append(" | ")
                            .append(num(median(rs.stream().map(Run::medianEpoch).toList()))).append(" | ")
                            .append(num(median(rs.stream().map(r -> r.firstEpoch() / r.medianEpoch()).toList()))).append("× | ")
                            .append(ours ? ratioText(wallRatios(n)) : "").append(" |\n");
                }
            }
        }
        md.append('\n');
        for (String line : targets()) {
            md.append("- ").append(line).append('\n');
        }
        String apart = coresApart();
        if (!apart.isEmpty()) {
            md.append('\n').append(apart).append('\n');
        }
        md.append("\nLoad average (1, 5, 15 min) ").append(Json.string(meta.get("load_before"), "unknown")).append(" before and ")
                .append(Json.string(meta.get("load_after"), "unknown")).append(" after; command `")
                .append(Json.string(meta.get("command"), "benchmarks/cold/cold_start.py")).append("`.");
        if (!unavailable.isEmpty()) {
            md.append(" Not run: ").append(String.join("; ", unavailable)).append('.');
        }
        return md.append("\n\n").toString();
    }

    /**
     * Which delta4j runs had the two cores far apart (the cores' round trip after each run), or "" when it was not
     * measured: there every 2-thread training step ran up to twice as long, PyTorch's 2-thread epochs slower too, and its
     * 1-thread runs as fast as ever, so the ratios of those rounds say as much about the host as about the code.
     */
    String coresApart() {
        List<Run> ours = runs.stream().filter(r -> r.impl().equals("delta4j") && !Double.isNaN(r.coreRoundTripNs())).toList();
        if (ours.isEmpty()) {
            return "";
        }
        long far = ours.stream().filter(r -> r.coreRoundTripNs() > CoreDistance.FAR_APART_NS).count();
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "The cores' round trip after each delta4j run (`CoreDistance`; above %.0f ns the host had placed the two cores far "
                        + "apart, where a 2-thread step runs up to twice as long: engine-cpu/README.md, Threads): ", CoreDistance.FAR_APART_NS));
        s.append(String.join(", ", ours.stream().map(r -> String.format(Locale.ROOT, "%d epochs round %d %.0f ns",
                r.epochs(), r.round(), r.coreRoundTripNs())).toList()));
        return s.append(String.format(Locale.ROOT, "; far apart after %d of %d.", far, ours.size())).toString();
    }

    /** The cold-start targets with their measured values: first epoch, whole 10-epoch and 2-epoch commands. */
    List<String> targets() {
        List<String> lines = new ArrayList<>();
        List<Double> first = firstEpochRatios(10);
        if (!first.isEmpty()) {
            double m = median(first);
            lines.add(String.format(Locale.ROOT, "first epoch of the 10-epoch run: %s× its median epoch (target ≤ %.1f×: %s)",
                    num(m), FIRST_EPOCH_TARGET, m <= FIRST_EPOCH_TARGET ? "met" : "missed"));
        }
        for (int[] target : new int[][]{{10, 20}, {2, 15}}) {
            List<Double> r = wallRatios(target[0]);
            if (!r.isEmpty()) {
                double m = median(r);
                double want = target[1] / 10.0;
                lines.add(String.format(Locale.ROOT, "whole %d-epoch command: %s as fast as PyTorch's whole script (target ≥ %.1f×: %s)",
                        target[0], ratioText(r), want, m >= want ? "met" : "missed"));
            }
        }
        return lines;
    }

    private static String ratioText(List<Double> ratios) {
        if (ratios.isEmpty()) {
            return "—";
        }
        return num(median(ratios)) + "×" + (ratios.size() > 1
                ? " (" + String.join(", ", ratios.stream().map(ColdStart::num).toList()) + ")" : "");
    }

    static String num(double x) {
        return Double.isNaN(x) ? "—" : String.format(Locale.ROOT, x >= 10 ? "%.1f" : "%.2f", x);
    }
}
