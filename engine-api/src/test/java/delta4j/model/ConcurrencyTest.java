package delta4j.model;

import delta4j.conformance.ConcurrentPredictions;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Concurrent predictions on one shared engine give exactly the sequential results. */
class ConcurrencyTest {

    @Test
    void concurrentPredictsOnOneEngineAgreeWithSequentialOnes() throws Exception {
        Mlp mlp = Mlp.builder(6).dense(40, Activation.RELU).dense(5, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).build();
        List<float[]> inputs = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 32; i++) {
            float[] x = new float[(1 + i % 7) * 6];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) rnd.nextDouble();
            }
            inputs.add(x);
        }
        try (Engine e = new ReferenceEngine()) {
            ConcurrentPredictions.assertAgreeWithSequential(mlp, e, inputs, 4, 8, "");
        }
    }
}
