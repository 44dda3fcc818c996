package delta4j.model;

import delta4j.engine.Engine;
import delta4j.engine.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The optimizer's state for every {@link Parameter} of a network, with the two things a step does over all
 * parameters: gradient clipping and the optimizer update. {@link Trainer} and {@link Replica} share it, so
 * both take the same step with the same float sums.
 *
 * <p>The state tensors are listed per parameter, in {@link Network#parameters()} order, the optimizer's
 * states s = 0..k−1 of each: the order of {@link TrainingState#optimizerState()}.
 */
final class OptimizerState {

    private final Engine engine;
    private final Optimizer optimizer;
    private final List<Parameter> parameters;
    private final List<Tensor> gradients;
    private final Tensor[][] state;
    /**
     * The group of {@link Engine#adamSteps}, built once so that a step allocates nothing: the parameters' values and
     * gradients ({@link #gradients} is a view of the latter), the state by its index s (byState[s][i] = state[i][s]),
     * and the weight decay of each, written at every step.
     */
    private final Tensor[] values;
    private final Tensor[] gradientArray;
    private final Tensor[][] byState;
    private final float[] decay;
    private final List<Tensor> tensors;
    /** One sum of squares per parameter. */
    private final Tensor norms;

    /** Allocates zeroed state (step 0) on the network's engine, owned and freed by {@code net}. */
    OptimizerState(Network net, Optimizer optimizer) {
        this.engine = net.engine();
        this.optimizer = optimizer;
        this.parameters = net.parameters();
        int n = parameters.size(), k = optimizer.stateTensors();
        this.state = new Tensor[n][k];
        this.values = new Tensor[n];
        this.gradientArray = new Tensor[n];
        this.byState = new Tensor[k][n];
        this.decay = new float[n];
        List<Tensor> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            values[i] = parameters.get(i).value();
            gradientArray[i] = parameters.get(i).gradient();
            for (int s = 0; s < k; s++) {
                state[i][s] = allocateLike(net, values[i]);
                byState[s][i] = state[i][s];
                all.add(state[i][s]);
            }
        }
        this.gradients = Collections.unmodifiableList(Arrays.asList(gradientArray));
        this.tensors = List.copyOf(all);
        this.norms = net.allocate(1, n);
    }

    /** A tensor of {@code like}'s shape, owned by {@code net}. */
    static Tensor allocateLike(Network net, Tensor like) {
        return net.allocate(like.rows(), like.cols());
    }

    /** Every state tensor, per parameter in order (empty for SGD). */
    List<Tensor> tensors() {
        return tensors;
    }

    /** Scales all gradients by maxNorm/‖g‖ when ‖g‖ > maxNorm (a NaN norm is left to divergence detection). */
    void clipGradients(double maxNorm) {
        double norm = norm(gradients);
        if (norm > maxNorm) {
            float factor = (float) (maxNorm / norm);
            for (Tensor g : gradientArray) {
                engine.scale(g, factor);
            }
        }
    }

    /**
     * One optimizer step on every parameter at step t ≥ 1, with weight decay λ where the parameter decays. Adam takes
     * all of them in one engine call ({@link Engine#adamSteps}, the same bits as one call per parameter); the others
     * one call per parameter.
     */
    void step(float lr, float weightDecay, int t) {
        for (int i = 0; i < decay.length; i++) {
            decay[i] = parameters.get(i).decays() ? weightDecay : 0f;
        }
        switch (optimizer) { // exhaustive: a new optimizer says here whether it has a group kernel
            case Optimizer.Adam a -> engine.adamSteps(values, gradientArray, byState[0], byState[1], lr, a.beta1(), a.beta2(), a.epsilon(),
                    decay, a.decoupled(), t);
            case Optimizer.Sgd s -> stepEach(lr, t);
            case Optimizer.Momentum m -> stepEach(lr, t);
        }
    }

    private void stepEach(float lr, int t) {
        for (int i = 0; i < values.length; i++) {
            optimizer.step(engine, values[i], gradientArray[i], state[i], lr, decay[i], t);
        }
    }

    /**
     * ‖x‖ over one tensor per parameter (in parameter order): the sums of squares on the engine, added up
     * in double on the host.
     */
    double norm(List<Tensor> perParameter) {
        for (int i = 0; i < perParameter.size(); i++) {
            engine.sumOfSquares(perParameter.get(i), norms, i);
        }
        double sq = 0;
        for (float v : engine.download(norms)) {
            sq += v;
        }
        return Math.sqrt(sq);
    }
}
