package delta4j.opencl;

import delta4j.engine.Activation;
import delta4j.engine.DropoutMask;
import delta4j.engine.EngineBase;
import delta4j.engine.KernelChecks;
import delta4j.engine.Loss;
import delta4j.engine.Precision;
import delta4j.engine.Tensor;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.jocl.CL.*;

/**
 * The kernel set on one OpenCL device. The engine holds one context and one in-order command queue;
 * every tensor is a device buffer, so weights, activations, δ's, gradients and optimizer state stay on the
 * device. A training step moves only the batch in ({@link #upload}, staged and non-blocking) and, when
 * asked, one loss scalar out (written by {@link #outputDelta} to a device tensor, downloaded when the
 * trainer chooses).
 *
 * <p>Programs are compiled on first use and cached for the engine's lifetime: gemm.cl once per tile
 * configuration ({@link GemmConfig}) and transpose variant, and the element-wise kernels (reduce.cl, activation.cl, loss.cl,
 * optimizer.cl, dropout.cl, normalization.cl, built as one program) once. The gemm tiles come from the tuning cache
 * ({@link GemmTuning}) if a tuning run stored some for this device and driver, else from
 * {@link GemmConfig#defaultFor}; the system property {@code delta4j.opencl.gemm} (e.g. "64x64x16/16x16")
 * overrides both.
 *
 * <p>Products at {@link Precision#TF32} and {@link Precision#BF16} run on tensor cores (gemm_mma.cl, tiles
 * {@link MmaConfig}: from the system property {@code delta4j.opencl.mma}, else the tuning cache, else the default)
 * where {@link TensorCores} finds them on the engine's first such product and the operands' rows start 16-byte
 * aligned; everywhere else gemm.cl rounds the operands as it loads them (the same numbers at fp32 speed).
 *
 * <p>Every OpenCL object the engine creates (context, queue, programs, kernels, buffers, events) is
 * counted while alive ({@link #liveHandles()}, {@link #liveHandlesAllEngines()}) and released by
 * {@link #close()}. Argument checks, ownership, locking and the closed state are {@link EngineBase}'s.
 */
public final class OpenClEngine extends EngineBase {

    /** System property that forces the gemm tile configuration, e.g. "128x128x16/16x16". */
    public static final String GEMM_PROPERTY = "delta4j.opencl.gemm";
    /** System property that forces the tensor-core tile configuration, e.g. "128x64x16/2x2/s3". */
    public static final String MMA_PROPERTY = "delta4j.opencl.mma";

    private static final System.Logger LOG = System.getLogger(OpenClEngine.class.getName());

    private static final AtomicLong LIVE_ALL = new AtomicLong();
    /** reduce.cl's CS_COLS and CS_ROWS: the work-group shape of the column kernels (column sums, batch normalisation). */
    private static final int COLUMN_GROUP_COLS = 32;
    private static final int COLUMN_GROUP_ROWS = 8;
    static final String[] ELEMENTWISE_SOURCES = {"reduce.cl", "activation.cl", "loss.cl", "optimizer.cl", "dropout.cl", "normalization.cl",
            "upload.cl"};

    private final OpenClDevice device;
    private final Precision precision;
    final cl_context context;
    final cl_command_queue queue;
    private final Staging staging;
    private final Map<String, cl_program> programs = new HashMap<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    /** Work-group size of the reducing kernels (RWG) and the element-wise kernels. */
    private final int rwg;
    /** Work-groups of a grid-stride reduction: a few per compute unit. */
    private final int reduceGroups;
    private GemmConfig gemmConfig;
    /** Tiles of the tensor-core kernels (tf32 and bf16 products). */
    private MmaConfig mmaConfig;
    /** gemm_mma.cl built with MMA_EMULATE (its instructions in plain OpenCL C, on any device): for tests. */
    private boolean mmaEmulated;
    /** Whether tf32/bf16 products run on tensor cores; null until the first such product asks. */
    private TensorCores.Verdict tensorCores;
    private long liveHandles;
    private long allocatedBytes;
    /** Partial sums of reductions and per-row losses; grows to the largest batch, never per step. */
    private final GrowingBuffer scratch = new GrowingBuffer("a scratch buffer");
    /** The gathered rows of a byte upload on the device; grows to the largest batch, never per step. */
    private final GrowingBuffer byteScratch = new GrowingBuffer("a buffer for uploads of bytes");
    /** The 256 quotients of a byte upload's divisor ({@link #quotientsDivisor}'s), written when the divisor changes. */
    private final GrowingBuffer quotients = new GrowingBuffer("the byte upload's table");
    private float quotientsDivisor = Float.NaN;

    /**
     * Opens an engine on a device (see {@link OpenClDevices#list()} and {@link OpenClDevices#select}).
     *
     * @param device the device to run on; its work-groups must allow 256 work-items
     * @throws OpenClException when the device cannot give a context or queue
     */
    public OpenClEngine(OpenClDevice device) {
        this(device, Precision.FP32);
    }

    /**
     * Opens an engine whose products are at {@code precision}: gemm.cl rounds every operand as it reads it
     * (tf32 and bf16 at fp32 speed, on any device), or, on NVIDIA devices of compute capability 8.0 and
     * above that pass the probe, tensor cores ({@link #productPath()}).
     *
     * @param device    the device to run on
     * @param precision the rounding of the products' operands ({@link Precision})
     * @throws OpenClException when the device cannot give a context or queue
     */
    public OpenClEngine(OpenClDevice device, Precision precision) {
        this.device = device;
        this.precision = precision;
        if (device.maxWorkGroupSize() < 256) {
            throw new OpenClException("OpenCL device " + device.name() + " allows work-groups of at most "
                    + device.maxWorkGroupSize() + " work-items; delta4j's kernels need 256: select another device");
        }
        this.rwg = 256;
        this.reduceGroups = Math.max(8, Math.min(1024, 4 * device.computeUnits()));
        // Settle the gemm tiles before any OpenCL object exists, so a bad override leaks nothing.
        String forced = System.getProperty(GEMM_PROPERTY);
        GemmConfig tiles = forced != null && !forced.isBlank() ? GemmConfig.parse(forced)
                : GemmTuning.load(device).orElseGet(() -> GemmConfig.defaultFor(device));
        if (!tiles.fits(device)) {
            throw new IllegalArgumentException(GEMM_PROPERTY + "=" + forced + " needs " + tiles.workGroupSize() + " work-items and "
                    + tiles.localMemBytes() + " bytes of local memory per group; " + device.name() + " allows "
                    + device.maxWorkGroupSize() + " and " + device.localMemBytes() + ": choose smaller tiles");
        }
        this.gemmConfig = tiles;
        String forcedMma = System.getProperty(MMA_PROPERTY);
        this.mmaConfig = forcedMma != null && !forcedMma.isBlank() ? MmaConfig.parse(forcedMma)
                : GemmTuning.loadMma(device, precision).orElse(MmaConfig.DEFAULT);
        cl_context ctx = null;
        cl_command_queue q = null;
        try {
            cl_context_properties props = new cl_context_properties();
            props.addProperty(CL_CONTEXT_PLATFORM, device.platform);
            ctx = clCreateContext(props, 1, new cl_device_id[]{device.id}, null, null, null);
            track(+1);
            q = createQueue(ctx, device.id);
            track(+1);
        } catch (CLException e) {
            if (ctx != null) {
                clReleaseContext(ctx);
                track(-1);
            }
            throw new OpenClException("cannot open OpenCL device " + device.summary() + ": "
                    + CL.stringFor_errorCode(e.getStatus()), e);
        }
        this.context = ctx;
        this.queue = q;
        this.staging = new Staging(this);
    }

    @SuppressWarnings("deprecation")
    private static cl_command_queue createQueue(cl_context ctx, cl_device_id dev) {
        // clCreateCommandQueue (1.2) rather than ...WithProperties (2.0): NVIDIA's older drivers expose 1.2 only.
        return clCreateCommandQueue(ctx, dev, 0, null);
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String device() {
        return device.summary();
    }

    @Override
    public Precision precision() {
        return precision;
    }

    /** {@return the device this engine runs on} */
    public OpenClDevice openClDevice() {
        return device;
    }

    /** {@return the gemm tile configuration in use} */
    public GemmConfig gemmConfig() {
        return gemmConfig;
    }

    /**
     * {@return the fp32 tiles a product with an m × n result runs with: the engine's configuration, unless that
     * leaves compute units idle (fewer work-groups than compute units) and {@link GemmConfig#GPU_SMALL} makes more}
     * Products on tensor cores (tf32 and bf16, see {@link #productPath()}) run with {@link #mmaConfig()} instead.
     * For tools that report what a product ran with (delta4j-gpu-check).
     *
     * @param m the result's rows
     * @param n the result's columns
     */
    public GemmConfig tilesFor(int m, int n) {
        GemmConfig big = gemmConfig;
        if (groups(big, m, n) < device.computeUnits() && device.isGpu() && GemmConfig.GPU_SMALL.fits(device)
                && groups(GemmConfig.GPU_SMALL, m, n) > groups(big, m, n)) {
            return GemmConfig.GPU_SMALL;
        }
        return big;
    }

    private static long groups(GemmConfig c, int m, int n) {
        return (long) ((m + c.mwg() - 1) / c.mwg()) * ((n + c.nwg() - 1) / c.nwg());
    }

    /** {@return the tensor-core tile configuration in use for tf32 and bf16 products} */
    public MmaConfig mmaConfig() {
        return mmaConfig;
    }

    /**
     * Switches the tensor-core tile configuration (compiling it on its first use); the self-test runs again with it.
     *
     * @param config the tiles for every later tf32 or bf16 product on tensor cores
     */
    public synchronized void mmaConfig(MmaConfig config) {
        this.mmaConfig = config;
        this.tensorCores = null;
    }

    /** Builds gemm_mma.cl with its instructions emulated in OpenCL C from now on, so it runs on any device. For tests. */
    synchronized void emulateTensorCores(MmaConfig config) {
        this.mmaConfig = config;
        this.mmaEmulated = true;
        this.tensorCores = null;
    }

    /**
     * {@return how this engine's products run, in words: "fp32", "tf32 on tensor cores (tiles 128x128x16/2x4/s2)",
     * or "bf16 rounded in fp32 kernels: " and the reason tensor cores are not used} Probes on first call (tf32, bf16).
     */
    public synchronized String productPath() {
        if (precision == Precision.FP32) {
            return "fp32";
        }
        TensorCores.Verdict v = tensorCores();
        return v.available() ? precision.cliName() + " on tensor cores" + (mmaEmulated ? " (emulated in OpenCL C)" : "") + " (tiles " + mmaConfig + ")"
                : precision.cliName() + " rounded in fp32 kernels: " + v.reason();
    }

    /** The tensor-core verdict for this engine's precision, probed once (tf32 and bf16 only). */
    private TensorCores.Verdict tensorCores() {
        if (tensorCores == null) {
            tensorCores = TensorCores.Verdict.no("probing"); // a product the probe itself runs must not probe again
            TensorCores.Verdict v = TensorCores.probe(this, mmaConfig, mmaEmulated);
            tensorCores = v;
            if (!v.available() && device.isNvidia()) {
                LOG.log(System.Logger.Level.WARNING, "opencl: " + precision.cliName() + " products on " + device.name()
                        + " do not use tensor cores (" + v.reason() + "); the operands are rounded in fp32 kernels instead: the same numbers at fp32 speed");
            }
        }
        return tensorCores;
    }

    /**
     * Switches the gemm tile configuration (compiling it on its first use).
     *
     * @param config the tiles for every later gemm
     * @throws IllegalArgumentException if the device cannot run them (work-group size or local memory)
     */
    public void gemmConfig(GemmConfig config) {
        if (!config.fits(device)) {
            throw new IllegalArgumentException("gemm tile " + config + " needs " + config.workGroupSize() + " work-items and "
                    + config.localMemBytes() + " bytes of local memory; " + device.name() + " allows "
                    + device.maxWorkGroupSize() + " and " + device.localMemBytes());
        }
        this.gemmConfig = config;
    }

    // ---------------------------------------------------------------- handle accounting

    void track(int delta) {
        liveHandles += delta;
        LIVE_ALL.addAndGet(delta);
    }

    /** {@return OpenCL objects this engine holds now (0 after {@link #close()})} */
    public long liveHandles() {
        return liveHandles;
    }

    /** {@return OpenCL objects held by all OpenCL engines of this JVM together (for leak tests)} */
    public static long liveHandlesAllEngines() {
        return LIVE_ALL.get();
    }

    /** Sets the largest upload that is staged (non-blocking); larger ones are written blocking. For tests. */
    void maxStagedBytes(long bytes) {
        staging.maxStagedBytes = bytes;
    }

    /** {@return bytes of device memory held by this engine's tensors and scratch buffers} */
    public long allocatedBytes() {
        return allocatedBytes;
    }

    // ---------------------------------------------------------------- memory

    @Override
    protected Tensor newTensor(int rows, int cols) {
        long count = (long) rows * cols;
        long bytes = count * Float.BYTES;
        String what = "a " + rows + "×" + cols + " tensor (" + OpenClDevice.gib(bytes) + ")";
        if (count > Integer.MAX_VALUE) {
            throw new OpenClException("cannot allocate " + what + ": OpenCL tensors hold at most " + Integer.MAX_VALUE
                    + " floats; use a smaller batch or layer");
        }
        checkFits(what, bytes);
        cl_mem mem = createBuffer(what, bytes);
        OpenClTensor t = new OpenClTensor(this, rows, cols, mem);
        allocatedBytes += bytes;
        fillBuffer(mem, bytes, 0f);
        return t;
    }

    /** Fails before allocating when a buffer cannot fit the device, naming the request and the limits. */
    private void checkFits(String what, long bytes) {
        if (bytes > device.maxAllocBytes()) {
            throw new OpenClException("cannot allocate " + what + " on " + device.name() + ": one buffer may hold at most "
                    + OpenClDevice.gib(device.maxAllocBytes()) + " (CL_DEVICE_MAX_MEM_ALLOC_SIZE); use a smaller batch or layer");
        }
        if (allocatedBytes + bytes > device.globalMemBytes()) {
            throw new OpenClException("cannot allocate " + what + " on " + device.name() + ": the device has "
                    + OpenClDevice.gib(device.globalMemBytes()) + " and this engine already holds " + OpenClDevice.gib(allocatedBytes)
                    + "; close tensors you no longer need, or use a smaller batch or layer");
        }
    }

    private cl_mem createBuffer(String what, long bytes) {
        try {
            cl_mem mem = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
            track(+1);
            return mem;
        } catch (CLException e) {
            throw new OpenClException("cannot allocate " + what + " on " + device.name() + ": "
                    + CL.stringFor_errorCode(e.getStatus()) + " (this engine holds " + OpenClDevice.gib(allocatedBytes) + ")", e);
        }
    }

    // Synchronized like allocate: tensors may be closed from any thread (the set and the byte count are shared).
    synchronized void release(OpenClTensor t) {
        if (t.mem != null) {
            // The runtime defers the actual free until enqueued commands that use the buffer have finished.
            clReleaseMemObject(t.mem);
            track(-1);
            t.mem = null;
            allocatedBytes -= t.bytes();
            forget(t);
        }
    }

    @Override
    protected void write(float[] src, int offset, Tensor dst) {
        OpenClTensor d = (OpenClTensor) dst;
        long bytes = d.bytes();
        try {
            if (staging.staged(bytes)) {
                staging.upload(src, offset, (int) d.size(), d.mem);
            } else {
                clEnqueueWriteBuffer(queue, d.mem, CL_TRUE, 0, bytes, Pointer.to(src).withByteOffset((long) offset * Float.BYTES),
                        0, null, null);
            }
        } catch (CLException e) {
            throw failure("upload into " + dst.shape(), e);
        }
    }

    /**
     * The byte gather on the device: the rows gathered as bytes into a staging buffer and uploaded, then turned into
     * floats by {@code unsigned_bytes} from a table of the divisor's 256 quotients computed here with Java's division,
     * so the floats are those of the default's host conversion, bit for bit. Moves a quarter of the bytes over the bus
     * and takes the conversion off the host. A batch too large to stage takes the default.
     */
    @Override
    protected void writeRows(byte[] src, float divisor, int[] rows, int from, Tensor dst) {
        int count = Math.toIntExact(dst.size());
        if (!staging.staged(count)) {
            super.writeRows(src, divisor, rows, from, dst);
            return;
        }
        try {
            cl_mem bytes = byteScratch(count);
            staging.upload(src, rows, from, dst.rows(), dst.cols(), bytes);
            cl_kernel k = kernel(null, "unsigned_bytes");
            args(k, count, bytes, quotients(divisor), dst);
            enqueue1d(k, "unsigned_bytes", count);
        } catch (CLException e) {
            throw failure("upload of bytes into " + dst.shape(), e);
        }
    }

    /** The byte scratch buffer, grown to at least n bytes. */
    private cl_mem byteScratch(long n) {
        return byteScratch.atLeast(n, Math.max(n, 2 * byteScratch.bytes()));
    }

    /** The table of {@code (b & 0xff) / divisor} for every byte b, on the device. */
    private cl_mem quotients(float divisor) {
        cl_mem table = quotients.atLeast(256L * Float.BYTES, 256L * Float.BYTES);
        if (Float.floatToRawIntBits(divisor) != Float.floatToRawIntBits(quotientsDivisor)) {
            float[] values = new float[256];
            for (int b = 0; b < 256; b++) {
                values[b] = b / divisor;
            }
            // Blocking: the array is the JVM's, and the divisor changes rarely (once per data set).
            clEnqueueWriteBuffer(queue, table, CL_TRUE, 0, 256L * Float.BYTES, Pointer.to(values), 0, null, null);
            quotientsDivisor = divisor;
        }
        return table;
    }

    /**
     * An engine-owned device buffer that grows to the largest size asked of it, never shrinks, and is freed with the
     * engine; its bytes count in {@link #allocatedBytes()}. A buffer replaced by a larger one is released at once: the
     * runtime frees it once the commands already enqueued on it are done.
     */
    private final class GrowingBuffer {
        private final String what;
        private cl_mem mem;
        private long bytes;

        GrowingBuffer(String what) {
            this.what = what;
        }

        /** {@return the buffer of at least {@code need} bytes}; one that must grow becomes {@code grown} bytes (≥ need). */
        cl_mem atLeast(long need, long grown) {
            if (bytes < need) {
                String described = what + " of " + grown + " bytes";
                checkFits(described, grown);
                cl_mem fresh = createBuffer(described, grown);
                release();
                mem = fresh;
                bytes = grown;
                allocatedBytes += grown;
            }
            return mem;
        }

        /** {@return the buffer as it is: null before the first {@link #atLeast}} */
        cl_mem mem() {
            return mem;
        }

        long bytes() {
            return bytes;
        }

        void release() {
            if (mem != null) {
                clReleaseMemObject(mem);
                track(-1);
                allocatedBytes -= bytes;
                mem = null;
                bytes = 0;
            }
        }
    }

    @Override
    protected void read(Tensor src, float[] dst, int offset) {
        OpenClTensor s = (OpenClTensor) src;
        try {
            clEnqueueReadBuffer(queue, s.mem, CL_TRUE, 0, s.bytes(), Pointer.to(dst).withByteOffset((long) offset * Float.BYTES),
                    0, null, null);
        } catch (CLException e) {
            throw failure("download of " + src.shape(), e);
        }
    }

    @Override
    protected void copyKernel(Tensor src, Tensor dst) {
        if (src == dst) {
            return;
        }
        try {
            clEnqueueCopyBuffer(queue, mem(src), mem(dst), 0, 0, ((OpenClTensor) src).bytes(), 0, null, null);
        } catch (CLException e) {
            throw failure("copy of " + src.shape(), e);
        }
    }

    @Override
    protected void fillKernel(Tensor dst, float value) {
        fillBuffer(mem(dst), ((OpenClTensor) dst).bytes(), value);
    }

    private void fillBuffer(cl_mem mem, long bytes, float value) {
        try {
            clEnqueueFillBuffer(queue, mem, Pointer.to(new float[]{value}), Sizeof.cl_float, 0, bytes, 0, null, null);
        } catch (CLException e) {
            throw failure("fill of " + bytes + " bytes", e);
        }
    }

    @Override
    protected void finishKernels() {
        ensureOpen();
        try {
            clFinish(queue);
        } catch (CLException e) {
            throw failure("finish", e);
        }
    }

    // close(): EngineBase closes the tensors (the runtime frees a buffer once the commands that use it are done), then:
    @Override
    protected void releaseResources() {
        try {
            clFinish(queue);
        } catch (CLException e) {
            // Release everything regardless: the device may have failed, the handles are still ours.
        }
        staging.close();
        scratch.release();
        byteScratch.release();
        quotients.release();
        for (cl_kernel k : kernels.values()) {
            clReleaseKernel(k);
            track(-1);
        }
        kernels.clear();
        for (cl_program p : programs.values()) {
            clReleaseProgram(p);
            track(-1);
        }
        programs.clear();
        clReleaseCommandQueue(queue);
        track(-1);
        clReleaseContext(context);
        track(-1);
    }

    private void ensureOpen() {
        if (isClosed()) {
            throw new IllegalStateException("the opencl engine is closed: create a new engine");
        }
    }

    // ---------------------------------------------------------------- gemm

    @Override
    protected void gemmKernel(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        // cp.async copies 16 bytes at a time: every row of A and B must start 16-byte aligned.
        if (precision != Precision.FP32 && a.cols() % 4 == 0 && b.cols() % 4 == 0 && tensorCores().available()) {
            gemmMma(mmaConfig, transA, transB, alpha, a, b, beta, c);
        } else {
            enqueueGemm(tilesFor(c.rows(), c.cols()), transA, transB, alpha, a, b, beta, c);
        }
    }

    /**
     * {@link #gemm} on tensor cores (gemm_mma.cl) with explicit tiles instead of {@link #mmaConfig()}, checked as
     * {@code gemm} is; the entry point for timing candidate tiles (delta4j-gpu-check tunes with it, then caches the
     * fastest correct ones with {@link GemmTuning#saveMma}). It runs the tiles as given, without the self-test that
     * guards the engine's own choice, so a caller checks the result. Called on the engine's monitor, as every kernel is.
     *
     * @param cfg    the tensor-core tiles
     * @param transA whether A is transposed
     * @param transB whether B is transposed
     * @param alpha  α
     * @param a      A
     * @param b      B
     * @param beta   β; 0 never reads C
     * @param c      C, overwritten
     * @throws IllegalArgumentException if the shapes do not agree, or the engine is fp32, or a row of A or B is not
     *                                  a multiple of 4 floats
     * @throws OpenClException if gemm_mma.cl does not build or run with these tiles on this device
     */
    public synchronized void gemmMma(MmaConfig cfg, boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        KernelChecks.owned(this, a, b, c);
        KernelChecks.gemm(transA, transB, a, b, c);
        if (precision == Precision.FP32 || a.cols() % 4 != 0 || b.cols() % 4 != 0) {
            throw new IllegalArgumentException("tensor-core products need a tf32 or bf16 engine and operands whose column counts are"
                    + " multiples of 4; this engine is " + precision.cliName() + ", the operands " + a.rows() + "×" + a.cols() + " and "
                    + b.rows() + "×" + b.cols());
        }
        int m = c.rows(), n = c.cols(), k = transA ? a.rows() : a.cols();
        String name = "gemm_mma_" + (transA ? "t" : "n") + (transB ? "t" : "n");
        cl_kernel kernel = kernel("gemm_mma.cl|" + cfg + (mmaEmulated ? "|emulated" : "|ptx") + "|" + name, name);
        args(kernel, m, n, k, alpha, beta, a, a.cols(), b, b.cols(), c, c.cols());
        long groupsN = (n + cfg.nwg() - 1) / cfg.nwg();
        long groupsM = (m + cfg.mwg() - 1) / cfg.mwg();
        enqueue(kernel, name, new long[]{groupsN * cfg.workGroupSize(), groupsM}, new long[]{cfg.workGroupSize(), 1});
    }

    /**
     * {@link #gemm} in fp32 kernels with explicit tiles instead of {@link #tilesFor}, checked as {@code gemm} is; the
     * entry point for timing candidate tiles (delta4j-gpu-check tunes with it, then caches the fastest correct ones
     * with {@link GemmTuning#save}). The operands are rounded to the engine's precision, as gemm.cl always does.
     * Called on the engine's monitor, as every kernel is.
     *
     * @param cfg    the fp32 tiles
     * @param transA whether A is transposed
     * @param transB whether B is transposed
     * @param alpha  α
     * @param a      A
     * @param b      B
     * @param beta   β; 0 never reads C
     * @param c      C, overwritten
     * @throws IllegalArgumentException if the shapes do not agree
     * @throws OpenClException if gemm.cl does not build or run with these tiles on this device
     */
    public synchronized void gemm(GemmConfig cfg, boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        KernelChecks.owned(this, a, b, c);
        KernelChecks.gemm(transA, transB, a, b, c);
        enqueueGemm(cfg, transA, transB, alpha, a, b, beta, c);
    }

    private void enqueueGemm(GemmConfig cfg, boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        int m = c.rows(), n = c.cols(), k = transA ? a.rows() : a.cols();
        int lda = a.cols(), ldb = b.cols(), ldc = c.cols();
        // float4 reads need every row to start on a 16-byte boundary.
        int aligned = lda % 4 == 0 && ldb % 4 == 0 && ldc % 4 == 0 ? 1 : 0;
        String name = "gemm_" + (transA ? "t" : "n") + (transB ? "t" : "n");
        cl_kernel kernel = kernel("gemm.cl|" + cfg + "|" + name, name);
        args(kernel, m, n, k, alpha, beta, a, lda, b, ldb, c, ldc, aligned);
        long groupsN = (n + cfg.nwg() - 1) / cfg.nwg();
        long groupsM = (m + cfg.mwg() - 1) / cfg.mwg();
        enqueue(kernel, name, new long[]{groupsN * cfg.ndimc(), groupsM * cfg.mdimc()}, new long[]{cfg.ndimc(), cfg.mdimc()});
    }

    // ---------------------------------------------------------------- activations

    @Override
    protected void biasActivationKernel(Tensor zin, Tensor bias, Activation act, Tensor a) {
        if (act == Activation.SOFTMAX) {
            cl_kernel k = kernel(null, "bias_softmax");
            args(k, zin.cols(), zin, bias, a);
            enqueue(k, "bias_softmax", new long[]{(long) zin.rows() * rwg}, new long[]{rwg});
        } else {
            cl_kernel k = kernel(null, "bias_activation");
            args(k, size(zin), zin.cols(), zin, bias, a, act.code());
            enqueue1d(k, "bias_activation", size(zin));
        }
    }

    @Override
    protected void activationBackwardKernel(Tensor g, Tensor zin, Tensor a, Activation act, Tensor delta) {
        cl_kernel k = kernel(null, "activation_backward");
        args(k, size(g), g, zin, a, delta, act.code());
        enqueue1d(k, "activation_backward", size(g));
    }

    // ---------------------------------------------------------------- output δ and loss

    @Override
    protected void outputDeltaKernel(Loss loss, float parameter, Activation act, Tensor zin, Tensor a, Tensor target, Tensor delta,
                                     Tensor lossOut, int lossIndex) {
        int partials = switch (loss) {
            case MSE -> {
                int groups = groupsFor(size(a));
                cl_kernel k = kernel(null, "mse_delta");
                args(k, size(a), zin, a, target, delta, act.code(), scratch(groups));
                enqueue(k, "mse_delta", new long[]{(long) groups * rwg}, new long[]{rwg});
                yield groups;
            }
            case L1 -> {
                int groups = groupsFor(size(a));
                cl_kernel k = kernel(null, "l1_delta");
                args(k, size(a), zin, a, target, delta, act.code(), scratch(groups));
                enqueue(k, "l1_delta", new long[]{(long) groups * rwg}, new long[]{rwg});
                yield groups;
            }
            case HUBER -> {
                int groups = groupsFor(size(a));
                cl_kernel k = kernel(null, "huber_delta");
                args(k, size(a), zin, a, target, delta, act.code(), parameter, scratch(groups));
                enqueue(k, "huber_delta", new long[]{(long) groups * rwg}, new long[]{rwg});
                yield groups;
            }
            case BINARY_CROSS_ENTROPY -> {
                int groups = groupsFor(size(a));
                cl_kernel k = kernel(null, "bce_delta");
                args(k, size(a), zin, a, target, delta, scratch(groups));
                enqueue(k, "bce_delta", new long[]{(long) groups * rwg}, new long[]{rwg});
                yield groups;
            }
            case SOFTMAX_CROSS_ENTROPY -> {
                int rows = a.rows();
                cl_kernel k = kernel(null, "softmax_ce_delta");
                args(k, a.cols(), zin, a, target, delta, scratch(rows));
                enqueue(k, "softmax_ce_delta", new long[]{(long) rows * rwg}, new long[]{rwg});
                yield rows;
            }
        };
        sumInto(partials, lossOut, lossIndex);
    }

    // ---------------------------------------------------------------- dropout and normalisation

    @Override
    protected void dropoutKernel(Tensor x, float p, long key, Tensor y) {
        // Threshold and scale from DropoutMask, so the float scale is rounded once, as on every engine.
        cl_kernel k = kernel(null, "dropout");
        args(k, size(x), x, y, key, DropoutMask.threshold(p), DropoutMask.scale(p));
        enqueue1d(k, "dropout", size(x));
    }

    @Override
    protected void layerNormKernel(Tensor x, Tensor gamma, float epsilon, Tensor xhat, Tensor rstd, Tensor y) {
        cl_kernel k = kernel(null, "layer_norm");
        args(k, x.cols(), x, gamma, epsilon, xhat, rstd, y);
        enqueue(k, "layer_norm", new long[]{(long) x.rows() * rwg}, new long[]{rwg});
    }

    @Override
    protected void layerNormBackwardKernel(Tensor dy, Tensor xhat, Tensor rstd, Tensor gamma, float alpha, Tensor dx, Tensor dgamma) {
        // dγ first: dx may be δ itself, which the row kernel overwrites.
        cl_kernel dot = kernel(null, "column_dot");
        args(dot, dy.rows(), dy.cols(), alpha, dy, xhat, dgamma);
        enqueue(dot, "column_dot", new long[]{columnGroups(dy.cols()) * COLUMN_GROUP_COLS, COLUMN_GROUP_ROWS},
                new long[]{COLUMN_GROUP_COLS, COLUMN_GROUP_ROWS});
        cl_kernel k = kernel(null, "layer_norm_backward");
        args(k, dy.cols(), dy, xhat, rstd, gamma, dx);
        enqueue(k, "layer_norm_backward", new long[]{(long) dy.rows() * rwg}, new long[]{rwg});
    }

    @Override
    protected void batchNormKernel(Tensor x, Tensor gamma, float epsilon, float momentum, Tensor runningMean, Tensor runningVar,
                                   Tensor xhat, Tensor rstd, Tensor y) {
        cl_kernel k = kernel(null, "batch_norm");
        args(k, x.rows(), x.cols(), x, gamma, epsilon, momentum, runningMean, runningVar, xhat, rstd, y);
        enqueue(k, "batch_norm", new long[]{columnGroups(x.cols()) * COLUMN_GROUP_COLS, COLUMN_GROUP_ROWS},
                new long[]{COLUMN_GROUP_COLS, COLUMN_GROUP_ROWS});
    }

    @Override
    protected void batchNormBackwardKernel(Tensor dy, Tensor xhat, Tensor rstd, Tensor gamma, float alpha, Tensor dx, Tensor dgamma) {
        cl_kernel k = kernel(null, "batch_norm_backward");
        args(k, dy.rows(), dy.cols(), dy, xhat, rstd, gamma, alpha, dx, dgamma);
        enqueue(k, "batch_norm_backward", new long[]{columnGroups(dy.cols()) * COLUMN_GROUP_COLS, COLUMN_GROUP_ROWS},
                new long[]{COLUMN_GROUP_COLS, COLUMN_GROUP_ROWS});
    }

    @Override
    protected void batchNormInferenceKernel(Tensor x, Tensor gamma, float epsilon, Tensor runningMean, Tensor runningVar, Tensor y) {
        cl_kernel k = kernel(null, "batch_norm_inference");
        args(k, size(x), x.cols(), x, gamma, epsilon, runningMean, runningVar, y);
        enqueue1d(k, "batch_norm_inference", size(x));
    }

    /** Work-groups of the column kernels (reduce.cl's CS_COLS × CS_ROWS) that cover n columns. */
    private static long columnGroups(int n) {
        return (n + COLUMN_GROUP_COLS - 1) / COLUMN_GROUP_COLS;
    }

    // ---------------------------------------------------------------- reductions

    @Override
    protected void columnSumKernel(float alpha, Tensor x, Tensor out) {
        cl_kernel k = kernel(null, "column_sum");
        args(k, x.rows(), x.cols(), alpha, x, out);
        enqueue(k, "column_sum", new long[]{columnGroups(x.cols()) * COLUMN_GROUP_COLS, COLUMN_GROUP_ROWS},
                new long[]{COLUMN_GROUP_COLS, COLUMN_GROUP_ROWS});
    }

    @Override
    protected void sumOfSquaresKernel(Tensor x, Tensor out, int index) {
        int partials = groupsFor(size(x));
        cl_mem s = scratch(partials);
        cl_kernel k = kernel(null, "sum_squares_partial");
        args(k, size(x), x, s);
        enqueue(k, "sum_squares_partial", new long[]{(long) partials * rwg}, new long[]{rwg});
        sumInto(partials, out, index);
    }

    @Override
    protected void scaleKernel(Tensor x, float alpha) {
        cl_kernel k = kernel(null, "scale");
        args(k, size(x), x, alpha);
        enqueue1d(k, "scale", size(x));
    }

    private void sumInto(int count, Tensor out, int index) {
        cl_kernel k = kernel(null, "sum_into");
        args(k, count, scratch.mem(), out, index);
        enqueue(k, "sum_into", new long[]{rwg}, new long[]{rwg});
    }

    private int groupsFor(int size) {
        return (int) Math.min(reduceGroups, (size + rwg - 1L) / rwg);
    }

    /** The scratch buffer, grown to at least n floats (only when a larger batch than before appears). */
    private cl_mem scratch(int n) {
        long floats = scratch.bytes() / Float.BYTES;
        return scratch.atLeast((long) n * Float.BYTES, Math.max(n, Math.max(reduceGroups, 2 * floats)) * Float.BYTES);
    }

    // ---------------------------------------------------------------- optimizers

    @Override
    protected void sgdStepKernel(Tensor param, Tensor grad, float lr, float weightDecay) {
        cl_kernel k = kernel(null, "sgd_step");
        args(k, size(param), param, grad, lr, weightDecay);
        enqueue1d(k, "sgd_step", size(param));
    }

    @Override
    protected void momentumStepKernel(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum,
                                      float weightDecay, boolean nesterov) {
        cl_kernel k = kernel(null, "momentum_step");
        args(k, size(param), param, grad, velocity, lr, momentum, weightDecay, nesterov ? 1 : 0);
        enqueue1d(k, "momentum_step", size(param));
    }

    @Override
    protected void adamStepKernel(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                                  float epsilon, float weightDecay, boolean decoupled, int step) {
        // Bias corrections exactly as the reference engine rounds them.
        float bc1 = (float) (1 - Math.pow(beta1, step));
        float bc2 = (float) (1 - Math.pow(beta2, step));
        cl_kernel k = kernel(null, "adam_step");
        args(k, size(param), param, grad, m, v, lr, beta1, beta2, epsilon, weightDecay, decoupled ? 1 : 0, bc1, bc2);
        enqueue1d(k, "adam_step", size(param));
    }

    // ---------------------------------------------------------------- programs and kernels

    /**
     * The named kernel of a program, building the program on first use. {@code programKey} null means the
     * element-wise program; "gemm.cl|<config>|<kernel>" the gemm program of one transpose variant
     * (gemm_nn, gemm_nt, gemm_tn, gemm_tt) for one tile configuration.
     */
    private cl_kernel kernel(String programKey, String name) {
        ensureOpen();
        String key = programKey == null ? "elementwise" : programKey;
        String kernelKey = key + "#" + name;
        cl_kernel k = kernels.get(kernelKey);
        if (k == null) {
            cl_program p = programs.get(key);
            if (p == null) {
                if (programKey == null) {
                    p = build("element-wise kernels (" + String.join(", ", ELEMENTWISE_SOURCES) + ")",
                            ActivationDispatch.source() + source(ELEMENTWISE_SOURCES), "-DRWG=" + rwg);
                } else if (programKey.startsWith("gemm_mma.cl|")) {
                    MmaConfig cfg = MmaConfig.parse(programKey.split("\\|")[1]);
                    boolean emulated = programKey.contains("|emulated|");
                    p = build(name + " (gemm_mma.cl" + (emulated ? ", emulated" : "") + ") with tiles " + cfg, source("gemm_mma.cl"),
                            cfg.options(device, emulated) + transposeDefines(name) + " -DPRECISION=" + precisionCode());
                } else {
                    p = build(name + " (gemm.cl) with tiles " + gemmKeyConfig(programKey), source("gemm.cl"),
                            gemmKeyConfig(programKey).options(device) + transposeDefines(name) + " -DPRECISION=" + precisionCode());
                }
                programs.put(key, p);
            }
            try {
                k = clCreateKernel(p, name, null);
                track(+1);
            } catch (CLException e) {
                throw failure("creating kernel " + name, e);
            }
            kernels.put(kernelKey, k);
        }
        return k;
    }

    /** " -DTRANSA=a -DTRANSB=b" for a kernel named gemm_xy or gemm_mma_xy. */
    private static String transposeDefines(String kernelName) {
        int v = kernelName.length() - 2;
        return " -DTRANSA=" + (kernelName.charAt(v) == 't' ? 1 : 0) + " -DTRANSB=" + (kernelName.charAt(v + 1) == 't' ? 1 : 0);
    }

    /** gemm.cl's and gemm_mma.cl's PRECISION: 0 fp32, 1 tf32, 2 bf16. */
    private int precisionCode() {
        return switch (precision) {
            case FP32 -> 0;
            case TF32 -> 1;
            case BF16 -> 2;
        };
    }

    private static GemmConfig gemmKeyConfig(String programKey) {
        String[] parts = programKey.split("\\|");
        return GemmConfig.parse(parts[1]);
    }

    /**
     * Compiles an OpenCL C program for this engine's device.
     *
     * @throws OpenClException when the build fails; the message carries the compiler's build log
     */
    cl_program build(String what, String source, String defines) {
        ensureOpen();
        String options = "-cl-std=CL1.2 " + defines;
        for (int attempt = 1; ; attempt++) {
            cl_program p;
            try {
                p = clCreateProgramWithSource(context, 1, new String[]{source}, null, null);
                track(+1);
            } catch (CLException e) {
                throw failure("creating program " + what, e);
            }
            try {
                clBuildProgram(p, 1, new cl_device_id[]{device.id}, options, null, null);
                return p;
            } catch (CLException e) {
                String log = buildLog(p);
                clReleaseProgram(p);
                track(-1);
                // A compiler that lost its temporary file failed for a reason outside the source (CompilerTempFiles
                // says which); the build has no side effects, so it is tried again a bounded number of times.
                boolean lostTemp = CompilerTempFiles.lostTempFile(log);
                if (lostTemp && attempt < CompilerTempFiles.ATTEMPTS) {
                    CompilerTempFiles.countRetry();
                    continue;
                }
                String why = lostTemp ? CompilerTempFiles.explain(log, device.platformName(), attempt) + "; " : "";
                throw new OpenClException("OpenCL build of " + what + " failed on " + device.name() + " (" + why
                        + CL.stringFor_errorCode(e.getStatus()) + ", options '" + options + "'); build log:\n" + log, e);
            }
        }
    }

    private String buildLog(cl_program p) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(p, device.id, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] buf = new byte[(int) size[0]];
            clGetProgramBuildInfo(p, device.id, CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf), null);
            int n = buf.length;
            while (n > 0 && buf[n - 1] == 0) {
                n--;
            }
            return new String(buf, 0, n, StandardCharsets.UTF_8).strip();
        } catch (CLException e) {
            return "(no build log: " + CL.stringFor_errorCode(e.getStatus()) + ")";
        }
    }

    /** The OpenCL C sources, from this package's resources, concatenated in order. */
    static String source(String... files) {
        StringBuilder sb = new StringBuilder();
        for (String f : files) {
            try (InputStream in = OpenClEngine.class.getResourceAsStream(f)) {
                if (in == null) {
                    throw new IllegalStateException("OpenCL source " + f + " is missing from the delta4j-engine-opencl jar");
                }
                sb.append("// ---- ").append(f).append('\n').append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException("reading OpenCL source " + f, e);
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- launching

    private static void args(cl_kernel k, Object... values) {
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            if (v instanceof Tensor t) {
                clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(((OpenClTensor) t).mem));
            } else if (v instanceof cl_mem m) {
                clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(m));
            } else if (v instanceof Integer n) {
                clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[]{n}));
            } else if (v instanceof Long n) {
                clSetKernelArg(k, i, Sizeof.cl_long, Pointer.to(new long[]{n}));
            } else if (v instanceof Float f) {
                clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[]{f}));
            } else {
                throw new IllegalArgumentException("kernel argument " + i + " of unsupported type " + v);
            }
        }
    }

    private void enqueue1d(cl_kernel k, String name, int count) {
        long global = (count + rwg - 1L) / rwg * rwg;
        enqueue(k, name, new long[]{global}, new long[]{rwg});
    }

    private void enqueue(cl_kernel k, String name, long[] global, long[] local) {
        try {
            clEnqueueNDRangeKernel(queue, k, global.length, null, global, local, 0, null, null);
        } catch (CLException e) {
            throw failure("kernel " + name, e);
        }
    }

    private OpenClException failure(String what, CLException e) {
        return new OpenClException("OpenCL " + what + " failed on " + device.name() + ": " + CL.stringFor_errorCode(e.getStatus()), e);
    }

    private static int size(Tensor t) {
        return (int) t.size();
    }

    private static cl_mem mem(Tensor t) {
        return ((OpenClTensor) t).mem;
    }

    @Override
    public String toString() {
        return "OpenClEngine[" + device.summary() + ", gemm " + gemmConfig + (isClosed() ? ", closed" : "") + "]";
    }
}
