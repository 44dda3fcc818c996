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

    /**
     * Applies one step to θ in place, at step t ≥ 1, with learning rate η (after the schedule) and decay λ,
     * through this optimizer's kernel of {@code e}.
     *
     * @param e the engine that owns every tensor
     * @param param the parameters θ, updated in place
     * @param grad the gradient of the loss with respect to θ
     * @param state the optimizer's {@link #stateTensors()} tensors of θ's shape, zeros before step 1, updated in place
     * @param lr the learning rate η of this step, after the schedule (this optimizer's own rate is not used)
     * @param weightDecay the weight decay λ; 0 for none
     * @param t the 1-based step number
     */
    void step(Engine e, Tensor param, Tensor grad, Tensor[] state, float lr, float weightDecay, int t);

    /**
     * {@return the same optimizer with another base learning rate}
     *
     * @param lr the new base learning rate η, positive and finite
     * @throws IllegalArgumentException if {@code lr} is not positive and finite
     */
    Optimizer withLearningRate(float lr);

    /** {@return which optimizer this is, with its name and code} */
    Kind kind();

    /**
     * The optimizers by name: each carries its stable {@link #code()} for files and its {@link #id()} on the
     * command line, from which the command line's lists and help derive. {@link #create} is an exhaustive
     * switch, so a new kind fails the build until it says how it is made.
     */
    enum Kind {
        /** Plain gradient descent, {@link Optimizer#sgd}. */
        SGD(0, "sgd", 1e-2f),
        /** Heavy-ball momentum, {@link Optimizer#momentum}. */
        MOMENTUM(1, "momentum", 1e-2f),
        /** Nesterov momentum, {@link Optimizer#nesterov}. */
        NESTEROV(2, "nesterov", 1e-2f),
        /** Adam with L2 weight decay in the gradient, {@link Optimizer#adam}. */
        ADAM(3, "adam", 1e-3f),
        /** Adam with decoupled weight decay, {@link Optimizer#adamW}. */
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

        /**
         * {@return this kind with its usual hyper-parameters (momentum 0.9; Adam's β1 0.9, β2 0.999, ε 1e-8)}
         *
         * @param lr the base learning rate η, positive and finite
         * @throws IllegalArgumentException if {@code lr} is not positive and finite
         */
        public Optimizer create(float lr) {
            return switch (this) {
                case SGD -> sgd(lr);
                case MOMENTUM -> momentum(lr, 0.9f);
                case NESTEROV -> nesterov(lr, 0.9f);
                case ADAM -> adam(lr);
                case ADAMW -> adamW(lr);
            };
        }

        /**
         * Parses an {@link #id()}, in any case.
         *
         * @param name the id, e.g. "adam"; surrounding blanks are ignored
         * @return the kind
         * @throws IllegalArgumentException if no kind has that id, listing the ids
         */
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

    /**
     * {@return the lecture's gradient descent: θ ← θ − η∇E(θ)}
     *
     * @param lr the learning rate η, positive and finite
     * @throws IllegalArgumentException if {@code lr} is not positive and finite
     */
    static Optimizer sgd(float lr) {
        return new Sgd(lr);
    }

    /**
     * {@return SGD with heavy-ball momentum}
     *
     * @param lr the learning rate η, positive and finite
     * @param momentum the momentum coefficient μ, in [0, 1)
     * @throws IllegalArgumentException if {@code lr} is not positive and finite or μ is outside [0, 1)
     */
    static Optimizer momentum(float lr, float momentum) {
        return new Momentum(lr, momentum, false);
    }

    /**
     * {@return SGD with Nesterov momentum}
     *
     * @param lr the learning rate η, positive and finite
     * @param momentum the momentum coefficient μ, in [0, 1)
     * @throws IllegalArgumentException if {@code lr} is not positive and finite or μ is outside [0, 1)
     */
    static Optimizer nesterov(float lr, float momentum) {
        return new Momentum(lr, momentum, true);
    }

    /**
     * {@return Adam with β1 = 0.9, β2 = 0.999, ε = 1e-8; weight decay as L2 in the gradient}
     *
     * @param lr the learning rate η, positive and finite
     * @throws IllegalArgumentException if {@code lr} is not positive and finite
     */
    static Optimizer adam(float lr) {
        return new Adam(lr, 0.9f, 0.999f, 1e-8f, false);
    }

    /**
     * {@return AdamW: Adam with β1 = 0.9, β2 = 0.999, ε = 1e-8 and decoupled weight decay}
     *
     * @param lr the learning rate η, positive and finite
     * @throws IllegalArgumentException if {@code lr} is not positive and finite
     */
    static Optimizer adamW(float lr) {
        return new Adam(lr, 0.9f, 0.999f, 1e-8f, true);
    }

    /**
     * Parses a {@link Kind#id()} ("sgd", "momentum", "nesterov", "adam", "adamw") with the given learning rate,
     * and the kind's usual other hyper-parameters ({@link Kind#create}).
     *
     * @param name the kind's id, in any case
     * @param lr the base learning rate η, positive and finite
     * @return the optimizer
     * @throws IllegalArgumentException if the name is unknown or {@code lr} is not positive and finite
     */
    static Optimizer parse(String name, float lr) {
        return Kind.parse(name).create(lr);
    }

    private static float positive(float lr) {
        if (!(lr > 0) || !Float.isFinite(lr)) {
            throw new IllegalArgumentException("learning rate must be positive and finite, got " + lr);
        }
        return lr;
    }

    /**
     * Plain gradient descent: θ ← θ − η (g + λθ).
     *
     * @param learningRate the base learning rate η, positive and finite
     */
    record Sgd(float learningRate) implements Optimizer {
        /**
         * Checks the learning rate.
         *
         * @throws IllegalArgumentException if {@code learningRate} is not positive and finite
         */
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

    /**
     * Momentum: v ← μv + g + λθ; θ ← θ − η·(nesterov ? g' + μv : v), with g' = g + λθ.
     *
     * @param learningRate the base learning rate η, positive and finite
     * @param momentum the momentum coefficient μ, in [0, 1)
     * @param nesterov whether the step is Nesterov's rather than heavy-ball
     */
    record Momentum(float learningRate, float momentum, boolean nesterov) implements Optimizer {
        /**
         * Checks the hyper-parameters.
         *
         * @throws IllegalArgumentException if {@code learningRate} is not positive and finite or μ is outside [0, 1)
         */
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

    /**
     * Adam, or AdamW when {@code decoupled} ({@link Engine#adamStep}).
     *
     * @param learningRate the base learning rate η, positive and finite
     * @param beta1 the first moment's decay rate β1, in [0, 1)
     * @param beta2 the second moment's decay rate β2, in [0, 1)
     * @param epsilon the ε added to √v̂, positive
     * @param decoupled whether the weight decay is decoupled (AdamW) rather than L2 in the gradient
     */
    record Adam(float learningRate, float beta1, float beta2, float epsilon, boolean decoupled) implements Optimizer {
        /**
         * Checks the hyper-parameters.
         *
         * @throws IllegalArgumentException if {@code learningRate} is not positive and finite, a β is outside
         *         [0, 1) or ε is not positive
         */
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
