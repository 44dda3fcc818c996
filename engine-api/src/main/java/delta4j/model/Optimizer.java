package delta4j.model;

import delta4j.engine.Engine;
import delta4j.engine.Tensor;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a gradient step changes the parameters. Each variant maps to one kernel of the kernel set;
 * {@link #stateTensors()} says how many tensors of θ's shape it keeps between steps.
 */
public sealed interface Optimizer {

    /** {@return the base learning rate η} */
    float learningRate();

    /** {@return tensors of state per parameter tensor (0 for SGD, 1 for momentum, 2 for Adam)} */
    int stateTensors();

    /** Applies one step to θ in place, at step t ≥ 1, with learning rate η (after the schedule) and decay λ. */
    void step(Engine e, Tensor param, Tensor grad, Tensor[] state, float lr, float weightDecay, int t);

    /** {@return the same optimizer with another base learning rate} */
    Optimizer withLearningRate(float lr);

    /** {@return which optimizer this is, with its name and code} */
    Kind kind();

    /**
     * The optimizers by name: each carries its stable {@link #code()} for files and its {@link #id()} on the
     * command line, from which the command line's lists and help derive. {@link #create} is an exhaustive
     * switch, so a new kind fails the build until it says how it is made.
     */
    enum Kind {
        SGD(0, "sgd", 1e-2f),
        MOMENTUM(1, "momentum", 1e-2f),
        NESTEROV(2, "nesterov", 1e-2f),
        ADAM(3, "adam", 1e-3f),
        ADAMW(4, "adamw", 1e-3f);

        private final int code;
        private final String id;
        private final float defaultLearningRate;

        Kind(int code, String id, float defaultLearningRate) {
            this.code = code;
            this.id = id;
            this.defaultLearningRate = defaultLearningRate;
        }

        /** {@return the kind's code in files} Fixed forever once released: never an ordinal. */
        public int code() {
            return code;
        }

        /** {@return the lower-case name used on the command line and in checkpoint settings} */
        public String id() {
            return id;
        }

        /** {@return the usual learning rate for this kind when none is given} */
        public float defaultLearningRate() {
            return defaultLearningRate;
        }

        /** This kind with its usual hyper-parameters (momentum 0.9; Adam's β1 0.9, β2 0.999, ε 1e-8) and rate {@code lr}. */
        public Optimizer create(float lr) {
            return switch (this) {
                case SGD -> sgd(lr);
                case MOMENTUM -> momentum(lr, 0.9f);
                case NESTEROV -> nesterov(lr, 0.9f);
                case ADAM -> adam(lr);
                case ADAMW -> adamW(lr);
            };
        }

        /** Parses an {@link #id()}, in any case. */
        public static Kind parse(String name) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            for (Kind k : values()) {
                if (k.id.equals(n)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown optimizer '" + name + "': use one of " + ids());
        }

        /** {@return the ids, comma-separated in declaration order} */
        public static String ids() {
            return Arrays.stream(values()).map(Kind::id).collect(Collectors.joining(", "));
        }
    }

    /** {@return the lecture's gradient descent: θ ← θ − η∇E(θ)} */
    static Optimizer sgd(float lr) {
        return new Sgd(lr);
    }

    /** {@return heavy-ball momentum μ} */
    static Optimizer momentum(float lr, float momentum) {
        return new Momentum(lr, momentum, false);
    }

    /** Nesterov momentum μ. */
    static Optimizer nesterov(float lr, float momentum) {
        return new Momentum(lr, momentum, true);
    }

    /** Adam with β1 = 0.9, β2 = 0.999, ε = 1e-8; weight decay as L2 in the gradient. */
    static Optimizer adam(float lr) {
        return new Adam(lr, 0.9f, 0.999f, 1e-8f, false);
    }

    /** AdamW: Adam with decoupled weight decay. */
    static Optimizer adamW(float lr) {
        return new Adam(lr, 0.9f, 0.999f, 1e-8f, true);
    }

    /** Parses a {@link Kind#id()} ("sgd", "momentum", "nesterov", "adam", "adamw") with the given learning rate. */
    static Optimizer parse(String name, float lr) {
        return Kind.parse(name).create(lr);
    }

    private static float positive(float lr) {
        if (!(lr > 0) || !Float.isFinite(lr)) {
            throw new IllegalArgumentException("learning rate must be positive and finite, got " + lr);
        }
        return lr;
    }

    /** θ ← θ − η (g + λθ). */
    record Sgd(float learningRate) implements Optimizer {
        public Sgd {
            positive(learningRate);
        }

        @Override
        public int stateTensors() {
            return 0;
        }

        @Override
        public Kind kind() {
            return Kind.SGD;
        }

        @Override
        public void step(Engine e, Tensor p, Tensor g, Tensor[] s, float lr, float wd, int t) {
            e.sgdStep(p, g, lr, wd);
        }

        @Override
        public Optimizer withLearningRate(float lr) {
            return new Sgd(lr);
        }
    }

    /** v ← μv + g + λθ; θ ← θ − η·(nesterov ? g' + μv : v). */
    record Momentum(float learningRate, float momentum, boolean nesterov) implements Optimizer {
        public Momentum {
            positive(learningRate);
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("momentum must lie in [0, 1), got " + momentum);
            }
        }

        @Override
        public int stateTensors() {
            return 1;
        }

        @Override
        public Kind kind() {
            return nesterov ? Kind.NESTEROV : Kind.MOMENTUM;
        }

        @Override
        public void step(Engine e, Tensor p, Tensor g, Tensor[] s, float lr, float wd, int t) {
            e.momentumStep(p, g, s[0], lr, momentum, wd, nesterov);
        }

        @Override
        public Optimizer withLearningRate(float lr) {
            return new Momentum(lr, momentum, nesterov);
        }
    }

    /** Adam, or AdamW when {@code decoupled}. */
    record Adam(float learningRate, float beta1, float beta2, float epsilon, boolean decoupled) implements Optimizer {
        public Adam {
            positive(learningRate);
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon > 0)) {
                throw new IllegalArgumentException("adam needs β1, β2 in [0, 1) and ε > 0, got " + beta1 + ", " + beta2 + ", " + epsilon);
            }
        }

        @Override
        public int stateTensors() {
            return 2;
        }

        @Override
        public Kind kind() {
            return decoupled ? Kind.ADAMW : Kind.ADAM;
        }

        @Override
        public void step(Engine e, Tensor p, Tensor g, Tensor[] s, float lr, float wd, int t) {
            e.adamStep(p, g, s[0], s[1], lr, beta1, beta2, epsilon, wd, decoupled, t);
        }

        @Override
        public Optimizer withLearningRate(float lr) {
            return new Adam(lr, beta1, beta2, epsilon, decoupled);
        }
    }
}
