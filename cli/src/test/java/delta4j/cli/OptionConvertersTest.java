package delta4j.cli;

import delta4j.cli.io.CsvReader;
import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.engine.Precision;
import delta4j.model.LearningRateSchedule;
import delta4j.model.Normalization;
import delta4j.model.Optimizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The typed options' conversions: each value type parses what users write, refuses the rest with one line naming the
 * option and what to give, and lists (in the help) exactly the names its enum carries.
 */
class OptionConvertersTest {

    @TempDir
    Path dir;

    private static void refuses(Runnable conversion, String... fragments) {
        UsageException e = assertThrows(UsageException.class, conversion::run);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> e.getMessage() + " should contain " + f);
        }
        assertEquals(1, e.getMessage().lines().count(), e::getMessage);
    }

    private static List<String> list(Iterable<String> candidates) {
        List<String> l = new ArrayList<>();
        candidates.forEach(l::add);
        return l;
    }

    @Test
    void layersParseWidthsAndKeepTheTextForMessages() {
        Layers l = new Layers.Converter().convert("784, 256x10");
        assertArrayEquals(new int[] {784, 256, 10}, l.widths());
        assertEquals(784, l.inputs());
        assertEquals(10, l.outputs());
        assertTrue(l.hasHidden());
        assertEquals("784,256,10", l.joined());
        assertEquals("784, 256x10", l.toString());
        assertEquals("784,64,10", Layers.parse("784,10").withHidden());
        refuses(() -> Layers.parse("784"), "--layers 784:", "e.g. --layers 784,256,10");
        refuses(() -> Layers.parse("3,four,1"), "--layers 3,four,1:", "'four' is not a whole number");
        refuses(() -> Layers.parse("3,0,1"), "at least 1 unit, got 0");
    }

    @Test
    void lossSpecsCarryTheirParameter() {
        LossSpec huber = new LossSpec.Converter().convert("HUBER:1.5");
        assertEquals(Loss.HUBER, huber.loss());
        assertEquals(1.5f, huber.parameter());
        assertEquals("huber:1.5", huber.recorded());
        assertEquals(Loss.HUBER.parameter(), LossSpec.parse("huber").parameter());
        assertEquals("mse", LossSpec.of(Loss.MSE).recorded());
        assertEquals(Loss.SOFTMAX_CROSS_ENTROPY, LossSpec.parse("cross-entropy").loss());
        refuses(() -> LossSpec.parse("hinge"), "--loss hinge:", "use one of " + Loss.ids());
        refuses(() -> LossSpec.parse("huber:x"), "--loss huber:x: 'x' is not a number");
        refuses(() -> LossSpec.parse("mse:2"), "--loss mse:2:", "takes no parameter");
        assertEquals(Arrays.stream(Loss.values()).map(Loss::id).toList(), list(new LossSpec.Converter()));
    }

    @Test
    void schedulesAnnealAndKeepTheirSpecification() {
        ScheduleSpec s = new ScheduleSpec.Converter().convert(" Step:2:0.5 ");
        assertEquals("step:2:0.5", s.spec());
        for (int epoch = 0; epoch < 6; epoch++) {
            assertEquals(LearningRateSchedule.step(2, 0.5f).rate(0.01f, epoch, 6), s.schedule().rate(0.01f, epoch, 6));
        }
        refuses(() -> ScheduleSpec.parse("wavy"), "--schedule wavy:", LearningRateSchedule.Kind.usages());
        refuses(() -> ScheduleSpec.parse("step:1:5"), "--schedule step:1:5:", "every epoch");
        refuses(() -> ScheduleSpec.parse("cosine:-1"), "turn negative");
        assertEquals(Arrays.stream(LearningRateSchedule.Kind.values()).map(LearningRateSchedule.Kind::usage).toList(),
                list(new ScheduleSpec.Converter()));
    }

    @Test
    void enumOptionsParseTheEnumsNamesAndListThem() {
        assertEquals(Activation.LEAKY_RELU, new Options.HiddenActivations().convert("Leaky-ReLU"));
        refuses(() -> new Options.HiddenActivations().convert("softmax"), "--activation softmax:", "only for the output layer");
        refuses(() -> new Options.HiddenActivations().convert("swish2"), "--activation swish2: use one of " + Activation.ids(true));
        assertEquals(Arrays.stream(Activation.values()).filter(Activation::isElementwise).map(Activation::id).toList(),
                list(new Options.HiddenActivations()));

        assertEquals(Normalization.BATCH, new Options.Normalizations().convert("Batch"));
        refuses(() -> new Options.Normalizations().convert("group"), "--norm group: use one of " + Normalization.ids());
        assertEquals(Arrays.stream(Normalization.values()).map(Normalization::id).toList(), list(new Options.Normalizations()));

        assertEquals(Optimizer.Kind.ADAMW, new Options.Optimizers().convert("AdamW"));
        refuses(() -> new Options.Optimizers().convert("lbfgs"), "--optimizer lbfgs: use one of " + Optimizer.Kind.ids());
        assertEquals(Arrays.stream(Optimizer.Kind.values()).map(Optimizer.Kind::id).toList(), list(new Options.Optimizers()));

        assertEquals(Precision.BF16, new Options.Precisions().convert("BF16"));
        refuses(() -> new Options.Precisions().convert("FP8"), "--precision FP8: use fp32, tf32 or bf16");
        assertEquals(Arrays.stream(Precision.values()).map(Precision::cliName).toList(), list(new Options.Precisions()));

        assertEquals(CsvReader.Task.MULTILABEL, new Options.Tasks().convert(" Multi-Label"));
        refuses(() -> new Options.Tasks().convert("clustering"), "--task clustering: use regression, classification or multilabel");
    }

    @Test
    void numbersWithARangeSayWhatToGive() {
        assertEquals(0.25f, new Options.DropoutProbability().convert("0.25"));
        refuses(() -> new Options.DropoutProbability().convert("1"), "--dropout 1:", "below 1");
        assertThrows(TypeConversionException.class, () -> new Options.DropoutProbability().convert("x"));
        assertEquals(2f, new Options.ClipNorm().convert("2"));
        refuses(() -> new Options.ClipNorm().convert("0"), "--clip-norm 0", "leave the option out");
        refuses(() -> new Options.ClipNorm().convert("NaN"), "--clip-norm NaN:", "positive gradient norm");
        assertThrows(TypeConversionException.class, () -> new Options.ClipNorm().convert("one"));
    }

    @Test
    void aConvertersMessageReachesTheUserAsItIsAndNotAsPicocliWrapsIt() throws IOException {
        Path csv = Files.writeString(dir.resolve("r.csv"), "1,2,3,4\n2,3,4,5\n3,4,5,6\n");
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--norm", "group");
        CliTest.assertUsageError(r);
        assertTrue(r.err().startsWith("delta4j: --norm group: use one of " + Normalization.ids() + " (try"), r::toString);
        // picocli's own conversions keep its wording.
        Cli.Result n = Cli.run("train", "--data", csv.toString(), "--layers", "3,4,1", "--dropout", "x");
        CliTest.assertUsageError(n);
        assertTrue(n.err().contains("'--dropout': 'x' is not a float"), n::toString);
    }
}
