package delta4j.cpu;

import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every species of the engine, and every vector, mask and shuffle constant, has one vector shape: {@link Simd#F}'s.
 * The Vector API's shared methods (FloatVector's templates, AbstractVector's checks) are compiled into every kernel;
 * where two shapes of one element type meet at such a bytecode, C2's code of one kernel speculates on one class and
 * deoptimises on the other, and after a few traps there ({@code PerBytecodeTrapLimit}) C2 stops speculating at that
 * bytecode for the rest of the JVM's life: every kernel compiled after that boxed its vectors. Dropout's 256-bit floats
 * beside the 512-bit ones of the other kernels did that in some runs of SteadyStateAllocationTest, depending on the
 * order of the compilations and their traps. The GEMM's width can still be overridden for tuning
 * ({@code -Ddelta4j.cpu.gemm.vectorBits}, engine-cpu/README.md), which mixes the shapes again.
 */
class SpeciesTest {

    @Test
    void everySpeciesAndVectorConstantHasTheEnginesShape() throws Exception {
        Object shape = Simd.F.vectorShape();
        List<String> classes = VectorSignatureTest.engineClasses();
        List<String> checked = new ArrayList<>();
        List<String> offenders = new ArrayList<>();
        for (String name : classes) {
            Class<?> c = Class.forName(name, true, CpuEngine.class.getClassLoader());
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                Object s = shapeOf(f);
                if (s != null) {
                    checked.add(c.getSimpleName() + "." + f.getName());
                    if (s != shape) {
                        offenders.add(c.getSimpleName() + "." + f.getName() + " (" + s + ")");
                    }
                }
            }
        }
        assertTrue(checked.size() >= 10, "found the engine's species and vector constants: " + checked);
        assertEquals(List.of(), offenders, "species or vectors of another shape than Simd.F's (" + shape + ")");
    }

    /** The static field's vector shape, or null for a field of another type (no vector type in a test's signature:
     *  JUnit's discovery reads them in a JVM without the incubator module). */
    private static Object shapeOf(Field f) throws IllegalAccessException {
        f.setAccessible(true);
        return switch (f.get(null)) {
            case VectorSpecies<?> s -> s.vectorShape();
            case Vector<?> v -> v.shape();
            case VectorMask<?> m -> m.vectorSpecies().vectorShape();
            case VectorShuffle<?> u -> u.vectorSpecies().vectorShape();
            case null, default -> null;
        };
    }
}
