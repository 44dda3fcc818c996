package delta4j.model;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The lecture's network, 3 inputs → 3 hidden (sigmoid) → 2 outputs (sigmoid), with fixed weights, biases,
 * x and t. The expected gradients are written out with the lecture's per-element formulas, in double,
 * independently of the engine's matrix form.
 */
class LectureExampleTest {

    static final double[] X = {1.0, -2.0, 0.5};
    static final double[] T = {0.9, 0.1};
    // W1[j][k] joins input j to hidden unit k; W2[j][k] joins hidden unit j to output k.
    static final double[][] W1 = {{0.1, -0.2, 0.3}, {0.4, 0.5, -0.6}, {-0.7, 0.8, 0.9}};
    static final double[] B1 = {0.01, -0.02, 0.03};
    static final double[][] W2 = {{0.2, -0.3}, {-0.4, 0.5}, {0.6, 0.7}};
    static final double[] B2 = {-0.05, 0.05};

    static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    static double sigmoidPrime(double v) {
        return sigmoid(v) * (1 - sigmoid(v));
    }

    @Test
    void gradientsMatchTheLecturesFormulas() {
        // Forward, element by element: z_in_k = b_k + Σ_j x_j W_jk, z_k = φ1(z_in_k); y likewise.
        double[] zIn = preActivation(X, W1, B1), z = new double[3];
        for (int k = 0; k < 3; k++) {
            z[k] = sigmoid(zIn[k]);
        }
        double[] yIn = preActivation(z, W2, B2), y = new double[2];
        for (int k = 0; k < 2; k++) {
            y[k] = sigmoid(yIn[k]);
        }
        // δ_k^(2) = (y_k − t_k) φ2'(y_in_k)
        double[] delta2 = new double[2];
        for (int k = 0; k < 2; k++) {
            delta2[k] = (y[k] - T[k]) * sigmoidPrime(yIn[k]);
        }
        // ∂E/∂W_jk^(2) = δ_k^(2) z_j
        double[][] dW2 = weightGradient(delta2, z);
        // δ_k^(1) = (Σ_m δ_m^(2) W_km^(2)) φ1'(z_in_k)
        double[] delta1 = new double[3];
        for (int k = 0; k < 3; k++) {
            double back = 0;
            for (int m = 0; m < 2; m++) {
                back += delta2[m] * W2[k][m];
            }
            delta1[k] = back * sigmoidPrime(zIn[k]);
        }
        // ∂E/∂W_jk^(1) = δ_k^(1) x_j ;  ∂E/∂b = δ
        double[][] dW1 = weightGradient(delta1, X);
        double loss = 0.5 * ((y[0] - T[0]) * (y[0] - T[0]) + (y[1] - T[1]) * (y[1] - T[1]));

        try (Engine e = new ReferenceEngine(); Network net = lectureNet().bind(e); Tensor lossOut = e.allocate(1, 1)) {
            Network.Workspace ws = forwardAndBackward(net, lossOut);
            assertEquals(loss, e.download(lossOut)[0], 1e-6, "E = ½‖t − y‖²");
            float[] y32 = e.download(ws.output());
            assertEquals(y[0], y32[0], 1e-6);
            assertEquals(y[1], y32[1], 1e-6);
            assertMatrix(dW2, e.download(net.weightGradient(1)), "∂E/∂W(2)");
            assertMatrix(new double[][]{delta2}, e.download(net.biasGradient(1)), "∂E/∂b(2) = δ(2)");
            assertMatrix(dW1, e.download(net.weightGradient(0)), "∂E/∂W(1)");
            assertMatrix(new double[][]{delta1}, e.download(net.biasGradient(0)), "∂E/∂b(1) = δ(1)");
        }
    }

    @Test
    void oneGradientDescentStepIsThetaMinusEtaGradient() {
        double eta = 0.5;
        Mlp mlp = lectureNet();
        float[] w2Before = mlp.weights(1);
        try (Engine e = new ReferenceEngine()) {
            float[] grad;
            try (Network net = mlp.copy().bind(e); Tensor lossOut = e.allocate(1, 1)) {
                forwardAndBackward(net, lossOut);
                grad = e.download(net.weightGradient(1));
            }
            var data = new delta4j.data.Dataset(1, 3, 2, f(X), f(T));
            new Trainer(e, TrainingConfig.builder().optimizer(Optimizer.sgd((float) eta)).batchSize(1).maxEpochs(1).build())
                    .fit(mlp, data);
            float[] w2After = mlp.weights(1);
            for (int i = 0; i < grad.length; i++) {
                assertEquals(w2Before[i] - eta * grad[i], w2After[i], 1e-6, "θ ← θ − η∇E at W(2) element " + i);
            }
        }
    }

    /** z_in_k = b_k + Σ_j in_j W_jk, element by element. */
    static double[] preActivation(double[] in, double[][] w, double[] b) {
        double[] zIn = new double[b.length];
        for (int k = 0; k < b.length; k++) {
            zIn[k] = b[k];
            for (int j = 0; j < in.length; j++) {
                zIn[k] += in[j] * w[j][k];
            }
        }
        return zIn;
    }

    /** ∂E/∂W_jk = δ_k in_j, element by element. */
    static double[][] weightGradient(double[] delta, double[] in) {
        double[][] dW = new double[in.length][delta.length];
        for (int j = 0; j < in.length; j++) {
            for (int k = 0; k < delta.length; k++) {
                dW[j][k] = delta[k] * in[j];
            }
        }
        return dW;
    }

    /** {@return the workspace of the network's forward and backward pass on x and t, the loss summed into {@code lossOut}} */
    static Network.Workspace forwardAndBackward(Network net, Tensor lossOut) {
        Network.Workspace ws = net.workspace(1);
        System.arraycopy(f(X), 0, ws.hostInput(), 0, 3);
        System.arraycopy(f(T), 0, ws.hostTarget(), 0, 2);
        net.upload(ws, true);
        net.forward(ws);
        net.backward(ws, lossOut, 0, 1f);
        return ws;
    }

    static Mlp lectureNet() {
        return Mlp.of(new int[]{3, 3, 2}, new Activation[]{Activation.SIGMOID, Activation.SIGMOID}, Loss.MSE,
                new float[][]{flat(W1), flat(W2)}, new float[][]{f(B1), f(B2)});
    }

    static float[] flat(double[][] m) {
        float[] out = new float[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                out[i * m[0].length + j] = (float) m[i][j];
            }
        }
        return out;
    }

    static float[] f(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    static void assertMatrix(double[][] want, float[] got, String what) {
        float[] w = flat(want);
        for (int i = 0; i < w.length; i++) {
            assertEquals(w[i], got[i], 1e-6 + 1e-5 * Math.abs(w[i]), what + " element " + i);
        }
    }
}
