package delta4j.cpu;

import delta4j.conformance.GeluSiluValues;
import delta4j.engine.Activation;
import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cpu engine's GELU (its own erfc: Elementwise.lowerTail) and SiLU against double-precision values of
 * PyTorch's definitions, over inputs from −3.4e38 to 3.4e38: within {@value #ULPS} ulps, tails included.
 */
class GeluSiluAccuracyTest {

    static final double ULPS = 8;

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"GELU", "SILU"})
    void withinAFewUlpsOfTheExactValues(Activation act) {
        try (Engine e = Engines.create("cpu", new EngineConfig(1, null))) {
            double[] w = GeluSiluValues.worstUlps(e, act);
            System.out.println(act + " cpu: φ within " + w[0] + " ulp (worst at x = " + w[2] + "), φ' within " + w[1]
                    + " ulp (x = " + w[3] + ")");
            assertTrue(w[0] <= ULPS && w[1] <= ULPS, act + ": " + Arrays.toString(w));
        }
    }
}
