package delta4j.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataTest {

    static Dataset ramp(int n) {
        float[][] x = new float[n][], y = new float[n][];
        for (int i = 0; i < n; i++) {
            x[i] = new float[]{i, 2 * i + 1, 5};
            y[i] = new float[]{i % 3};
        }
        return Dataset.of(x, y);
    }

    @Test
    void splitIsADisjointCoverWithTheRequestedFraction() {
        Dataset d = ramp(100);
        Dataset.Split s = d.split(0.2, 7);
        assertEquals(80, s.train().size());
        assertEquals(20, s.validation().size());
        Set<Float> seen = new HashSet<>();
        for (Dataset part : List.of(s.train(), s.validation())) {
            for (int i = 0; i < part.size(); i++) {
                assertTrue(seen.add(part.featureRow(i)[0]), "sample in both parts");
                assertEquals(part.featureRow(i)[0] % 3, part.targetRow(i)[0], "features and targets stay paired");
            }
        }
        assertEquals(100, seen.size());
        assertArrayEquals(s.validation().featureMatrix(), d.split(0.2, 7).validation().featureMatrix(), "same seed, same split");
    }

    @Test
    void standardizerCentresAndScalesAndLeavesConstantsAlone() {
        Dataset d = ramp(10);
        Standardizer s = Standardizer.fit(d);
        Dataset z = s.apply(d);
        for (int j = 0; j < 2; j++) {
            double mean = 0, sq = 0;
            for (int i = 0; i < 10; i++) {
                mean += z.featureRow(i)[j];
                sq += z.featureRow(i)[j] * z.featureRow(i)[j];
            }
            assertEquals(0, mean / 10, 1e-6);
            assertEquals(1, sq / 10, 1e-5);
        }
        assertEquals(1f, s.scale()[2], "a constant feature keeps scale 1");
        assertEquals(0f, z.featureRow(3)[2], "and is centred");
        assertThrows(IllegalArgumentException.class, () -> new Standardizer(new float[]{0}, new float[]{0}));
    }

    /**
     * Prices of 1e9 ± 64 (exact in float32): the one-pass Σt²/n − μ² would lose the spread to cancellation,
     * the two-pass fit gets σ exactly; standardising and undoing it gives the targets back.
     */
    @Test
    void targetStandardizerFitsFarFromZeroAndInvertsBackToTheTargets() {
        float[] x = new float[8], y = new float[16];
        for (int i = 0; i < 8; i++) {
            y[2 * i] = 1e9f + (i % 2 == 0 ? 64 : -64);
            y[2 * i + 1] = 7f; // a constant target: centred only
        }
        Dataset d = new Dataset(8, 1, 2, x, y);
        Standardizer s = Standardizer.fitTargets(d);
        assertArrayEquals(new float[] {1e9f, 7f}, s.mean());
        assertArrayEquals(new float[] {64f, 1f}, s.scale());
        Dataset z = s.applyToTargets(d);
        assertArrayEquals(x, z.featureMatrix(), "features untouched");
        for (int i = 0; i < 8; i++) {
            assertArrayEquals(new float[] {i % 2 == 0 ? 1f : -1f, 0f}, z.targetRow(i));
        }
        float[] back = z.targetMatrix();
        s.inverseInPlace(back);
        assertArrayEquals(y, back);
        assertThrows(IllegalArgumentException.class, () -> s.inverseInPlace(new float[3]));
        assertThrows(IllegalArgumentException.class, () -> s.applyToTargets(new Dataset(1, 1, 1, new float[1], new float[1])));
    }

    @Test
    void labelsOneHotAndOrderNumerically() {
        Labels l = Labels.fromColumn(List.of("10", "2", "2", "-1"));
        assertEquals(List.of("-1", "2", "10"), l.names());
        assertArrayEquals(new float[]{0, 1, 0, 0, 0, 1}, l.oneHot(List.of("2", "10")));
        Labels s = Labels.fromColumn(List.of("cat", "ant", "bee"));
        assertEquals(List.of("ant", "bee", "cat"), s.names());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.indexOf("dog"));
        assertTrue(e.getMessage().contains("dog"));
    }

    @Test
    void metrics() {
        float[] t = {1, 0, 0, 1, 1, 0};
        float[] y = {0.9f, 0.2f, 0.4f, 0.6f, 0.3f, 0.7f};
        assertEquals(2.0 / 3, Metrics.accuracy(y, t, 2), 1e-12);
        ConfusionMatrix c = Metrics.confusion(y, t, 2);
        assertArrayEquals(new long[]{1, 1}, c.counts()[0]);
        assertArrayEquals(new long[]{0, 1}, c.counts()[1]);
        assertEquals(0.5, c.recall(0));
        assertEquals(0.5, c.precision(1));
        float[] truth = {1, 2, 3, 4};
        assertEquals(1.0, Metrics.r2(truth, truth, 1), 1e-12);
        float[] mean = {2.5f, 2.5f, 2.5f, 2.5f};
        assertEquals(0.0, Metrics.r2(mean, truth, 1), 1e-12);
        assertEquals(1.25, Metrics.mse(mean, truth), 1e-12);
        assertTrue(Arrays.toString(c.format(null).split("\n")).contains("true"));
    }
}
