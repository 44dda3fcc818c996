package delta4j;

import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.model.LearningRateSchedule;
import delta4j.model.Optimizer;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToIntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The enums that name the project's choices carry their file codes and command-line names: every code and
 * every name is unique, parsing a name gives the constant back, and a code finds its constant.
 */
class NamesAndCodesTest {

    private static <E extends Enum<E>> void unique(E[] values, ToIntFunction<E> code, Function<E, String> id) {
        Set<Integer> codes = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (E e : values) {
            assertTrue(code.applyAsInt(e) >= 0 && code.applyAsInt(e) <= 255, e + ": a code fits one byte");
            assertTrue(codes.add(code.applyAsInt(e)), e + ": code " + code.applyAsInt(e) + " is taken");
            assertTrue(ids.add(id.apply(e)), e + ": name " + id.apply(e) + " is taken");
            assertEquals(id.apply(e).toLowerCase(Locale.ROOT), id.apply(e), e + ": names are lower case");
        }
    }

    @Test
    void activations() {
        unique(Activation.values(), Activation::code, Activation::id);
        for (Activation a : Activation.values()) {
            assertEquals(a, Activation.parse(a.id()));
            assertEquals(a, Activation.parse(" " + a.id().toUpperCase(Locale.ROOT).replace('_', '-') + " "));
            assertEquals(a, Activation.ofCode(a.code()).orElseThrow());
        }
        assertTrue(Activation.ofCode(255).isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Activation.parse("nope"));
        assertTrue(e.getMessage().contains(Activation.ids(false)), e.getMessage());
    }

    @Test
    void losses() {
        unique(Loss.values(), Loss::code, Loss::id);
        for (Loss l : Loss.values()) {
            assertEquals(l, Loss.parse(l.id()));
            assertEquals(l, Loss.ofCode(l.code()).orElseThrow());
        }
        assertEquals(Loss.SOFTMAX_CROSS_ENTROPY, Loss.parse("Softmax-Cross-Entropy"));
        // Model-file codes are fixed forever: pinned here, so that renumbering fails a test.
        assertEquals(0, Loss.MSE.code());
        assertEquals(1, Loss.SOFTMAX_CROSS_ENTROPY.code());
        assertEquals(2, Loss.L1.code());
        assertEquals(3, Loss.HUBER.code());
        assertEquals(4, Loss.BINARY_CROSS_ENTROPY.code());
        assertTrue(Loss.ofCode(Loss.values().length).isEmpty());
        assertTrue(Loss.ofCode(-1).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> Loss.parse("hinge"));
    }

    @Test
    void optimizers() {
        unique(Optimizer.Kind.values(), Optimizer.Kind::code, Optimizer.Kind::id);
        for (Optimizer.Kind k : Optimizer.Kind.values()) {
            Optimizer o = Optimizer.parse(k.id().toUpperCase(Locale.ROOT), 0.5f);
            assertEquals(k, o.kind(), "the optimizer a kind makes is of that kind");
            assertEquals(0.5f, o.learningRate());
            assertEquals(k, k.create(k.defaultLearningRate()).kind());
            assertEquals(k, o.withLearningRate(0.25f).kind());
        }
        assertThrows(IllegalArgumentException.class, () -> Optimizer.Kind.parse("lbfgs"));
    }

    @Test
    void schedules() {
        unique(LearningRateSchedule.Kind.values(), LearningRateSchedule.Kind::code, LearningRateSchedule.Kind::id);
        for (LearningRateSchedule.Kind k : LearningRateSchedule.Kind.values()) {
            assertEquals(k, LearningRateSchedule.Kind.parse(k.id()));
            assertTrue(k.usage().startsWith(k.id()));
            LearningRateSchedule.parse(k.id()); // every kind parses with its default parameters
        }
        assertEquals(0.25f, LearningRateSchedule.parse("step:2:0.5").rate(1f, 4, 10));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("wavy"));
        assertTrue(e.getMessage().contains(LearningRateSchedule.Kind.usages()), e.getMessage());
    }
}
