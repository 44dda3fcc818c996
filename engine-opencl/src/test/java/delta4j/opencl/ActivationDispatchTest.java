package delta4j.opencl;

import delta4j.engine.Activation;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernels learn the activations from {@link Activation}: codes are {@link Activation#code()}, and an
 * activation that activation.cl does not implement fails the build instead of computing something else.
 */
class ActivationDispatchTest {

    @Test
    void everyActivationHasItsCodeAndEveryElementwiseOneItsFunctions() {
        String s = ActivationDispatch.source();
        for (Activation a : Activation.values()) {
            String name = a.id().toUpperCase(java.util.Locale.ROOT);
            assertTrue(s.contains("#define ACT_" + name + " " + a.code() + "\n"), s);
            assertEquals(a.isElementwise(), s.contains("case ACT_" + name + ": return phi_" + a.id() + "(z);"), s);
            assertEquals(a.isElementwise(), s.contains("case ACT_" + name + ": return phi_prime_" + a.id() + "(zin, a);"), s);
        }
    }

    @Test
    void anActivationWithoutItsFunctionsFailsTheBuild() {
        try (OpenClEngine e = OpenClTestSupport.engine()) {
            String kernels = OpenClEngine.source(OpenClEngine.ELEMENTWISE_SOURCES);
            e.build("the element-wise kernels", ActivationDispatch.source() + kernels, "-DRWG=64");
            // An activation added to the enum but not to activation.cl: the generated case calls a function nobody wrote.
            String unknown = ActivationDispatch.source()
                    .replace("#define PHI_CASES(z)", "#define ACT_NEW_ONE 200\n#define PHI_CASES(z) case ACT_NEW_ONE: return phi_new_one(z);");
            assertFalse(unknown.equals(ActivationDispatch.source()));
            OpenClException ex = assertThrows(OpenClException.class, () -> e.build("the element-wise kernels", unknown + kernels, "-DRWG=64"));
            assertTrue(ex.getMessage().contains("phi_new_one"), "the build log should name the missing function: " + ex.getMessage());
        }
    }
}
