package delta4j.opencl;

import delta4j.conformance.GeluSiluValues;
import delta4j.engine.Activation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenCL engine's GELU (OpenCL C's erfc, with the rounding of its argument corrected) and SiLU against
 * double-precision values of PyTorch's definitions, over inputs from −3.4e38 to 3.4e38, on the configured
 * device: within {@value #ULPS} ulps, what OpenCL C's full profile leaves room for (erfc may be 16 ulps off,
 * exp 3) with the few roundings around them.
 */
class GeluSiluAccuracyTest {

    static final double ULPS = 32;

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"GELU", "SILU"})
    void withinTheUlpsOpenClAllows(Activation act) {
        try (OpenClEngine e = OpenClTestSupport.engine()) {
            double[] w = GeluSiluValues.worstUlps(e, act);
            System.out.println(act + " opencl (" + e.device() + "): φ within " + w[0] + " ulp (worst at x = " + w[2] + "), φ' within "
                    + w[1] + " ulp (x = " + w[3] + ")");
            assertTrue(w[0] <= ULPS && w[1] <= ULPS, act + ": " + Arrays.toString(w));
        }
    }
}
