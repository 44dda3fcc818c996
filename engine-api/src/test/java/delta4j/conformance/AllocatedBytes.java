package delta4j.conformance;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;

/**
 * The calling thread's allocated bytes (com.sun.management.ThreadMXBean), for the tests that hold a steady state
 * to no allocation. Looked up reflectively (test sources compile inside the library's modules, which do not read
 * jdk.management) into an exact method handle, whose calls allocate nothing once compiled.
 */
public final class AllocatedBytes {

    private static final MethodHandle ALLOCATED_BYTES = allocatedBytesHandle();

    private AllocatedBytes() {
    }

    private static MethodHandle allocatedBytesHandle() {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            Method m = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
            return MethodHandles.publicLookup().unreflect(m).bindTo(bean);
        } catch (ReflectiveOperationException ex) {
            throw new IllegalStateException("this JVM does not report allocated bytes per thread", ex);
        }
    }

    /** {@return the bytes the calling thread has allocated so far} */
    public static long allocatedBytes() {
        try {
            return (long) ALLOCATED_BYTES.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
