package delta4j.model;

import delta4j.engine.Tensor;

/**
 * One trainable tensor of a {@link Network}: its value θ, its gradient ∂E/∂θ after
 * {@link Network#backward}, and whether weight decay applies to it (to weights, not to biases).
 *
 * <p>{@link Network#parameters()} lists them in one fixed order, W[0], b[0], (γ[0],) W[1], b[1], (γ[1],) ... (γ[l] of
 * a normalised layer only): the order of
 * every flat parameter vector, of the optimizer state in checkpoints and of the float sums of gradient
 * norms, so code that iterates the list once per concern keeps results bit for bit.
 *
 * @param value    θ on the network's engine (W[l] is n_l × n_{l+1}, b[l] and γ[l] are 1 × n_{l+1})
 * @param gradient ∂E/∂θ on the same engine, of θ's shape, written by {@link Network#backward}
 * @param decays   whether weight decay applies: true for weights, false for biases and gains
 */
public record Parameter(Tensor value, Tensor gradient, boolean decays) {

    /** {@return the number of elements of θ (and of its gradient)} */
    public int size() {
        return (int) value.size();
    }
}
