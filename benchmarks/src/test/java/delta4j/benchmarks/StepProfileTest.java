package delta4j.benchmarks;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The step profile names every kernel of the step with its shapes, and adds them up. */
class StepProfileTest {

    @Test
    void namesEachKernelOfTheStepWithItsShapes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StepProfile.run("reference", 1, NetShape.parse("20-16-8-4@12"), 5, 1, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        for (String kernel : new String[]{"gemm N N 12x20 20x16 12x16", "gemm T N 12x20 12x16 20x16", "biasActivation 12x16 1x16 relu 12x16",
                "adamSteps 6×508 6×508 6×508 6×508", "round 1: step ", "in all"}) {
            assertTrue(out.contains(kernel), "no '" + kernel + "' in:\n" + out);
        }
    }
}
