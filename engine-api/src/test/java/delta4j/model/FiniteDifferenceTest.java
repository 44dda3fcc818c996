package delta4j.model;

import delta4j.conformance.LayerGradientKit;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Loss;
import delta4j.engine.Tensor;
import delta4j.engine.reference.ReferenceEngine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Backpropagation against double-precision central differences of the mean loss, computed on an
 * independent copy of the math (plain double loops, no engine), for nets of depth 1 to 4, every
 * activation (each element-wise one as a hidden and as an output activation) and both losses.
 *
 * <p>Tolerance: |g − g_fd| ≤ 2e-3·|g_fd| + 2e-5. The engine works in float32 (relative round-off about
 * 1e-6 per operation, compounded over a few layers), the differences in double with h = 1e-5 (truncation
 * about h² ≈ 1e-10); a wrong formula misses by O(|g|).
 */
class FiniteDifferenceTest {

    static Stream<Arguments> nets() {
        List<Arguments> out = new ArrayList<>();
        Activation[] hidden = Arrays.stream(Activation.values()).filter(Activation::isElementwise).toArray(Activation[]::new);
        for (int depth = 1; depth <= 4; depth++) {
            for (Activation h : hidden) {
                // MSE with an element-wise output (cycled so each activation is an output somewhere), and softmax CE.
                out.add(Arguments.of(depth, h, hidden[(depth + h.ordinal()) % hidden.length], Loss.MSE));
                out.add(Arguments.of(depth, h, Activation.SOFTMAX, Loss.SOFTMAX_CROSS_ENTROPY));
            }
        }
        for (Activation o : hidden) {
            out.add(Arguments.of(2, Activation.TANH, o, Loss.MSE));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "depth {0}, hidden {1}, output {2}, {3}")
    @MethodSource("nets")
    void gradientsMatchCentralDifferences(int depth, Activation hidden, Activation output, Loss loss) {
        SplittableRandom rnd = new SplittableRandom(depth * 31L + hidden.ordinal() * 7L + output.ordinal());
        Mlp mlp = LayerGradientKit.randomNet(depth, hidden, Normalization.NONE, 0f, loss, Float.NaN, output, depth, rnd);
        int[] sizes = mlp.sizes();
        int n = 6;
        double[] x = new double[n * sizes[0]], t = new double[n * sizes[depth]];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextDouble() * 2 - 1;
        }
        for (int i = 0; i < n; i++) {
            if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
                t[i * sizes[depth] + rnd.nextInt(sizes[depth])] = 1;
            } else {
                for (int k = 0; k < sizes[depth]; k++) {
                    t[i * sizes[depth] + k] = rnd.nextDouble() - 0.5;
                }
            }
        }

        float[][] gw = new float[depth][], gb = new float[depth][];
        try (Engine e = new ReferenceEngine(); Network net = mlp.bind(e); Tensor lossOut = e.allocate(1, 1)) {
            Network.Workspace ws = LayerGradientKit.upload(net, n, x, t);
            net.forward(ws);
            net.backward(ws, lossOut, 0, 1f / n);
            for (int l = 0; l < depth; l++) {
                gw[l] = e.download(net.weightGradient(l));
                gb[l] = e.download(net.biasGradient(l));
            }
        }

        double[][] w = new double[depth][], bb = new double[depth][];
        for (int l = 0; l < depth; l++) {
            w[l] = LayerGradientKit.toDouble(mlp.weights(l));
            bb[l] = LayerGradientKit.toDouble(mlp.biases(l));
        }
        double h = 1e-5;
        for (int l = 0; l < depth; l++) {
            for (double[][] params : new double[][][]{w, bb}) {
                float[] engineGrad = params == w ? gw[l] : gb[l];
                for (int p = 0; p < params[l].length; p++) {
                    double keep = params[l][p];
                    params[l][p] = keep + h;
                    double up = meanLoss(sizes, mlp, w, bb, x, t, n);
                    params[l][p] = keep - h;
                    double down = meanLoss(sizes, mlp, w, bb, x, t, n);
                    params[l][p] = keep;
                    double fd = (up - down) / (2 * h);
                    if (Math.abs(engineGrad[p] - fd) > 2e-3 * Math.abs(fd) + 2e-5) {
                        fail((params == w ? "dW[" : "db[") + l + "][" + p + "] = " + engineGrad[p] + ", central difference " + fd);
                    }
                }
            }
        }
    }

    /** E = 1/N Σ_i loss_i in double: the same math as the engine, written independently. */
    static double meanLoss(int[] sizes, Mlp mlp, double[][] w, double[][] b, double[] x, double[] t, int n) {
        int depth = sizes.length - 1;
        double total = 0;
        for (int i = 0; i < n; i++) {
            double[] a = new double[sizes[0]];
            System.arraycopy(x, i * sizes[0], a, 0, sizes[0]);
            double[] z = null;
            for (int l = 0; l < depth; l++) {
                int in = sizes[l], out = sizes[l + 1];
                z = new double[out];
                for (int k = 0; k < out; k++) {
                    z[k] = b[l][k];
                    for (int j = 0; j < in; j++) {
                        z[k] += a[j] * w[l][j * out + k];
                    }
                }
                a = LayerGradientKit.phi(mlp.activation(l), z);
            }
            int k = sizes[depth];
            for (int c = 0; c < k; c++) {
                double tc = t[i * k + c];
                if (mlp.loss() == Loss.MSE) {
                    total += 0.5 * (a[c] - tc) * (a[c] - tc);
                } else if (tc != 0) {
                    total -= tc * Math.log(a[c]);
                }
            }
        }
        return total / n;
    }
}
