package delta4j.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether the OpenCL library opens, asked before any JOCL class is touched.
 *
 * <p>JOCL's native code opens the unversioned OpenCL library ({@code libOpenCL.so} on Linux) while the class
 * {@code org.jocl.CL} initialises, and when that fails it prints "Could not load libOpenCL.so, error ..." to the
 * process's standard output: its logger writes there, and its log level can only be set once that class has
 * initialised. The line would end up inside {@code delta4j predict > p.csv} and in a test runner's channel. So the
 * probe first opens the same names JOCL tries, with the same search (the platform's dynamic linker, reached through
 * java.lang.foreign), and touches JOCL only when one opens; otherwise the linker's message becomes the engine's
 * unavailable reason. Nothing here prints.
 */
final class OpenClLibrary {

    /** dlopen's RTLD_LAZY, the same on Linux and macOS. */
    private static final int RTLD_LAZY = 1;

    private OpenClLibrary() {
    }

    /** The names JOCL 2.0.5 hands the dynamic linker, in its order (its LibInitializer.createImplementationNameCandidates). */
    static List<String> candidates() {
        String file = System.mapLibraryName("OpenCL"); // libOpenCL.so, libOpenCL.dylib, OpenCL.dll
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        return os.contains("mac") ? List.of("/System/Library/Frameworks/OpenCL.framework/Versions/Current/OpenCL", file) : List.of(file);
    }

    /**
     * Empty when one of the {@link #candidates} opens (it then stays open: JOCL opens it again next, and a library that
     * was loaded once is not worth unloading), else why none does, in the dynamic linker's words where it gives them.
     */
    static Optional<String> whyNotLoadable() {
        return whyNotLoadable(candidates());
    }

    static Optional<String> whyNotLoadable(List<String> names) {
        List<String> why = new java.util.ArrayList<>();
        for (String name : names) {
            Optional<String> failure;
            try {
                failure = open(name);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                // Native access denied, or no linker here: this check cannot answer, so it leaves the answer to JOCL.
                return Optional.empty();
            }
            if (failure.isEmpty()) {
                return Optional.empty();
            }
            why.add(failure.get());
        }
        return Optional.of(String.join("; ", why));
    }

    /** Opens one library by name; empty on success, else the reason. */
    private static Optional<String> open(String name) throws Throwable {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Optional<MemorySegment> dlopen = libc.find("dlopen"), dlerror = libc.find("dlerror");
        if (dlopen.isEmpty() || dlerror.isEmpty()) { // Windows: the JDK's own lookup, which gives no reason
            try {
                SymbolLookup.libraryLookup(name, Arena.global());
                return Optional.empty();
            } catch (IllegalArgumentException e) {
                return Optional.of(name + " cannot be opened (" + e.getMessage() + ")");
            }
        }
        MethodHandle open = linker.downcallHandle(dlopen.get(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        MethodHandle error = linker.downcallHandle(dlerror.get(), FunctionDescriptor.of(ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) open.invokeExact(arena.allocateFrom(name), RTLD_LAZY);
            if (!handle.equals(MemorySegment.NULL)) {
                return Optional.empty();
            }
            MemorySegment message = (MemorySegment) error.invokeExact();
            return Optional.of(message.equals(MemorySegment.NULL) ? name + " cannot be opened"
                    : message.reinterpret(4096).getString(0));
        }
    }
}
