package delta4j.engine;

/**
 * The dropout masks of {@link Engine#dropout}: a counter-based generator, so that a mask is a pure function of
 * (seed, epoch, step, layer, element). Nothing is stored between the forward pass and the backward pass (the
 * backward pass computes the same mask again from the same key), every engine draws the same mask, and a run resumed
 * from a checkpoint draws the masks the uninterrupted run would have drawn.
 *
 * <p>The definition, which every engine implements bit for bit (64-bit integers, arithmetic modulo 2⁶⁴):
 * <pre>
 * mix(z)      = SplitMix64's finaliser: z ^= z &gt;&gt;&gt; 30; z *= 0xBF58476D1CE4E5B9; z ^= z &gt;&gt;&gt; 27; z *= 0x94D049BB133111EB; z ^ z &gt;&gt;&gt; 31
 * key         = mix(mix(mix(mix(seed) + epoch) + step) + layer)
 * bits(e)     = mix(key + (e + 1) · 0x9E3779B97F4A7C15) &gt;&gt;&gt; 40          (24 uniform bits; e = flat row-major index)
 * keep(e)     = bits(e) ≥ threshold(p),   threshold(p) = round(p · 2²⁴)
 * y_e         = keep(e) ? x_e · scale(p) : 0,   scale(p) = (float) (1 / (1 − p))
 * </pre>
 * An element is dropped with probability threshold(p) / 2²⁴, which is p to within 2⁻²⁵.
 */
public final class DropoutMask {

    /** The number of uniform bits drawn per element. */
    public static final int BITS = 24;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private DropoutMask() {
    }

    /**
     * SplitMix64's output function (Steele, Lea and Flood), a bijection of 64-bit integers that mixes every input bit
     * into every output bit.
     *
     * @param z any 64-bit value
     * @return the mixed value
     */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * {@return the key of one dropout layer's mask in one training step}
     *
     * @param seed the training run's seed
     * @param epoch the epoch, 0-based
     * @param step the step within the epoch, 0-based
     * @param layer the layer whose activations are dropped, 0-based
     */
    public static long key(long seed, long epoch, long step, int layer) {
        return mix(mix(mix(mix(seed) + epoch) + step) + layer);
    }

    /**
     * {@return the 24 uniform bits of element {@code index} under {@code key}}
     *
     * @param key a mask's key
     * @param index the element's flat, row-major index in its tensor
     */
    public static int bits(long key, long index) {
        return (int) (mix(key + (index + 1) * GOLDEN) >>> (64 - BITS));
    }

    /**
     * {@return the drop threshold of probability p: an element is kept when its bits are at least this}
     *
     * @param p the drop probability, in [0, 1)
     */
    public static int threshold(float p) {
        return (int) Math.round(p * (double) (1 << BITS));
    }

    /**
     * {@return the factor 1 / (1 − p) applied to kept elements, rounded once to float}
     *
     * @param p the drop probability, in [0, 1)
     */
    public static float scale(float p) {
        return (float) (1.0 / (1.0 - p));
    }

    /**
     * {@return whether element {@code index} survives under {@code key} at threshold {@code threshold}}
     *
     * @param key a mask's key
     * @param index the element's flat, row-major index
     * @param threshold {@link #threshold(float)} of the drop probability
     */
    public static boolean keep(long key, long index, int threshold) {
        return bits(key, index) >= threshold;
    }
}
