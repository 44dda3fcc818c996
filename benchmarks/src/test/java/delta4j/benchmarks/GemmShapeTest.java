package delta4j.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GemmShapeTest {

    @Test
    void parsesTheParameterForm() {
        GemmShape s = GemmShape.parse("tn:784x256x512");
        assertEquals(new GemmShape(true, false, 784, 256, 512), s);
        assertEquals(784, s.aCols());
        assertEquals(256, s.aRows());
        assertEquals(2.0 * 784 * 256 * 512, s.flops());
        assertEquals("tn:784x256x512", s.id());
        assertEquals("1024²", GemmShape.parse("nn:1024x1024x1024").label());
        assertThrows(IllegalArgumentException.class, () -> GemmShape.parse("1024"));
    }

    @Test
    void netShapeCountsTheBackpropProducts() {
        NetShape n = NetShape.parse("784-256-128-10@128");
        assertEquals(2.0 * 128 * (784 * 256 + 256 * 128 + 128 * 10), n.forwardFlops());
        // gradients for all three layers, δ propagation into the two hidden layers only
        assertEquals(2.0 * 128 * (784 * 256 + 2 * 256 * 128 + 2 * 128 * 10), n.backwardFlops());
        assertEquals("784-256-128-10@128", n.id());
    }

    /** The VectorBLAS peer computes the row-major product by swapping operands; check all four transpose cases. */
    @Test
    void netlibPeerComputesTheRowMajorProduct() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (String shape : new String[]{"nn:5x3x7", "nt:5x3x7", "tn:5x3x7", "tt:5x3x7"}) {
            GemmShape s = GemmShape.parse(shape);
            float[] a = SgemmBenchmark.random(rnd, s.aRows() * s.aCols());
            float[] b = SgemmBenchmark.random(rnd, s.bRows() * s.bCols());
            float[] expected = new float[s.m() * s.n()];
            for (int i = 0; i < s.m(); i++) {
                for (int j = 0; j < s.n(); j++) {
                    double sum = 0;
                    for (int p = 0; p < s.k(); p++) {
                        float aip = s.transA() ? a[p * s.aCols() + i] : a[i * s.aCols() + p];
                        float bpj = s.transB() ? b[j * s.bCols() + p] : b[p * s.bCols() + j];
                        sum += aip * bpj;
                    }
                    expected[i * s.n() + j] = (float) sum;
                }
            }
            float[] c = new float[s.m() * s.n()];
            SgemmBenchmark.netlib(s, a, b, c).run();
            assertArrayEquals(expected, c, 1e-5f, shape);
        }
    }
}
