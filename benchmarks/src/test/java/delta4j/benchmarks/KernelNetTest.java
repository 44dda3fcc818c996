package delta4j.benchmarks;

import delta4j.engine.Engine;
import delta4j.engine.Engines;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hand-rolled training step the benchmarks time must really train: on a fixed batch its loss falls. */
class KernelNetTest {

    @Test
    void trainingStepsLowerTheLossOnTheReferenceEngine() {
        try (Engine e = Engines.reference()) {
            KernelNet net = NetFixtures.withRandomBatch(e, NetShape.parse("20-16-8-4@12"));
            net.forward();
            net.backward(0);
            double first = net.lossSum(1);
            for (int i = 0; i < 300; i++) {
                net.step(0);
            }
            net.forward();
            net.backward(0);
            double last = net.lossSum(1);
            assertTrue(last < 0.7 * first, "loss went from " + first + " to " + last);
            net.close();
        }
    }
}
