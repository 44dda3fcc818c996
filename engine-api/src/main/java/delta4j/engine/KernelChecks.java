package delta4j.engine;

/**
 * The argument checks every engine runs before a kernel, so that all engines reject the same mistakes
 * with the same messages. Each method throws {@link IllegalArgumentException} naming the shapes, or
 * {@link IllegalStateException} for a closed tensor or engine.
 */
public final class KernelChecks {

    private KernelChecks() {
    }

    /**
     * Checks that the engine is open and every tensor is open and owned by it.
     *
     * @param engine the engine whose kernel is called
     * @param tensors the kernel's tensor arguments
     * @throws IllegalStateException if the engine or a tensor is closed
     * @throws IllegalArgumentException if a tensor is null or belongs to another engine
     */
    public static void owned(Engine engine, Tensor... tensors) {
        open(engine);
        for (Tensor t : tensors) {
            mine(engine, t);
        }
    }

    // Fixed-arity forms: a kernel call on the hot path then allocates no varargs array (C2 does not remove it).

    /**
     * {@link #owned(Engine, Tensor...)} for one tensor.
     *
     * @param engine the engine whose kernel is called
     * @param a the kernel's tensor argument
     */
    public static void owned(Engine engine, Tensor a) {
        open(engine);
        mine(engine, a);
    }

    /**
     * {@link #owned(Engine, Tensor...)} for two tensors.
     *
     * @param engine the engine whose kernel is called
     * @param a the first tensor argument
     * @param b the second tensor argument
     */
    public static void owned(Engine engine, Tensor a, Tensor b) {
        open(engine);
        mine(engine, a);
        mine(engine, b);
    }

    /**
     * {@link #owned(Engine, Tensor...)} for three tensors.
     *
     * @param engine the engine whose kernel is called
     * @param a the first tensor argument
     * @param b the second tensor argument
     * @param c the third tensor argument
     */
    public static void owned(Engine engine, Tensor a, Tensor b, Tensor c) {
        owned(engine, a, b);
        mine(engine, c);
    }

    /**
     * {@link #owned(Engine, Tensor...)} for four tensors.
     *
     * @param engine the engine whose kernel is called
     * @param a the first tensor argument
     * @param b the second tensor argument
     * @param c the third tensor argument
     * @param d the fourth tensor argument
     */
    public static void owned(Engine engine, Tensor a, Tensor b, Tensor c, Tensor d) {
        owned(engine, a, b);
        mine(engine, c);
        mine(engine, d);
    }

    /**
     * {@link #owned(Engine, Tensor...)} for five tensors.
     *
     * @param engine the engine whose kernel is called
     * @param a the first tensor argument
     * @param b the second tensor argument
     * @param c the third tensor argument
     * @param d the fourth tensor argument
     * @param e the fifth tensor argument
     */
    public static void owned(Engine engine, Tensor a, Tensor b, Tensor c, Tensor d, Tensor e) {
        owned(engine, a, b, c, d);
        mine(engine, e);
    }

    private static void open(Engine engine) {
        if (engine.isClosed()) {
            throw new IllegalStateException("the " + engine.name() + " engine is closed: create a new engine");
        }
    }

    private static void mine(Engine engine, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException("tensor argument is null");
        }
        if (t.isClosed()) {
            throw new IllegalStateException("tensor " + t.shape() + " was closed (or its engine was): allocate it again");
        }
        if (t.engine() != engine) {
            throw new IllegalArgumentException("tensor " + t.shape() + " belongs to the " + t.engine().name()
                    + " engine, not to this " + engine.name() + " engine: download it and upload it here");
        }
    }

    /**
     * Checks a size request for {@link Engine#allocate}.
     *
     * @param rows the requested number of rows
     * @param cols the requested number of columns
     * @throws IllegalArgumentException if a size is not positive
     */
    public static void allocation(int rows, int cols) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("tensor shape " + rows + "×" + cols + " is not positive: both sizes must be at least 1");
        }
    }

    /**
     * Checks the arguments of {@link Engine#upload(float[], int, Tensor)}.
     *
     * @param src the host array to read
     * @param offset the index in {@code src} of the first float to copy
     * @param dst the tensor to fill
     * @throws IllegalArgumentException if {@code src} is null or does not hold {@code dst.size()} floats from
     *         {@code offset}
     */
    public static void upload(float[] src, int offset, Tensor dst) {
        range("upload source", src, offset, dst);
    }

    /**
     * Checks the arguments of {@link Engine#uploadRows(float[], int[], int, Tensor)}.
     *
     * @param src the host matrix, {@code dst.cols()} floats per row
     * @param rows the row indices to read from {@code from}, or null for src's rows from {@code from}
     * @param from the first index of {@code rows} (or src's first row)
     * @param dst the tensor to fill, one src row per row
     * @throws IllegalArgumentException if {@code src} is null or not whole rows, {@code from} is negative, {@code rows}
     *         holds fewer than {@code from + dst.rows()} indices, or a row lies outside src
     */
    public static void uploadRows(float[] src, int[] rows, int from, Tensor dst) {
        if (src == null) {
            throw new IllegalArgumentException("upload source array is null");
        }
        sourceRows(src.length / dst.cols(), rows, from, dst);
    }

    /**
     * Checks the arguments of {@link Engine#uploadRows(byte[], float, int[], int, Tensor)}.
     *
     * @param src the host matrix, {@code dst.cols()} bytes per row
     * @param divisor what each byte is divided by
     * @param rows the row indices to read from {@code from}, or null for src's rows from {@code from}
     * @param from the first index of {@code rows} (or src's first row)
     * @param dst the tensor to fill, one src row per row
     * @throws IllegalArgumentException if {@code src} is null, the divisor is not finite and positive or makes 255 /
     *         divisor infinite, {@code from} is negative, {@code rows} holds fewer than {@code from + dst.rows()}
     *         indices, or a row lies outside src
     */
    public static void uploadRows(byte[] src, float divisor, int[] rows, int from, Tensor dst) {
        if (src == null) {
            throw new IllegalArgumentException("upload source array is null");
        }
        byteDivisor(divisor);
        sourceRows(src.length / dst.cols(), rows, from, dst);
    }

    /**
     * Checks a divisor of unsigned bytes: finite, positive, and such that every quotient {@code (b & 0xff) / divisor} is finite.
     *
     * @param divisor what each byte is divided by
     * @throws IllegalArgumentException otherwise, with the value
     */
    public static void byteDivisor(float divisor) {
        if (!(divisor > 0 && Float.isFinite(255f / divisor) && Float.isFinite(divisor))) {
            throw new IllegalArgumentException("the divisor of byte values must be finite and positive with 255 / divisor finite"
                    + " (255 scales 8-bit pixels to [0, 1]), got " + divisor);
        }
    }

    /** The row checks of both uploadRows kernels, for a source of {@code srcRows} whole rows. */
    private static void sourceRows(long srcRows, int[] rows, int from, Tensor dst) {
        int cols = dst.cols(), n = dst.rows();
        if (from < 0) {
            throw new IllegalArgumentException("row upload: the first index " + from + " is negative");
        }
        if (rows == null) {
            if (from + (long) n > srcRows) {
                throw new IllegalArgumentException("row upload: source rows " + from + ".." + (from + n - 1) + " for a " + dst.shape()
                        + " tensor, but the source holds " + srcRows + " rows of " + cols);
            }
            return;
        }
        if (from + (long) n > rows.length) {
            throw new IllegalArgumentException("row upload: a " + dst.shape() + " tensor needs indices " + from + ".." + (from + n - 1)
                    + ", but the index array holds " + rows.length);
        }
        for (int r = 0; r < n; r++) {
            int i = rows[from + r];
            if (i < 0 || i >= srcRows) {
                throw new IllegalArgumentException("row upload: row index " + i + " (at " + (from + r) + ") is outside the source's "
                        + srcRows + " rows of " + cols);
            }
        }
    }

    /**
     * The rows that {@link Engine#uploadRows} copies, gathered on the host: {@code count} rows of {@code cols} floats.
     * For engines that stage a row upload through host memory; the arguments are checked already.
     *
     * @param src the host matrix, {@code cols} floats per row
     * @param rows the row indices to read from {@code from}, or null for src's rows from {@code from}
     * @param from the first index of {@code rows} (or src's first row)
     * @param count the number of rows to gather
     * @param cols the floats per row
     * @param into an array of at least count × cols floats to gather into, or null for a new one
     * @return the array gathered into
     */
    public static float[] gatherRows(float[] src, int[] rows, int from, int count, int cols, float[] into) {
        float[] out = into != null ? into : new float[Math.multiplyExact(count, cols)];
        for (int r = 0; r < count; r++) {
            int i = rows == null ? from + r : rows[from + r];
            System.arraycopy(src, i * cols, out, r * cols, cols);
        }
        return out;
    }

    /**
     * The rows that {@link Engine#uploadRows(byte[], float, int[], int, Tensor)} copies, converted and gathered on the host:
     * {@code count} rows of {@code cols} floats, each {@code (b & 0xff) / divisor}. The arguments are checked already.
     *
     * @param src the host matrix, {@code cols} bytes per row, read as unsigned
     * @param divisor what each byte is divided by
     * @param rows the row indices to read from {@code from}, or null for src's rows from {@code from}
     * @param from the first index of {@code rows} (or src's first row)
     * @param count the number of rows to gather
     * @param cols the bytes per row
     * @param into an array of at least count × cols floats to gather into, or null for a new one
     * @return the array gathered into
     */
    public static float[] gatherRows(byte[] src, float divisor, int[] rows, int from, int count, int cols, float[] into) {
        float[] out = into != null ? into : new float[Math.multiplyExact(count, cols)];
        for (int r = 0; r < count; r++) {
            int at = (rows == null ? from + r : rows[from + r]) * cols, to = r * cols;
            for (int j = 0; j < cols; j++) {
                out[to + j] = (src[at + j] & 0xff) / divisor;
            }
        }
        return out;
    }

    /**
     * Checks the arguments of {@link Engine#download(Tensor, float[], int)}.
     *
     * @param src the tensor to read
     * @param dst the host array to write
     * @param offset the index in {@code dst} of the first float written
     * @throws IllegalArgumentException if {@code dst} is null or has no room for {@code src.size()} floats
     *         from {@code offset}
     */
    public static void download(Tensor src, float[] dst, int offset) {
        range("download target", dst, offset, src);
    }

    private static void range(String what, float[] array, int offset, Tensor t) {
        if (array == null) {
            throw new IllegalArgumentException(what + " array is null");
        }
        if (offset < 0 || offset + t.size() > array.length) {
            throw new IllegalArgumentException(what + " holds " + array.length + " floats; a " + t.shape()
                    + " tensor at offset " + offset + " needs " + (offset + t.size()));
        }
    }

    /**
     * Checks that two tensors have the same shape.
     *
     * @param what the kernel and arguments, for the message (e.g. "copy src/dst")
     * @param x the first tensor
     * @param y the second tensor
     * @throws IllegalArgumentException if the shapes differ, naming both
     */
    public static void sameShape(String what, Tensor x, Tensor y) {
        if (x.rows() != y.rows() || x.cols() != y.cols()) {
            throw new IllegalArgumentException(what + ": shapes differ, " + x.shape() + " vs " + y.shape());
        }
    }

    /**
     * Checks the shapes of {@link Engine#gemm}: op(A) m × k, op(B) k × n, C m × n, C distinct from A and B.
     *
     * @param transA whether op(A) is Aᵀ
     * @param transB whether op(B) is Bᵀ
     * @param a the left operand
     * @param b the right operand
     * @param c the result
     * @throws IllegalArgumentException if the shapes do not fit or C is A or B
     */
    public static void gemm(boolean transA, boolean transB, Tensor a, Tensor b, Tensor c) {
        int m = transA ? a.cols() : a.rows();
        int ka = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows();
        int n = transB ? b.rows() : b.cols();
        if (ka != kb || c.rows() != m || c.cols() != n) {
            throw new IllegalArgumentException("gemm: op(A) is " + m + "×" + ka + (transA ? " (A transposed)" : "")
                    + ", op(B) is " + kb + "×" + n + (transB ? " (B transposed)" : "") + ", C is " + c.shape()
                    + ": need op(A) m×k, op(B) k×n, C m×n");
        }
        if (c == a || c == b) {
            throw new IllegalArgumentException("gemm: C must not be the same tensor as A or B");
        }
    }

    /**
     * Checks the arguments of {@link Engine#backwardProducts}: X N × in, Δ N × out, W and dW in × out, G N × in, and
     * the two results distinct from each other and from the three operands (the products may run at the same time).
     *
     * @param x the layer's input
     * @param delta the error at its output
     * @param w the weights
     * @param dw the weight gradient
     * @param g the error passed back
     * @throws IllegalArgumentException if a shape does not fit or a result aliases another tensor
     */
    public static void backwardProducts(Tensor x, Tensor delta, Tensor w, Tensor dw, Tensor g) {
        gemm(true, false, x, delta, dw);
        gemm(false, true, delta, w, g);
        if (dw == g || dw == w || g == x) {
            throw new IllegalArgumentException("backwardProducts: dW and G must be tensors of their own, distinct from each other"
                    + " and from X, Δ and W");
        }
    }

    /**
     * Checks the arguments of {@link Engine#biasActivation}: Zin and A N × n, bias 1 × n, an activation given.
     *
     * @param zin the pre-activations
     * @param bias the bias row
     * @param act the activation
     * @param a the output
     * @throws IllegalArgumentException if a shape does not fit or {@code act} is null
     */
    public static void biasActivation(Tensor zin, Tensor bias, Activation act, Tensor a) {
        sameShape("biasActivation Zin/A", zin, a);
        if (bias.rows() != 1 || bias.cols() != zin.cols()) {
            throw new IllegalArgumentException("biasActivation: bias is " + bias.shape() + ", need 1×" + zin.cols());
        }
        if (act == null) {
            throw new IllegalArgumentException("activation is null");
        }
    }

    /**
     * Checks the arguments of {@link Engine#activationBackward}: four tensors of one shape and an element-wise
     * activation.
     *
     * @param g the back-propagated error
     * @param zin the pre-activations
     * @param a the activations
     * @param act the activation
     * @param delta the result
     * @throws IllegalArgumentException if the shapes differ or {@code act} is null or not element-wise
     */
    public static void activationBackward(Tensor g, Tensor zin, Tensor a, Activation act, Tensor delta) {
        sameShape("activationBackward G/Zin", g, zin);
        sameShape("activationBackward G/A", g, a);
        sameShape("activationBackward G/Δ", g, delta);
        if (act == null || !act.isElementwise()) {
            throw new IllegalArgumentException("activationBackward: " + act
                    + " has no element-wise derivative; softmax belongs only on the output, fused with cross-entropy");
        }
    }

    /**
     * Checks the arguments of {@link Engine#outputDelta}: four tensors of one shape, Δ distinct from the
     * others, a loss that suits the activation and a loss index inside {@code lossOut}.
     *
     * @param loss the loss
     * @param act the output activation
     * @param zin the pre-activations
     * @param a the activations
     * @param t the targets
     * @param delta the result
     * @param lossOut the tensor receiving the loss sum
     * @param lossIndex the flat element of {@code lossOut} to write
     * @throws IllegalArgumentException if any of these does not hold
     */
    public static void outputDelta(Loss loss, Activation act, Tensor zin, Tensor a, Tensor t, Tensor delta,
                                   Tensor lossOut, int lossIndex) {
        sameShape("outputDelta Zin/A", zin, a);
        sameShape("outputDelta A/T", a, t);
        sameShape("outputDelta A/Δ", a, delta);
        if (delta == zin || delta == a || delta == t) {
            throw new IllegalArgumentException("outputDelta: Δ must not be Zin, A or T, which the kernel reads: give Δ a tensor of its own");
        }
        compatible(loss, act);
        index(lossOut, lossIndex, "outputDelta lossIndex");
    }

    /**
     * Checks the parameter of {@link Engine#outputDelta(Loss, float, Activation, Tensor, Tensor, Tensor, Tensor,
     * Tensor, int)} with the other arguments.
     *
     * @param loss the loss
     * @param parameter the loss's parameter
     * @param act the output activation
     * @param zin the pre-activations
     * @param a the activations
     * @param t the targets
     * @param delta the result
     * @param lossOut the tensor receiving the loss sum
     * @param lossIndex the flat element of {@code lossOut} to write
     * @throws IllegalArgumentException if any argument is out of range
     */
    public static void outputDelta(Loss loss, float parameter, Activation act, Tensor zin, Tensor a, Tensor t, Tensor delta,
                                   Tensor lossOut, int lossIndex) {
        outputDelta(loss, act, zin, a, t, delta, lossOut, lossIndex);
        loss.checkParameter(parameter);
    }

    /**
     * Checks the arguments of {@link Engine#dropout}: X and Y of one shape, p in [0, 1).
     *
     * @param x the input
     * @param p the drop probability
     * @param y the result
     * @throws IllegalArgumentException if the shapes differ or p is out of range
     */
    public static void dropout(Tensor x, float p, Tensor y) {
        sameShape("dropout X/Y", x, y);
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("dropout probability is " + p + ": it must lie in [0, 1)");
        }
    }

    /**
     * Checks the arguments of {@link Engine#layerNorm}.
     *
     * @param x the N × n input
     * @param gamma the 1 × n gains
     * @param epsilon ε
     * @param xhat the N × n normalised input
     * @param rstd the N × 1 reciprocal standard deviations
     * @param y the N × n result
     * @throws IllegalArgumentException if a shape does not fit, ε is not positive or x̂ aliases another tensor
     */
    public static void layerNorm(Tensor x, Tensor gamma, float epsilon, Tensor xhat, Tensor rstd, Tensor y) {
        normForward("layerNorm", x, gamma, epsilon, xhat, y);
        if (rstd.rows() != x.rows() || rstd.cols() != 1) {
            throw new IllegalArgumentException("layerNorm: rstd is " + rstd.shape() + ", need " + x.rows() + "×1 (one per sample)");
        }
    }

    /**
     * Checks the arguments of {@link Engine#batchNorm} (training mode).
     *
     * @param x the N × n input
     * @param gamma the 1 × n gains
     * @param epsilon ε
     * @param momentum the running statistics' momentum
     * @param runningMean the 1 × n running mean
     * @param runningVar the 1 × n running variance
     * @param xhat the N × n normalised input
     * @param rstd the 1 × n reciprocal standard deviations
     * @param y the N × n result
     * @throws IllegalArgumentException if a shape does not fit, N &lt; 2, ε or the momentum is out of range, or x̂
     *         aliases another tensor
     */
    public static void batchNorm(Tensor x, Tensor gamma, float epsilon, float momentum, Tensor runningMean, Tensor runningVar,
                                 Tensor xhat, Tensor rstd, Tensor y) {
        normForward("batchNorm", x, gamma, epsilon, xhat, y);
        row("batchNorm", " running mean", runningMean, x.cols());
        row("batchNorm", " running variance", runningVar, x.cols());
        row("batchNorm", " rstd", rstd, x.cols());
        if (x.rows() < 2) {
            throw new IllegalArgumentException("batch normalisation in training needs a batch of at least 2 samples to estimate "
                    + "a variance, got " + x.rows() + ": use a larger batch size");
        }
        if (!(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException("batchNorm momentum is " + momentum + ": it must lie in [0, 1]");
        }
    }

    /**
     * Checks the arguments of {@link Engine#batchNormInference}.
     *
     * @param x the N × n input
     * @param gamma the 1 × n gains
     * @param epsilon ε
     * @param runningMean the 1 × n running mean
     * @param runningVar the 1 × n running variance
     * @param y the N × n result
     * @throws IllegalArgumentException if a shape does not fit or ε is not positive
     */
    public static void batchNormInference(Tensor x, Tensor gamma, float epsilon, Tensor runningMean, Tensor runningVar, Tensor y) {
        sameShape("batchNormInference X/Y", x, y);
        row("batchNormInference", " γ", gamma, x.cols());
        row("batchNormInference", " running mean", runningMean, x.cols());
        row("batchNormInference", " running variance", runningVar, x.cols());
        epsilon("batchNormInference", epsilon);
    }

    /**
     * Checks the arguments of {@link Engine#layerNormBackward} and {@link Engine#batchNormBackward}.
     *
     * @param what the kernel, for messages
     * @param dy the N × n error
     * @param xhat the N × n normalised input
     * @param rstd the reciprocal standard deviations: 1 × n for batch normalisation, N × 1 for layer normalisation
     * @param gamma the 1 × n gains
     * @param dx the N × n result
     * @param dgamma the 1 × n gain gradient
     * @param perUnit whether the statistics are per unit (batch normalisation) rather than per sample
     * @throws IllegalArgumentException if a shape does not fit or dx aliases an input other than dy
     */
    public static void normBackward(String what, Tensor dy, Tensor xhat, Tensor rstd, Tensor gamma, Tensor dx, Tensor dgamma,
                                    boolean perUnit) {
        sameShape(what, " δ/x̂", dy, xhat);
        sameShape(what, " δ/dx", dy, dx);
        row(what, " γ", gamma, dy.cols());
        row(what, " dγ", dgamma, dy.cols());
        if (perUnit) {
            row(what, " rstd", rstd, dy.cols());
        } else if (rstd.rows() != dy.rows() || rstd.cols() != 1) {
            throw new IllegalArgumentException(what + ": rstd is " + rstd.shape() + ", need " + dy.rows() + "×1");
        }
        if (dx == xhat || dx == rstd || dx == gamma || dgamma == dy || dgamma == xhat || dgamma == gamma || dgamma == dx) {
            throw new IllegalArgumentException(what + ": dx may share a tensor only with δ, and dγ with none: give them tensors of their own");
        }
    }

    private static void normForward(String what, Tensor x, Tensor gamma, float epsilon, Tensor xhat, Tensor y) {
        sameShape(what, " X/Y", x, y);
        sameShape(what, " X/x̂", x, xhat);
        row(what, " γ", gamma, x.cols());
        epsilon(what, epsilon);
        if (xhat == x || xhat == y || xhat == gamma) {
            throw new IllegalArgumentException(what + ": x̂ must be a tensor of its own, not X, Y or γ");
        }
    }

    // The kernel's name and the argument's come separately and are joined only for a message: a concatenation on every
    // call would allocate on the training step's hot path, which allocates nothing once warm.
    private static void row(String what, String arg, Tensor t, int n) {
        if (t.rows() != 1 || t.cols() != n) {
            throw new IllegalArgumentException(what + arg + " is " + t.shape() + ", need 1×" + n);
        }
    }

    private static void sameShape(String what, String args, Tensor x, Tensor y) {
        if (x.rows() != y.rows() || x.cols() != y.cols()) {
            sameShape(what + args, x, y);
        }
    }

    private static void epsilon(String what, float epsilon) {
        if (!(epsilon > 0f) || Float.isInfinite(epsilon)) {
            throw new IllegalArgumentException(what + ": ε is " + epsilon + ", it must be a finite number above 0 (e.g. 1e-5)");
        }
    }

    /**
     * Checks that an output activation and a loss go together.
     *
     * @param loss the loss
     * @param act the output layer's activation
     * @throws IllegalArgumentException if either is null, or the pair is not allowed (softmax with mse,
     *         cross-entropy without softmax), saying what to use instead
     */
    public static void compatible(Loss loss, Activation act) {
        if (loss == null || act == null) {
            throw new IllegalArgumentException("loss and output activation must be given");
        }
        String mismatch = switch (loss) {
            case MSE -> act.isElementwise() ? null
                    : "a softmax output goes with cross-entropy loss, not mse: use --loss ce or another output activation";
            case L1, HUBER -> act.isElementwise() ? null
                    : "a softmax output goes with cross-entropy loss, not " + loss.id() + ": use --loss ce or another output activation";
            case SOFTMAX_CROSS_ENTROPY -> act == Activation.SOFTMAX ? null
                    : "cross-entropy loss needs a softmax output layer, not " + act.id();
            case BINARY_CROSS_ENTROPY -> act == Activation.SIGMOID ? null
                    : "binary cross-entropy needs a sigmoid output layer (one independent probability per label), not " + act.id();
        };
        if (mismatch != null) {
            throw new IllegalArgumentException(mismatch);
        }
    }

    /**
     * Checks the shapes of {@link Engine#columnSum}: X N × n and out 1 × n.
     *
     * @param x the matrix whose columns are summed
     * @param out the result row
     * @throws IllegalArgumentException if {@code out} is not 1 × n
     */
    public static void columnSum(Tensor x, Tensor out) {
        if (out.rows() != 1 || out.cols() != x.cols()) {
            throw new IllegalArgumentException("columnSum: X is " + x.shape() + ", out is " + out.shape() + ", need 1×" + x.cols());
        }
    }

    /**
     * Checks that a flat, row-major index lies inside a tensor.
     *
     * @param out the tensor
     * @param index the index, which must be in {@code [0, out.size())}
     * @param what the argument, for the message
     * @throws IllegalArgumentException if the index is out of range
     */
    public static void index(Tensor out, int index, String what) {
        if (index < 0 || index >= out.size()) {
            throw new IllegalArgumentException(what + " " + index + " is outside " + out.shape());
        }
    }

    /**
     * Checks the group of {@link Engine#adamSteps}: arrays of one length, at least 1, no null tensor, and no tensor
     * updated in place (θ_i, m_i, v_i) that appears twice in the group or is also a gradient: the calls one after
     * another would be well defined then, but not an engine that updates the group's tensors at the same time.
     * Allocates nothing.
     *
     * @param params the parameter tensors
     * @param grads their gradients
     * @param m their first moments
     * @param v their second moments
     * @param weightDecay their weight decays
     * @throws IllegalArgumentException naming what is wrong
     */
    public static void adamGroup(Tensor[] params, Tensor[] grads, Tensor[] m, Tensor[] v, float[] weightDecay) {
        int n = params.length;
        if (n == 0 || grads.length != n || m.length != n || v.length != n || weightDecay.length != n) {
            throw new IllegalArgumentException("adamSteps needs one gradient, first moment, second moment and weight decay per parameter"
                    + " tensor, at least one, got " + n + " parameters, " + grads.length + " gradients, " + m.length + " first moments, "
                    + v.length + " second moments and " + weightDecay.length + " weight decays");
        }
        for (int i = 0; i < n; i++) {
            if (params[i] == null || grads[i] == null || m[i] == null || v[i] == null) {
                throw new IllegalArgumentException("adamSteps: a tensor of parameter " + i + " is null");
            }
        }
        for (int i = 0; i < n; i++) {
            writtenOnce(params[i], 0, i, params, grads, m, v);
            writtenOnce(m[i], 1, i, params, grads, m, v);
            writtenOnce(v[i], 2, i, params, grads, m, v);
        }
    }

    /** Refuses {@code w}, tensor {@code kind} (0 θ, 1 m, 2 v) of parameter {@code i}, where it is any other tensor of the group. */
    private static void writtenOnce(Tensor w, int kind, int i, Tensor[] params, Tensor[] grads, Tensor[] m, Tensor[] v) {
        for (int j = 0; j < params.length; j++) {
            boolean self = j == i;
            if (grads[j] == w || (params[j] == w && !(self && kind == 0)) || (m[j] == w && !(self && kind == 1))
                    || (v[j] == w && !(self && kind == 2))) {
                throw new IllegalArgumentException("adamSteps: the " + (kind == 0 ? "parameter" : kind == 1 ? "first moment" : "second moment")
                        + " of parameter " + i + " is also another tensor of the group; give each its own tensor");
            }
        }
    }

    /**
     * Checks the scalar arguments of {@link Engine#adamStep}.
     *
     * @param step the 1-based step number, at least 1
     * @param beta1 the first moment's decay rate, in [0, 1)
     * @param beta2 the second moment's decay rate, in [0, 1)
     * @throws IllegalArgumentException if any is out of range
     */
    public static void adam(int step, float beta1, float beta2) {
        if (step < 1) {
            throw new IllegalArgumentException("adam step must be at least 1, got " + step);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("adam betas must lie in [0, 1), got " + beta1 + ", " + beta2);
        }
    }
}
