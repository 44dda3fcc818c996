package delta4j.model;

import delta4j.engine.Engine;
import delta4j.engine.Tensor;

/**
 * How a gradient step changes the parameters. Each variant maps to one kernel of the kernel set;
 * {@link #stateTensors()} says how many tensors of θ's shape it keeps between steps.
 */
public sealed interface Optimizer {

    /** The base learning rate η. */
    float learningRate();

    /** Tensors of state per parameter tensor (0 for SGD, 1 for momentum, 2 for Adam). */
    int stateTensors();

    /** Applies one step to θ in place, at step t ≥ 1, with learning rate η (after the schedule) and decay λ. */
    void step(Engine e, Tensor param, Tensor grad, Tensor[] state, float lr, float weightDecay, int t);

    /** The same optimizer with another base learning rate. */
    Optimizer withLearningRate(float lr);

    /** The lecture's gradient descent: θ ← θ − η∇E(θ). */
    static Optimizer sgd(float lr) {
        return new Sgd(lr);
    }

    /** Heavy-ball momentum μ. */
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

    /** Parses "sgd", "momentum", "nesterov", "adam", "adamw" with the given learning rate. */
    static Optimizer parse(String name, float lr) {
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "sgd" -> sgd(lr);
            case "momentum" -> momentum(lr, 0.9f);
            case "nesterov" -> nesterov(lr, 0.9f);
            case "adam" -> adam(lr);
            case "adamw" -> adamW(lr);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "': use sgd, momentum, nesterov, adam or adamw");
        };
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
        public void step(Engine e, Tensor p, Tensor g, Tensor[] s, float lr, float wd, int t) {
            e.adamStep(p, g, s[0], s[1], lr, beta1, beta2, epsilon, wd, decoupled, t);
        }

        @Override
        public Optimizer withLearningRate(float lr) {
            return new Adam(lr, beta1, beta2, epsilon, decoupled);
        }
    }
}
