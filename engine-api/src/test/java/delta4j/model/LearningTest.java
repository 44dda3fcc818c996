package delta4j.model;

import delta4j.data.Dataset;
import delta4j.data.Metrics;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer learns what it should, on the reference engine. */
class LearningTest {

    /**
     * "Think line fitting": gradient descent on a linear model (no hidden layer, identity output, MSE)
     * converges to the least-squares solution of the normal equations (XᵀX)β = Xᵀy.
     */
    @Test
    void gradientDescentOnALinearModelReachesTheNormalEquationsSolution() {
        SplittableRandom rnd = new SplittableRandom(1);
        int n = 64, f = 3;
        float[] x = new float[n * f], y = new float[n];
        double[] beta = {1.5, -2.0, 0.75}, intercept = {0.3};
        for (int i = 0; i < n; i++) {
            double s = intercept[0];
            for (int j = 0; j < f; j++) {
                x[i * f + j] = (float) (rnd.nextDouble() * 2 - 1);
                s += beta[j] * x[i * f + j];
            }
            y[i] = (float) (s + 0.1 * (rnd.nextDouble() - 0.5)); // noise: the fit is not exact
        }
        // Closed form with an intercept column, in double.
        double[][] ata = new double[f + 1][f + 1];
        double[] aty = new double[f + 1];
        for (int i = 0; i < n; i++) {
            double[] row = {x[i * f], x[i * f + 1], x[i * f + 2], 1};
            for (int p = 0; p <= f; p++) {
                aty[p] += row[p] * y[i];
                for (int q = 0; q <= f; q++) {
                    ata[p][q] += row[p] * row[q];
                }
            }
        }
        double[] solution = solve(ata, aty);

        // On the raw targets the weights are β; on standardised targets t' = (t − μ)/σ they are β/σ and (intercept − μ)/σ.
        for (boolean standardised : new boolean[] {false, true}) {
            Mlp mlp = Mlp.builder(f).dense(1, Activation.IDENTITY).loss(Loss.MSE).seed(5).build();
            try (Engine e = new ReferenceEngine()) {
                TrainingResult r = new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.sgd(0.5f)).standardizeTargets(standardised)
                        .batchSize(n).maxEpochs(5000).lossTolerance(1e-13).shuffle(false).build())
                        .fit(mlp, new Dataset(n, f, 1, x, y));
                assertTrue(r.epochs() > 10, "should have taken more than a few steps");
            }
            double mu = standardised ? mlp.targetStandardizer().mean()[0] : 0, sigma = standardised ? mlp.targetStandardizer().scale()[0] : 1;
            float[] w = mlp.weights(0);
            for (int j = 0; j < f; j++) {
                assertEquals(solution[j], w[j] * sigma, 1e-4, "β_" + j + (standardised ? " (standardised targets)" : ""));
            }
            assertEquals(solution[f], mlp.biases(0)[0] * sigma + mu, 1e-4, "intercept" + (standardised ? " (standardised targets)" : ""));
        }
    }

    /** Gaussian elimination with partial pivoting. */
    static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = java.util.Arrays.copyOf(a[i], n + 1);
            m[i][n] = b[i];
        }
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[p][c])) {
                    p = r;
                }
            }
            double[] tmp = m[c];
            m[c] = m[p];
            m[p] = tmp;
            for (int r = 0; r < n; r++) {
                if (r != c) {
                    double factor = m[r][c] / m[c][c];
                    for (int k = c; k <= n; k++) {
                        m[r][k] -= factor * m[c][k];
                    }
                }
            }
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = m[i][n] / m[i][i];
        }
        return out;
    }

    @Test
    void xorIsLearned() {
        float[][] x = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
        float[][] t = {{0}, {1}, {1}, {0}};
        Mlp mlp = Mlp.builder(2).dense(8, Activation.TANH).dense(1, Activation.SIGMOID).seed(3).build();
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.adam(0.05f)).batchSize(4).maxEpochs(1500).build())
                    .fit(mlp, Dataset.of(x, t));
            float[][] y = mlp.predict(e, x);
            for (int i = 0; i < 4; i++) {
                assertEquals(t[i][0], y[i][0], 0.2, "XOR" + java.util.Arrays.toString(x[i]));
            }
        }
    }

    static Mlp regressionNet(long seed) {
        return Mlp.builder(3).dense(32, Activation.TANH).dense(32, Activation.TANH).dense(2, Activation.IDENTITY).seed(seed).build();
    }

    static TrainingConfig regressionConfig(long seed) {
        return TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).schedule(LearningRateSchedule.cosine(0.05f))
                .batchSize(32).maxEpochs(120).seed(seed).build();
    }

    @Test
    void smoothNonlinearRegressionReachesRSquared099OnHeldOutPoints() {
        Dataset train = TrainingFixtures.smoothRegression(2000, 11), test = TrainingFixtures.smoothRegression(500, 12);
        Mlp mlp = regressionNet(1);
        try (Engine e = new ReferenceEngine()) {
            new Trainer(e, regressionConfig(1)).fit(mlp, train);
            float[] y = mlp.predict(e, test.featureMatrix());
            double r2 = Metrics.r2(y, test.targetMatrix(), 2);
            assertTrue(r2 >= 0.99, "held-out R² = " + r2);
        }
    }

    @Test
    void twoRunsWithTheSameSeedGiveBitIdenticalWeights() {
        Dataset train = TrainingFixtures.smoothRegression(300, 21);
        Mlp a = regressionNet(9), b = regressionNet(9);
        TrainingConfig cfg = TrainingConfig.builder().optimizer(Optimizer.adam(0.01f)).batchSize(16).maxEpochs(5)
                .validationFraction(0.2).seed(4).build();
        try (Engine e1 = new ReferenceEngine(); Engine e2 = new ReferenceEngine()) {
            new Trainer(e1, cfg).fit(a, train);
            new Trainer(e2, cfg).fit(b, train);
        }
        for (int l = 0; l < a.depth(); l++) {
            assertArrayEquals(a.weights(l), b.weights(l), "W[" + l + "] must be bit-identical");
            assertArrayEquals(a.biases(l), b.biases(l), "b[" + l + "] must be bit-identical");
        }
    }
}
