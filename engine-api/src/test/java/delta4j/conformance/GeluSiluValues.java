package delta4j.conformance;

import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.Tensor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * GELU and SiLU with their derivatives at 872 float inputs from −3.4e38 to 3.4e38, as PyTorch defines them,
 * computed in double precision and rounded once (delta4j/engine/reference/gelu-silu.csv, written by
 * engine-api/src/test/python/gelu_silu_fixture.py), and an engine's distance from them in ulps.
 */
public final class GeluSiluValues {

    /** Magnitudes below which accuracy is measured in absolute terms (ulps of this value). */
    public static final float FLOOR = 1e-30f;

    private GeluSiluValues() {
    }

    /** The rows {x, gelu(x), gelu'(x), silu(x), silu'(x)}. */
    public static List<float[]> rows() {
        try (InputStream in = GeluSiluValues.class.getResourceAsStream("/delta4j/engine/reference/gelu-silu.csv")) {
            if (in == null) {
                throw new IllegalStateException("gelu-silu.csv is missing from the test resources");
            }
            List<float[]> rows = new ArrayList<>();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.startsWith("#")) {
                    String[] f = line.split(",");
                    float[] row = new float[f.length];
                    for (int i = 0; i < f.length; i++) {
                        row[i] = Float.parseFloat(f[i]);
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The largest error of an engine's φ and φ' for {@link Activation#GELU} or {@link Activation#SILU} over the
     * rows, in ulps of the exact value (φ) and of the larger of φ' and its first term Φ(x) or σ(x) = φ(x)/x
     * (φ' crosses zero where its two terms cancel, and no float formula is relatively accurate there).
     * Values below {@value #FLOOR} in magnitude count in ulps of {@value #FLOOR}: an engine may flush what lies that
     * close to the end of the float range (SiLU of −89 is −2e-37, where e^89 overflows).
     *
     * @return {ulps of φ, ulps of φ', the x of the first, the x of the second}
     */
    public static double[] worstUlps(Engine e, Activation act) {
        return worstUlps(e, act, Float.POSITIVE_INFINITY);
    }

    /** {@link #worstUlps(Engine, Activation)} over the rows with |x| ≤ {@code maxAbsX}. */
    public static double[] worstUlps(Engine e, Activation act, float maxAbsX) {
        int col = switch (act) {
            case GELU -> 1;
            case SILU -> 3;
            default -> throw new IllegalArgumentException(act + " has no fixture");
        };
        List<float[]> rows = rows();
        int n = rows.size();
        float[] x = new float[n], ones = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rows.get(i)[0];
            ones[i] = 1f;
        }
        float[] phi, prime;
        try (Tensor z = e.tensor(1, n, x); Tensor b = e.allocate(1, n); Tensor a = e.allocate(1, n); Tensor g = e.tensor(1, n, ones);
             Tensor zin = e.tensor(1, n, x); Tensor d = e.allocate(1, n)) {
            e.biasActivation(z, b, act, a);
            phi = e.download(a);
            e.activationBackward(g, zin, a, act, d);
            prime = e.download(d);
        }
        double[] worst = new double[4];
        for (int i = 0; i < n; i++) {
            if (!(Math.abs(x[i]) <= maxAbsX)) {
                continue;
            }
            float[] row = rows.get(i);
            float wantPhi = row[col], wantPrime = row[col + 1];
            double firstTerm = x[i] == 0 ? 0.5 : Math.abs((double) wantPhi / x[i]);
            double ePhi = Math.abs((double) phi[i] - wantPhi) / Math.ulp(Math.max(Math.abs(wantPhi), FLOOR));
            double ePrime = Math.abs((double) prime[i] - wantPrime)
                    / Math.ulp((float) Math.max(Math.max(Math.abs(wantPrime), firstTerm), FLOOR));
            if (!(ePhi <= worst[0])) {
                worst[0] = Double.isNaN(ePhi) ? Double.POSITIVE_INFINITY : ePhi;
                worst[2] = x[i];
            }
            if (!(ePrime <= worst[1])) {
                worst[1] = Double.isNaN(ePrime) ? Double.POSITIVE_INFINITY : ePrime;
                worst[3] = x[i];
            }
        }
        return worst;
    }
}
