package delta4j.engine;

import delta4j.engine.reference.ReferenceEngine;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The default of a kernel on an engine that does not implement it: the inputs are downloaded, the reference engine
 * computes on host copies, and the outputs are uploaded back. Slow, but correct on any engine, so that a kernel added
 * to {@link Engine} later breaks no engine written before it.
 */
final class HostKernels {

    /** A kernel call on the reference engine, reading engine tensors through {@link Copies#in}. */
    interface Body {
        void run(ReferenceEngine reference, Copies copies);
    }

    /** Host copies of an engine's tensors, one per tensor however often it is named. */
    static final class Copies {
        private final Engine engine;
        private final ReferenceEngine reference;
        private final Map<Tensor, Tensor> copies = new IdentityHashMap<>();

        Copies(Engine engine, ReferenceEngine reference) {
            this.engine = engine;
            this.reference = reference;
        }

        Tensor in(Tensor t) {
            return copies.computeIfAbsent(t, k -> reference.tensor(k.rows(), k.cols(), engine.download(k)));
        }
    }

    private HostKernels() {
    }

    static void run(Engine engine, Body body, Tensor... outputs) {
        try (ReferenceEngine reference = new ReferenceEngine()) {
            Copies copies = new Copies(engine, reference);
            body.run(reference, copies);
            for (Tensor t : outputs) {
                engine.upload(reference.download(copies.in(t)), 0, t);
            }
        }
    }
}
