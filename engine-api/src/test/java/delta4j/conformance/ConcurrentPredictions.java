package delta4j.conformance;

import delta4j.engine.Engine;
import delta4j.model.Mlp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The check behind every "concurrent use of one engine" test: predictions submitted from many threads at once
 * give exactly the bits of the same predictions made one after another.
 */
public final class ConcurrentPredictions {

    private ConcurrentPredictions() {
    }

    /**
     * Predicts every input once in sequence, then {@code rounds} times each from a pool of {@code threads}
     * threads, and asserts every concurrent result equals its sequential one bit for bit.
     */
    public static void assertAgreeWithSequential(Mlp mlp, Engine engine, List<float[]> inputs, int rounds, int threads,
                                                 String label) throws Exception {
        List<float[]> sequential = new ArrayList<>();
        for (float[] x : inputs) {
            sequential.add(mlp.predict(engine, x));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                for (float[] x : inputs) {
                    futures.add(pool.submit(() -> mlp.predict(engine, x)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                assertArrayEquals(sequential.get(i % inputs.size()), futures.get(i).get(), label + "prediction " + i);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
