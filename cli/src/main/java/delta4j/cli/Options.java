package delta4j.cli;

import delta4j.io.AtomicFiles;
import delta4j.cli.io.DataSources;
import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.model.LearningRateSchedule;
import delta4j.model.Normalization;
import delta4j.model.Optimizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;

/** Parsing and checking of option values shared by the commands; every failure is a {@link UsageException}. */
final class Options {

    private Options() {
    }

    /** "784,256,128,10" → widths, inputs first and outputs last. */
    static int[] layers(String spec) {
        String[] parts = spec.trim().split("\\s*[,x]\\s*");
        if (parts.length < 2) {
            throw new UsageException("--layers " + spec + ": give the input width, any hidden widths and the output width, e.g. --layers 784,256,10");
        }
        int[] n = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                n[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new UsageException("--layers " + spec + ": '" + parts[i] + "' is not a whole number");
            }
            if (n[i] < 1) {
                throw new UsageException("--layers " + spec + ": every layer needs at least 1 unit, got " + n[i]);
            }
        }
        return n;
    }

    static String join(int[] n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n.length; i++) {
            sb.append(i == 0 ? "" : ",").append(n[i]);
        }
        return sb.toString();
    }

    static Activation hiddenActivation(String name) {
        Activation a;
        try {
            a = Activation.parse(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--activation " + name + ": use one of " + Activation.ids(true));
        }
        if (!a.isElementwise()) {
            throw new UsageException("--activation " + a.id() + ": " + a.id() + " is only for the output layer, where --loss "
                    + Loss.SOFTMAX_CROSS_ENTROPY.id() + " puts it; use one of " + Activation.ids(true));
        }
        return a;
    }

    /** The loss of a --loss spec, "huber:0.5" included (its parameter: {@link #lossParameter}). */
    static Loss loss(String spec) {
        try {
            return Loss.parseSpec(spec);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--loss " + spec + ": use one of " + Loss.ids() + " (huber:δ for Huber's threshold δ, default 1)");
        }
    }

    /** The parameter of a --loss spec: Huber's δ after a ':', or the loss's default. */
    static float lossParameter(String spec) {
        try {
            return Loss.parseParameter(spec);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            // Loss words it "loss 'huber:x': ..."; the command line names the option.
            throw new UsageException("--loss " + spec + ": " + (m.startsWith("loss '") ? m.substring(m.indexOf("': ") + 3) : m));
        }
    }

    /** The normalisation of every hidden layer (--norm). */
    static Normalization normalization(String name) {
        try {
            return Normalization.parse(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--norm " + name + ": use one of " + Normalization.ids());
        }
    }

    /** The dropout probability of every hidden layer (--dropout): from 0 (none) to below 1. */
    static float dropout(float p) {
        if (!(p >= 0 && p < 1)) {
            throw new UsageException("--dropout " + delta4j.cli.report.Words.decimal(p) + ": give the probability of dropping a hidden unit, from 0 (none) to below 1, e.g. 0.2");
        }
        return p;
    }

    /** The optimizer with --lr, or its kind's usual rate ({@link Optimizer.Kind#defaultLearningRate()}). */
    static Optimizer optimizer(String name, Float lr) {
        Optimizer.Kind kind;
        try {
            kind = Optimizer.Kind.parse(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--optimizer " + name + ": use one of " + Optimizer.Kind.ids());
        }
        try {
            return kind.create(lr != null ? lr : kind.defaultLearningRate());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--lr " + lr + ": " + e.getMessage());
        }
    }

    /**
     * A learning-rate schedule; one that would grow the rate (a step GAMMA above 1, a cosine MIN_FACTOR above 1)
     * or make it negative is refused: schedules anneal.
     */
    static LearningRateSchedule schedule(String spec) {
        LearningRateSchedule s;
        try {
            s = LearningRateSchedule.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--schedule " + spec + ": use one of " + LearningRateSchedule.Kind.usages());
        }
        String[] p = spec.trim().toLowerCase(Locale.ROOT).split(":");
        if (p[0].equals("step") && p.length > 2 && !(Float.parseFloat(p[2]) <= 1)) {
            throw new UsageException("--schedule " + spec + ": GAMMA " + p[2] + " would multiply the learning rate by " + p[2]
                    + (p[1].trim().equals("1") ? " every epoch" : " every " + p[1] + " epochs") + "; give a factor from above 0 to 1, e.g. step:" + p[1] + ":0.5");
        }
        if (p[0].equals("cosine") && p.length > 1 && !(Float.parseFloat(p[1]) >= 0 && Float.parseFloat(p[1]) <= 1)) {
            throw new UsageException("--schedule " + spec + ": MIN_FACTOR " + p[1] + " would " + (Float.parseFloat(p[1]) > 1 ? "grow" : "turn negative")
                    + " the learning rate; give the final rate as a fraction of --lr from 0 to 1, e.g. cosine:0.05");
        }
        return s;
    }

    // The lists in the options' help (picocli's ${COMPLETION-CANDIDATES}), from the enums that name them.

    /** The element-wise activations, for hidden layers. */
    static final class HiddenActivations implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Activation.values()).filter(Activation::isElementwise).map(Activation::id).iterator();
        }
    }

    static final class Losses implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Loss.values()).map(Loss::id).iterator();
        }
    }

    static final class Normalizations implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Normalization.values()).map(Normalization::id).iterator();
        }
    }

    static final class Optimizers implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Optimizer.Kind.values()).map(Optimizer.Kind::id).iterator();
        }
    }

    static final class Schedules implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(LearningRateSchedule.Kind.values()).map(LearningRateSchedule.Kind::usage).iterator();
        }
    }

    /** Fails before any work when an output file could not be written (missing folder, a folder in the way). */
    static void checkOutput(Path p, String option) {
        if (p == null) {
            return;
        }
        // A symbolic link is written through: its target's folder is the one that must take the file.
        Path dir = AtomicFiles.throughLinks(p.toAbsolutePath()).getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new UsageException(option + " " + p + ": the folder " + dir + " does not exist");
        }
        if (Files.isDirectory(p)) {
            throw new UsageException(option + " " + p + ": is a folder; give a file name");
        }
        if (!Files.isWritable(dir)) {
            throw new UsageException(option + " " + p + ": cannot write in " + dir + " (permission denied)");
        }
    }

    /** The data source must exist (or be the fashion-mnist keyword) before anything heavy starts. */
    static void checkSource(String source, String option) {
        if (!DataSources.isFashionMnist(source) && !Files.exists(Path.of(source))) {
            throw new delta4j.cli.io.DataFileException(source, "no such file or folder (" + option
                    + "): give a CSV file, a folder of IDX files, or fashion-mnist");
        }
    }
}
