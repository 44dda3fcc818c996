package delta4j.model;

import delta4j.data.Dataset;
import delta4j.data.Standardizer;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static delta4j.conformance.AllocatedBytes.allocatedBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The reusable predictor: the one-shot predictions bit for bit, on any batch size; a snapshot of the model; safe
 * from several threads; no allocation per call in steady state; and, on an engine of its own, predictions that
 * go on while another engine trains.
 */
class PredictorTest {

    private static Mlp classifier() {
        Mlp mlp = Mlp.builder(5).dense(9, Activation.TANH).dense(7, Activation.RELU).dense(4, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(11).build();
        mlp.setStandardizer(new Standardizer(new float[]{0.5f, -1, 2, 0, 3}, new float[]{2, 0.5f, 1, 4, 0.25f}));
        return mlp;
    }

    private static float[] random(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextDouble() * 4 - 2);
        }
        return x;
    }

    @Test
    void givesTheOneShotPredictionsBitForBitOnAnyBatchSize() {
        Mlp mlp = classifier();
        try (Engine e = new ReferenceEngine(); Predictor p = mlp.predictor(e)) {
            // More sizes than it keeps work tensors for, repeated, and one past a chunk (4096 rows).
            for (int rows : new int[]{1, 2, 17, 300, 1, 33, 5, 2, 4097, 1, 17}) {
                float[] x = random(rows, rows * 5);
                float[] out = new float[rows * 4];
                p.predict(x, out);
                assertArrayEquals(mlp.predict(e, x), out, rows + " rows");
                assertArrayEquals(mlp.predict(e, x), p.predict(x), rows + " rows, allocating form");
            }
            float[][] rows = {{1, 2, 3, 4, 5}, {-1, 0, 1, 0, -1}};
            assertArrayEquals(mlp.predict(e, rows), p.predict(rows));
        }
    }

    @Test
    void bytesGiveThePredictionsOfTheirFloatsBitForBit() {
        Mlp plain = Mlp.builder(5).dense(9, Activation.TANH).dense(4, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(5).build();
        // The classifier has a standardizer: its chunks are converted on the host, standardised and uploaded; the plain
        // model's go straight from the bytes into the engine.
        for (Mlp mlp : List.of(plain, classifier())) {
            try (Engine e = new ReferenceEngine(); Predictor p = mlp.predictor(e)) {
                for (int rows : new int[]{1, 17, 4097, 3}) {
                    byte[] b = new byte[rows * 5];
                    new SplittableRandom(rows).nextBytes(b);
                    for (float divisor : new float[]{255f, 7.5f}) {
                        float[] x = new float[b.length];
                        for (int i = 0; i < b.length; i++) {
                            x[i] = (b[i] & 0xff) / divisor;
                        }
                        float[] out = new float[rows * 4];
                        p.predict(b, divisor, out);
                        assertArrayEquals(p.predict(x), out, rows + " rows, divisor " + divisor);
                    }
                }
            }
        }
    }

    @Test
    void aPredictionMakesNoTensorsOfTheBackwardPass() {
        Mlp plain = Mlp.builder(5).dense(9, Activation.TANH).dense(4, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(5).build();
        try (ReferenceEngine e = new ReferenceEngine(); Network net = plain.bind(e)) {
            int before = e.liveTensors();
            net.predict(random(3, 6 * 5));
            Network.Workspace ws = net.workspace(6);
            assertEquals(null, ws.delta, "a workspace that only predicted has no Δ");
            // tanh's φ' is taken from A, so the hidden layer computes A in place over Zin (Activation.derivativeFromOutput)
            assertEquals(before + 2 + 1 + 2, e.liveTensors(), "X, T, the hidden layer's Zin = A, the output layer's Zin and A");
            // Training on the same workspace makes them, once.
            System.arraycopy(random(4, 6 * 5), 0, ws.hostInput(), 0, 6 * 5);
            for (int r = 0; r < 6; r++) {
                ws.hostTarget()[r * 4 + r % 4] = 1;
            }
            net.upload(ws, true);
            try (delta4j.engine.Tensor loss = net.allocate(1, 1)) {
                net.forward(ws);
                net.backward(ws, loss, 0, 1f / 6);
                Object[] made = ws.delta;
                net.forward(ws);
                net.backward(ws, loss, 0, 1f / 6);
                assertEquals(2, ws.delta.length);
                assertTrue(made == ws.delta, "Δ made once");
            }
        }
    }

    @Test
    void givesTheOneShotPredictionsOfATrainedRegressionModel() {
        // Whatever training stores in the model for prediction (a standardizer, any transform of the outputs), the
        // predictor must apply it exactly as the one-shot predict does.
        Dataset data = TrainingFixtures.smoothRegression(200, 8);
        Mlp mlp = LearningTest.regressionNet(8);
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, TrainingConfig.builder().standardize(true).maxEpochs(3).build()).fit(mlp, data);
            try (Predictor p = mlp.predictor(e)) {
                float[] x = data.featureMatrix();
                assertArrayEquals(mlp.predict(e, x), p.predict(x));
            }
        }
    }

    @Test
    void servesTheModelAsItWasWhenMade() {
        Mlp mlp = classifier();
        float[] x = random(1, 3 * 5);
        try (Engine e = new ReferenceEngine(); Predictor p = mlp.predictor(e)) {
            float[] before = mlp.predict(e, x);
            mlp.setParameters(0, new float[5 * 9], new float[9]);
            mlp.setStandardizer(null);
            assertFalse(java.util.Arrays.equals(before, mlp.predict(e, x)), "the model did change");
            assertArrayEquals(before, p.predict(x));
        }
    }

    @Test
    void badCallsSayWhatWasWrong() {
        Mlp mlp = classifier();
        try (Engine e = new ReferenceEngine()) {
            Predictor p = mlp.predictor(e);
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> p.predict(new float[10], new float[7]));
            assertTrue(ex.getMessage().contains("holds 7 floats") && ex.getMessage().contains("need 8"), ex.getMessage());
            ex = assertThrows(IllegalArgumentException.class, () -> p.predict(new float[7]));
            assertTrue(ex.getMessage().contains("5 inputs"), ex.getMessage());
            float[] nan = new float[5];
            nan[3] = Float.NaN;
            ex = assertThrows(IllegalArgumentException.class, () -> p.predict(nan));
            assertTrue(ex.getMessage().contains("NaN") && ex.getMessage().contains("column 3"), ex.getMessage());
            ex = assertThrows(IllegalArgumentException.class, () -> p.predict(new byte[7], 255f, new float[4]));
            assertTrue(ex.getMessage().contains("7 feature bytes") && ex.getMessage().contains("5 inputs"), ex.getMessage());
            ex = assertThrows(IllegalArgumentException.class, () -> p.predict(new byte[10], 0f, new float[8]));
            assertTrue(ex.getMessage().contains("divisor"), ex.getMessage());
            ex = assertThrows(IllegalArgumentException.class, () -> p.predict(new byte[10], 255f, new float[7]));
            assertTrue(ex.getMessage().contains("holds 7 floats") && ex.getMessage().contains("need 8"), ex.getMessage());
            p.close();
            p.close();
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> p.predict(new float[5]));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
            closed = assertThrows(IllegalStateException.class, () -> p.predict(new byte[5], 255f, new float[4]));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
            assertEquals(0, ((ReferenceEngine) e).liveTensors(), "closing frees every tensor it made");
        }
    }

    @Test
    void callsFromManyThreadsGiveTheSequentialResults() throws Exception {
        Mlp mlp = classifier();
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            inputs.add(random(100 + i, (1 + i % 6) * 5));
        }
        try (Engine e = new ReferenceEngine(); Predictor p = mlp.predictor(e)) {
            List<float[]> sequential = new ArrayList<>();
            for (float[] x : inputs) {
                sequential.add(p.predict(x));
            }
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<float[]>> futures = new ArrayList<>();
                for (int round = 0; round < 4; round++) {
                    for (float[] x : inputs) {
                        futures.add(pool.submit(() -> {
                            float[] out = new float[x.length / 5 * 4];
                            p.predict(x, out);
                            return out;
                        }));
                    }
                }
                for (int i = 0; i < futures.size(); i++) {
                    assertArrayEquals(sequential.get(i % inputs.size()), futures.get(i).get(), "prediction " + i);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Allocated bytes per call that count as none: the allocation counter itself allocates a little. */
    private static final double MAX_BYTES_PER_CALL = 16;

    @Test
    void aCallAllocatesNothingOnceItsBatchSizeWasSeen() {
        Mlp mlp = classifier();
        float[] one = random(1, 5), batch = random(2, 256 * 5);
        float[] outOne = new float[4], outBatch = new float[256 * 4];
        int callsPerRound = 400;
        long start = System.nanoTime();
        try (Engine e = new ReferenceEngine(); Predictor p = mlp.predictor(e)) {
            while (true) {
                long before = allocatedBytes();
                for (int i = 0; i < callsPerRound; i++) {
                    p.predict(one, outOne);
                    p.predict(batch, outBatch);
                }
                double perCall = (double) (allocatedBytes() - before) / (2 * callsPerRound);
                if (perCall < MAX_BYTES_PER_CALL) {
                    return;
                }
                if (System.nanoTime() - start > 120_000_000_000L) {
                    fail(String.format(Locale.ROOT, "a prediction still allocates %.0f bytes per call", perCall));
                }
            }
        }
    }

    @Test
    void onAnEngineOfItsOwnPredictionsFlowWhileAnotherEngineTrains() throws Exception {
        Dataset data = TrainingFixtures.smoothRegression(400, 3);
        Mlp training = Mlp.builder(3).dense(32, Activation.TANH).dense(2, Activation.IDENTITY).seed(4).build();
        Mlp serving = training.copy();
        float[] row = {0.1f, -0.2f, 0.3f};
        float[] expected;
        try (Engine trainEngine = new ReferenceEngine(); Engine serveEngine = new ReferenceEngine();
             Predictor live = serving.predictor(serveEngine); Predictor sameEngine = serving.predictor(trainEngine)) {
            expected = live.predict(row);
            AtomicInteger served = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch enoughServed = new CountDownLatch(50);
            Thread server = new Thread(() -> {
                float[] out = new float[2];
                try {
                    while (!stop.get()) {
                        live.predict(row, out);
                        assertArrayEquals(expected, out);
                        served.incrementAndGet();
                        enoughServed.countDown();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                    while (enoughServed.getCount() > 0) {
                        enoughServed.countDown();
                    }
                }
            });
            AtomicBoolean sameEngineDone = new AtomicBoolean();
            Thread waiter = new Thread(() -> {
                sameEngine.predict(row);
                sameEngineDone.set(true);
            });
            AtomicBoolean flowedDuringTraining = new AtomicBoolean();
            AtomicBoolean sameEngineWaited = new AtomicBoolean();
            TrainingListener holdFirstBatch = new TrainingListener() {
                @Override
                public void onBatch(int epoch, int step, int steps, long samplesSeen) {
                    if (epoch == 1 && step == 1) {
                        // Training holds its engine here, mid-run: the server must get its 50 predictions through meanwhile.
                        waiter.start();
                        server.start();
                        try {
                            flowedDuringTraining.set(enoughServed.await(120, TimeUnit.SECONDS));
                        } catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                        }
                        sameEngineWaited.set(!sameEngineDone.get());
                    }
                }
            };
            new Trainer(trainEngine, TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(16).maxEpochs(2)
                    .listener(holdFirstBatch).build()).fit(training, data);
            stop.set(true);
            server.join();
            waiter.join();
            if (failure.get() != null) {
                throw new AssertionError("a served prediction failed", failure.get());
            }
            assertTrue(flowedDuringTraining.get(), "predictions on their own engine went on while the other engine trained ("
                    + served.get() + " served)");
            assertTrue(sameEngineWaited.get(), "a predictor on the training engine waits for the run to end");
            assertTrue(sameEngineDone.get());
        }
        assertFalse(java.util.Arrays.equals(serving.weights(0), training.weights(0)), "training did change the trained copy");
    }
}
