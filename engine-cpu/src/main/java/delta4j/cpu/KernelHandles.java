package delta4j.cpu;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.Function;

/**
 * Calls that C2 compiles apart: a kernel reached through a method handle read from a field or an array element is
 * never inlined into its caller, since C2 can inline only through a handle it sees as a constant, and it never sees
 * those as constants (an instance field of an object that is not itself a constant, an element of an array).
 *
 * <p>Why the kernels need it: C2 inlines a direct callee whose compiled code is still small or absent, so what a
 * method inlines depends on the order in which the JIT compiled its callees. A job dispatched from a caller that
 * also dispatched others, or a switch over the activations, could then take in the vector code of several kernels,
 * grow past C2's node budget (NodeCountInliningCutoff and LiveNodeCountInliningCutoff) and leave some vector
 * operations as calls, which box their vectors: tens to hundreds of bytes per vector, megabytes per kernel call,
 * and slower code. SteadyStateAllocationTest caught it in some runs and not in others, and
 * {@code -XX:CompileCommand=inline,delta4j.cpu.*::*} made it happen in most. Through a handle, each job's
 * {@code run} and each activation's kernel is compiled on its own (or inlined into the handle's own small compiled
 * form, which holds nothing else), whatever was compiled before. The cost is an indirect call or two per job part
 * and per range of rows, a few nanoseconds.
 *
 * <p>The constraint: a handle must never be a {@code static final} field or reach the call as one, or C2 inlines
 * through it again; the kernels' tables are arrays and the jobs' handles instance fields.
 */
final class KernelHandles {

    private KernelHandles() {
    }

    private static final MethodHandle RUN;

    static {
        try {
            RUN = MethodHandles.lookup().findVirtual(WorkerPool.Job.class, "run",
                    MethodType.methodType(void.class, int.class, int.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@code job.run} as a handle of type (int part, int parts) void, bound to {@code job}. */
    static MethodHandle bind(WorkerPool.Job job) {
        return RUN.bindTo(job);
    }

    /**
     * One handle per constant of {@code kinds}, each the static method of {@code lookup}'s class that {@code name}
     * names, of type {@code type}; indexed by ordinal.
     */
    static <E extends Enum<E>> MethodHandle[] table(MethodHandles.Lookup lookup, Class<E> kinds,
                                                    Function<E, String> name, MethodType type) {
        E[] constants = kinds.getEnumConstants();
        MethodHandle[] table = new MethodHandle[constants.length];
        for (E k : constants) {
            try {
                table[k.ordinal()] = lookup.findStatic(lookup.lookupClass(), name.apply(k), type);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
        return table;
    }

    /**
     * What a kernel threw (through a handle, or in a worker's part), to rethrow unchanged: kernels throw only
     * unchecked exceptions, so anything else is a defect here, wrapped.
     */
    static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("a cpu engine kernel failed", t);
    }
}
