package delta4j.cli;

import delta4j.cli.io.CsvReader;
import delta4j.cli.io.DataSources;
import delta4j.cli.report.Words;
import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.engine.Precision;
import delta4j.io.AtomicFiles;
import delta4j.model.Normalization;
import delta4j.model.Optimizer;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Parsing and checking of option values shared by the commands; every failure is a {@link UsageException}. */
final class Options {

    private Options() {
    }

    // picocli's conversions of option values. One that fails says, in one line, which option and value were wrong and
    // what to give instead (Main prints it as it is).

    /** {@code --activation}: the element-wise activations, the ones hidden layers take. */
    static final class HiddenActivations extends Choice<Activation> {
        HiddenActivations() {
            super("--activation", Activation::parse, Arrays.stream(Activation.values()).filter(Activation::isElementwise).map(Activation::id).toList());
        }

        @Override
        public Activation convert(String name) {
            Activation a = super.convert(name);
            if (!a.isElementwise()) {
                throw new UsageException("--activation " + a.id() + ": " + a.id() + " is only for the output layer, where --loss "
                        + Loss.SOFTMAX_CROSS_ENTROPY.id() + " puts it; use " + usage());
            }
            return a;
        }
    }

    /** {@code --norm}: the normalisation of every hidden layer. */
    static final class Normalizations extends Choice<Normalization> {
        Normalizations() {
            super("--norm", Normalization::parse, Arrays.stream(Normalization.values()).map(Normalization::id).toList());
        }
    }

    /** {@code --optimizer}: its kind; the learning rate comes with {@code --lr} ({@link OptimizerOptions}). */
    static final class Optimizers extends Choice<Optimizer.Kind> {
        Optimizers() {
            super("--optimizer", Optimizer.Kind::parse, Arrays.stream(Optimizer.Kind.values()).map(Optimizer.Kind::id).toList());
        }
    }

    /** {@code --precision}: the arithmetic of the matrix products. */
    static final class Precisions extends Choice<Precision> {
        Precisions() {
            super("--precision", Precision::parse, Arrays.stream(Precision.values()).map(Precision::cliName).toList());
        }

        /** "fp32, tf32 or bf16": three read as words. */
        @Override
        String usage() {
            List<String> n = names();
            return String.join(", ", n.subList(0, n.size() - 1)) + " or " + n.getLast();
        }
    }

    /** {@code --task}: what the targets are. */
    static final class Tasks implements ITypeConverter<CsvReader.Task> {
        @Override
        public CsvReader.Task convert(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "regression" -> CsvReader.Task.REGRESSION;
                case "classification" -> CsvReader.Task.CLASSIFICATION;
                case "multilabel", "multi-label", "multi_label" -> CsvReader.Task.MULTILABEL;
                default -> throw new UsageException("--task " + s + ": use regression, classification or multilabel");
            };
        }
    }

    /** {@code --dropout}: the probability of dropping a hidden unit, from 0 (none) to below 1. */
    static final class DropoutProbability implements ITypeConverter<Float> {
        @Override
        public Float convert(String s) {
            float p = parseFloat(s);
            if (!(p >= 0 && p < 1)) {
                throw new UsageException("--dropout " + Words.decimal(p) + ": give the probability of dropping a hidden unit, from 0 (none) to below 1, e.g. 0.2");
            }
            return p;
        }
    }

    /** {@code --clip-norm}: a positive gradient norm; the option left out is "off" (0 itself would zero every step). */
    static final class ClipNorm implements ITypeConverter<Float> {
        @Override
        public Float convert(String s) {
            float f = parseFloat(s);
            if (f == 0) {
                throw new UsageException("--clip-norm 0 would clip every gradient to nothing: give a positive norm, e.g. 1, or leave the option out for no clipping");
            }
            if (!(f >= 0) || !Float.isFinite(f)) {
                throw new UsageException("--clip-norm " + f + ": give a positive gradient norm, e.g. 1 (leave the option out for no clipping)");
            }
            return f;
        }
    }

    /** A float, or picocli's own refusal of one ("'x' is not a float"), for converters that check a range too. */
    private static float parseFloat(String s) {
        try {
            return Float.parseFloat(s);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + s + "' is not a float");
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
