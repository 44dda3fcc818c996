package delta4j.engine;

import delta4j.engine.reference.ReferenceEngine;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The default of a kernel an engine does not implement: the inputs are read to the host, the reference engine computes
 * on host copies, and the outputs are written back. Slow, but correct on any engine, so that a kernel added to the set
 * later breaks no engine written before it. One mechanism for both places that need it: {@link EngineBase}'s
 * {@code ...Kernel} defaults (through the engine's own {@code read} and {@code write}, on its monitor, with one
 * reference engine kept for the engine's life) and {@link Engine}'s default methods for an engine that implements the
 * interface directly (through its public {@code download} and {@code upload}).
 */
final class HostKernels {

    /** How host copies are read from an engine's tensors and written back to them. */
    interface Memory {
        /** {@return t's elements, row-major, after all earlier work that writes t} */
        float[] read(Tensor t);

        /** Overwrites t with {@code values}, row-major. */
        void write(float[] values, Tensor t);
    }

    /** A kernel call on the reference engine, reading engine tensors through {@link Copies#in}. */
    interface Body {
        void run(ReferenceEngine reference, Copies copies);
    }

    /**
     * Host copies of an engine's tensors for one kernel call: one copy per distinct tensor however often it is named,
     * so a kernel called in place (A = Zin, Δ = G) runs in place on the host too.
     */
    static final class Copies {
        private final Memory memory;
        private final ReferenceEngine reference;
        private final Map<Tensor, Tensor> copies = new IdentityHashMap<>();

        private Copies(Memory memory, ReferenceEngine reference) {
            this.memory = memory;
            this.reference = reference;
        }

        /** The host copy of t, read on first use. */
        Tensor in(Tensor t) {
            return copies.computeIfAbsent(t, k -> reference.tensor(k.rows(), k.cols(), memory.read(k)));
        }
    }

    private HostKernels() {
    }

    /**
     * Runs {@code body} on {@code reference} with host copies read through {@code memory}, writes the copies of
     * {@code outputs} back in their order, and releases the copies.
     */
    static void run(Memory memory, ReferenceEngine reference, Body body, Tensor... outputs) {
        Copies copies = new Copies(memory, reference);
        try {
            body.run(reference, copies);
            for (Tensor t : outputs) {
                memory.write(reference.download(copies.in(t)), t);
            }
        } finally {
            copies.copies.values().forEach(Tensor::close);
        }
    }

    /** {@link #run(Memory, ReferenceEngine, Body, Tensor...)} through the engine's public memory methods, on a reference engine of its own. */
    static void run(Engine engine, Body body, Tensor... outputs) {
        try (ReferenceEngine reference = new ReferenceEngine()) {
            run(new Memory() {
                @Override
                public float[] read(Tensor t) {
                    return engine.download(t);
                }

                @Override
                public void write(float[] values, Tensor t) {
                    engine.upload(values, 0, t);
                }
            }, reference, body, outputs);
        }
    }
}
