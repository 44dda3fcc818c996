package delta4j.io;

import delta4j.data.Labels;
import delta4j.data.Standardizer;
import delta4j.engine.Activation;
import delta4j.engine.Loss;
import delta4j.model.Mlp;
import delta4j.model.Normalization;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Reads and writes delta4j model files: a versioned binary format, specified in docs/MODEL_FORMAT.md.
 *
 * <pre>
 * magic    8 bytes   89 44 34 4A 0D 0A 1A 0A   ("\x89D4J\r\n\x1a\n")
 * version  u32       1; 2 when a target standardizer is present; 3 when a layer is normalised or has dropout, or the
 *                    loss has a parameter
 * H        u32       header length in bytes
 * header   H bytes   depth L, sizes n_0..n_L, activations, loss, flags, [standardizer], [labels], [target standardizer],
 *                    version 3: loss parameter, per layer normalisation code, ε, momentum, dropout p
 * params   f32 ...   W[0], b[0], W[1], b[1], ... (W row-major n_l × n_{l+1}); version 3: after b[l] of a normalised
 *                    layer its γ[l], and of a batch-normalised layer its running mean and running variance
 * crc      u32       CRC-32 of every byte before it
 * </pre>
 * All numbers little-endian. A model is written in the lowest version that holds it, so a model without a
 * target standardizer stays readable by a delta4j that knows version 1 alone; every version is read, and a
 * file in a higher version than its content needs is refused, so each model has exactly one encoding.
 * Files are written atomically ({@link AtomicFiles}); loading checks the magic,
 * the version, the checksum and every size before allocating, so a truncated, corrupt or hostile file
 * fails with a {@link ModelFormatException} instead of a huge allocation or a half-built model.
 * Never Java serialisation.
 */
public final class ModelFile {

    /** The 8 magic bytes. The high first byte and the CR LF / SUB / LF catch text-mode transfers, as in PNG. */
    static final byte[] MAGIC = {(byte) 0x89, 'D', '4', 'J', '\r', '\n', 0x1a, '\n'};
    /** The newest format version this code writes and reads; it reads every version from 1 up. */
    public static final int VERSION = 3;
    /** The first version with a target standardizer (flag bit 2). */
    static final int TARGET_STANDARDIZER_VERSION = 2;
    /** The first version with normalised and dropout layers and the loss's parameter. */
    static final int LAYER_EXTRAS_VERSION = 3;
    /** Bytes per layer of version 3's layer table: u8 normalisation code, f32 ε, f32 momentum, f32 dropout p. */
    static final int LAYER_ENTRY = 1 + 4 + 4 + 4;
    /** Largest layer width accepted (2^24 units). */
    public static final int MAX_UNITS = 1 << 24;
    /** Largest number of layers accepted. */
    public static final int MAX_DEPTH = 1024;
    /** Largest file accepted: Java arrays are int-indexed. */
    public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;
    /** magic + version + header length, before the header. */
    static final int PREAMBLE = 16;
    static final int FLAG_STANDARDIZER = 1, FLAG_LABELS = 2, FLAG_TARGET_STANDARDIZER = 4;

    private ModelFile() {
    }

    // ------------------------------------------------------------------ codes fixed by the format: Activation.code(), Loss.code()

    static int code(Activation a) {
        return a.code();
    }

    static Activation activation(int code) {
        return Activation.ofCode(code).orElse(null);
    }

    static int code(Loss l) {
        return l.code();
    }

    static Loss loss(int code) {
        return Loss.ofCode(code).orElse(null);
    }

    // ------------------------------------------------------------------ writing

    /**
     * Saves a model atomically: a crash never leaves a half-written file under {@code file}.
     *
     * @param model the model, with its standardizers and labels if it has them
     * @param file  the file to create or replace; its folder must exist
     * @throws IOException naming the file when it cannot be written (the file is then left as it was)
     * @throws IllegalArgumentException when the model is too large for one file (2 GiB) or a class label
     *                                  is longer than 65535 UTF-8 bytes
     */
    public static void save(Mlp model, Path file) throws IOException {
        byte[] bytes = toBytes(model);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /**
     * The complete file content of a model, as {@link #save} writes it.
     *
     * @param m the model
     * @return the file's bytes
     * @throws IllegalArgumentException when the model is too large for one file (2 GiB) or a class label
     *                                  is longer than 65535 UTF-8 bytes
     */
    public static byte[] toBytes(Mlp m) {
        byte[] header = header(m);
        long total = PREAMBLE + header.length + 4 * (m.parameterCount() + statisticsCount(m)) + 4;
        if (total > MAX_FILE_BYTES) {
            throw new IllegalArgumentException("the model has " + m.parameterCount() + " parameters: too large for one model file (2 GiB)");
        }
        ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(version(m)).putInt(header.length).put(header);
        for (int l = 0; l < m.depth(); l++) {
            putFloats(b, m.weights(l));
            putFloats(b, m.biases(l));
            if (m.normalization(l) != Normalization.NONE) {
                putFloats(b, m.gains(l));
            }
            if (m.normalization(l).hasRunningStatistics()) {
                putFloats(b, m.runningMean(l));
                putFloats(b, m.runningVariance(l));
            }
        }
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** The lowest version that holds the model. */
    static int version(Mlp m) {
        return m.hasLayerExtras() ? LAYER_EXTRAS_VERSION : m.targetStandardizer() != null ? TARGET_STANDARDIZER_VERSION : 1;
    }

    /** The running statistics' floats: two per unit of each batch-normalised layer. */
    private static long statisticsCount(Mlp m) {
        long n = 0;
        for (int l = 0; l < m.depth(); l++) {
            if (m.normalization(l).hasRunningStatistics()) {
                n += 2L * m.sizes()[l + 1];
            }
        }
        return n;
    }

    private static byte[] header(Mlp m) {
        int[] n = m.sizes();
        Standardizer s = m.standardizer();
        Labels labels = m.labels();
        Standardizer ts = m.targetStandardizer();
        List<byte[]> names = new ArrayList<>();
        long size = 4 + 4L * n.length + m.depth() + 2;
        if (s != null) {
            size += 8L * s.features();
        }
        if (ts != null) {
            size += 8L * ts.features();
        }
        boolean extras = version(m) >= LAYER_EXTRAS_VERSION;
        if (extras) {
            size += 4 + (long) LAYER_ENTRY * m.depth();
        }
        if (labels != null) {
            size += 4;
            for (String name : labels.names()) {
                byte[] u = name.getBytes(StandardCharsets.UTF_8);
                if (u.length > 0xffff) {
                    throw new IllegalArgumentException("class label '" + name.substring(0, 20) + "...' is longer than 65535 bytes");
                }
                names.add(u);
                size += 2 + u.length;
            }
        }
        ByteBuffer h = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(m.depth());
        for (int v : n) {
            h.putInt(v);
        }
        for (int l = 0; l < m.depth(); l++) {
            h.put((byte) code(m.activation(l)));
        }
        h.put((byte) code(m.loss()));
        h.put((byte) ((s != null ? FLAG_STANDARDIZER : 0) | (labels != null ? FLAG_LABELS : 0) | (ts != null ? FLAG_TARGET_STANDARDIZER : 0)));
        if (s != null) {
            for (float v : s.mean()) {
                h.putFloat(v);
            }
            for (float v : s.scale()) {
                h.putFloat(v);
            }
        }
        if (labels != null) {
            h.putInt(names.size());
            for (byte[] u : names) {
                h.putShort((short) u.length).put(u);
            }
        }
        if (ts != null) {
            for (float v : ts.mean()) {
                h.putFloat(v);
            }
            for (float v : ts.scale()) {
                h.putFloat(v);
            }
        }
        if (extras) {
            h.putFloat(m.lossParameter());
            for (int l = 0; l < m.depth(); l++) {
                h.put((byte) m.normalization(l).code()).putFloat(Normalization.EPSILON).putFloat(Normalization.MOMENTUM).putFloat(m.dropout(l));
            }
        }
        return h.array();
    }

    // ------------------------------------------------------------------ reading

    /**
     * Loads a model file of any version from 1 to {@link #VERSION}. Files of version 1 and 2 hold plain dense layers
     * and load as they always did.
     *
     * @param file the model file
     * @return the model, with the standardizers and labels the file holds
     * @throws ModelFormatException naming the file when it is missing, a folder, too large, or not a valid
     *                              model file (truncated, corrupt, a newer version)
     * @throws IOException          when the file cannot be read
     */
    public static Mlp load(Path file) throws IOException {
        String name = file.toString();
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(name + ": no such model file" + (Files.isDirectory(file) ? " (it is a folder)" : ""));
        }
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new ModelFormatException(name + ": " + size + " bytes is larger than any delta4j model file can be (2 GiB): not a model file");
        }
        return read(Files.readAllBytes(file), name);
    }

    /**
     * Parses a model file's content. Every check happens before a parameter array is allocated, and
     * allocations are bounded by {@code bytes.length}.
     *
     * @param bytes a model file's whole content
     * @param name  what to call the content in messages (usually its file name)
     * @return the model
     * @throws ModelFormatException naming {@code name} and what is wrong when the bytes are not a valid model file
     */
    public static Mlp read(byte[] bytes, String name) throws ModelFormatException {
        int len = bytes.length;
        for (int i = 0; i < Math.min(len, MAGIC.length); i++) {
            if (bytes[i] != MAGIC[i]) {
                throw new ModelFormatException(name + ": not a delta4j model file (wrong magic bytes at the start)");
            }
        }
        if (len < PREAMBLE + 4) {
            throw new ModelFormatException(name + ": truncated: " + len + " bytes, a model file has at least " + (PREAMBLE + 4));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int version = b.getInt(8);
        if (version < 1 || version > VERSION) {
            throw new ModelFormatException(name + ": unknown model format version " + Integer.toUnsignedString(version)
                    + ": this delta4j reads versions 1 to " + VERSION + (Integer.compareUnsigned(version, VERSION) > 0
                    ? "; the file was written by a newer delta4j, upgrade to read it" : ""));
        }
        long headerLength = Integer.toUnsignedLong(b.getInt(12));
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, len - 4);
        if ((int) crc.getValue() != b.getInt(len - 4)) {
            // Tell truncation (the usual cause: an interrupted copy) from corruption where the header allows it.
            long expected = -1;
            if (headerLength <= len - PREAMBLE - 4) {
                try {
                    expected = new Header(b, (int) headerLength, name, version).fileLength();
                } catch (ModelFormatException | RuntimeException e) {
                    expected = -1;
                }
            }
            if (headerLength > len - PREAMBLE - 4 || expected > len) {
                throw new ModelFormatException(name + ": truncated: " + len + " bytes, " + (expected > 0 ? "the header describes " + expected
                        : "the header alone claims " + headerLength) + (expected > 0 ? "" : " bytes") + "; the file was cut short (copy it again)");
            }
            throw new ModelFormatException(name + ": checksum mismatch (CRC-32): the file is corrupt; save or copy it again");
        }
        if (headerLength > len - PREAMBLE - 4) {
            throw new ModelFormatException(name + ": corrupt header: it claims " + headerLength + " bytes in a file of " + len);
        }
        Header h = new Header(b, (int) headerLength, name, version);
        long expected = h.fileLength();
        if (expected != len) {
            throw new ModelFormatException(name + ": corrupt: the header describes a file of " + expected + " bytes, but it has " + len);
        }
        b.position(PREAMBLE + (int) headerLength);
        int depth = h.sizes.length - 1;
        float[][] w = new float[depth][], bias = new float[depth][], gains = new float[depth][], means = new float[depth][],
                variances = new float[depth][];
        for (int l = 0; l < depth; l++) {
            w[l] = floats(b, h.sizes[l] * h.sizes[l + 1]);
            bias[l] = floats(b, h.sizes[l + 1]);
            if (h.norms[l] != Normalization.NONE) {
                gains[l] = floats(b, h.sizes[l + 1]);
            }
            if (h.norms[l].hasRunningStatistics()) {
                means[l] = floats(b, h.sizes[l + 1]);
                variances[l] = floats(b, h.sizes[l + 1]);
            }
        }
        try {
            Mlp m = Mlp.of(h.sizes, h.activations, h.norms, h.dropouts, h.loss, h.lossParameter, w, bias);
            for (int l = 0; l < depth; l++) {
                if (gains[l] != null) {
                    m.setGains(l, gains[l]);
                }
                if (means[l] != null) {
                    m.setRunningStatistics(l, means[l], variances[l]);
                }
            }
            if (version >= LAYER_EXTRAS_VERSION && !m.hasLayerExtras()) {
                throw new ModelFormatException(name + ": corrupt header: version " + version + " without a normalised or dropout layer"
                        + " or a loss parameter; such a model is written as version 1 or 2");
            }
            if (h.standardizer != null) {
                m.setStandardizer(h.standardizer);
            }
            if (h.labels != null) {
                m.setLabels(h.labels);
            }
            if (h.targetStandardizer != null) {
                m.setTargetStandardizer(h.targetStandardizer);
            }
            return m;
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(name + ": invalid model: " + e.getMessage(), e);
        }
    }

    /**
     * Appends {@code v} to {@code b} in b's byte order, the raw bits of each float, as one bulk copy. A save runs once,
     * in the interpreter or C1's code, where a call of putFloat a value costs as much as the rest of the save.
     */
    static void putFloats(ByteBuffer b, float[] v) {
        b.asFloatBuffer().put(v);
        b.position(b.position() + 4 * v.length);
    }

    /** Reads {@code n} floats from {@code b} in b's byte order, as one bulk copy, and moves past them. */
    static float[] floats(ByteBuffer b, int n) {
        float[] v = new float[n];
        b.asFloatBuffer().get(v);
        b.position(b.position() + 4 * n);
        return v;
    }

    /** The parsed header; every count is checked against the limits and the bytes actually present. */
    private static final class Header {
        final int[] sizes;
        final Activation[] activations;
        final Loss loss;
        final Standardizer standardizer;
        final Labels labels;
        final Standardizer targetStandardizer;
        /** Each layer's normalisation and dropout probability (none before version 3). */
        final Normalization[] norms;
        final float[] dropouts;
        final float lossParameter;
        final int headerLength;

        Header(ByteBuffer file, int headerLength, String name, int version) throws ModelFormatException {
            this.headerLength = headerLength;
            ByteBuffer h = file.slice(PREAMBLE, headerLength).order(ByteOrder.LITTLE_ENDIAN);
            try {
                long depth = Integer.toUnsignedLong(h.getInt());
                if (depth < 1 || depth > MAX_DEPTH) {
                    throw new ModelFormatException(name + ": corrupt header: " + depth + " layers (a model has 1 to " + MAX_DEPTH + ")");
                }
                sizes = new int[(int) depth + 1];
                for (int l = 0; l <= depth; l++) {
                    long n = Integer.toUnsignedLong(h.getInt());
                    if (n < 1 || n > MAX_UNITS) {
                        throw new ModelFormatException(name + ": corrupt header: layer width " + n + " (a width is 1 to " + MAX_UNITS + ")");
                    }
                    sizes[l] = (int) n;
                }
                for (int l = 0; l < depth; l++) {
                    if ((long) sizes[l] * sizes[l + 1] > MAX_FILE_BYTES / 4) {
                        throw new ModelFormatException(name + ": corrupt header: a " + sizes[l] + " × " + sizes[l + 1]
                                + " weight matrix is larger than any model file can hold");
                    }
                }
                activations = new Activation[(int) depth];
                for (int l = 0; l < depth; l++) {
                    int c = h.get() & 0xff;
                    activations[l] = activation(c);
                    if (activations[l] == null) {
                        throw new ModelFormatException(name + ": corrupt header: unknown activation code " + c + " for layer " + l);
                    }
                }
                int lc = h.get() & 0xff;
                loss = loss(lc);
                if (loss == null) {
                    throw new ModelFormatException(name + ": corrupt header: unknown loss code " + lc);
                }
                if (version < LAYER_EXTRAS_VERSION && loss != Loss.MSE && loss != Loss.SOFTMAX_CROSS_ENTROPY) {
                    throw new ModelFormatException(name + ": corrupt header: loss code " + lc + " (" + loss.id() + ") in a version " + version
                            + " file; it came with version " + LAYER_EXTRAS_VERSION);
                }
                int flags = h.get() & 0xff;
                int known = FLAG_STANDARDIZER | FLAG_LABELS | (version >= TARGET_STANDARDIZER_VERSION ? FLAG_TARGET_STANDARDIZER : 0);
                if ((flags & ~known) != 0) {
                    throw new ModelFormatException(name + ": corrupt header: unknown flags 0x" + Integer.toHexString(flags));
                }
                if (version == TARGET_STANDARDIZER_VERSION && (flags & FLAG_TARGET_STANDARDIZER) == 0) {
                    throw new ModelFormatException(name + ": corrupt header: version " + version + " without a target standardizer"
                            + " (flag bit 2); a model without one is written as version 1");
                }
                if ((flags & FLAG_STANDARDIZER) != 0) {
                    if (h.remaining() < 8L * sizes[0]) {
                        throw new BufferUnderflowException();
                    }
                    float[] mean = new float[sizes[0]], scale = new float[sizes[0]];
                    for (int j = 0; j < mean.length; j++) {
                        mean[j] = h.getFloat();
                    }
                    for (int j = 0; j < scale.length; j++) {
                        scale[j] = h.getFloat();
                    }
                    try {
                        standardizer = new Standardizer(mean, scale);
                    } catch (IllegalArgumentException e) {
                        throw new ModelFormatException(name + ": corrupt header: " + e.getMessage(), e);
                    }
                } else {
                    standardizer = null;
                }
                if ((flags & FLAG_LABELS) != 0) {
                    long count = Integer.toUnsignedLong(h.getInt());
                    if (count != sizes[sizes.length - 1]) {
                        throw new ModelFormatException(name + ": corrupt header: " + count + " class labels for "
                                + sizes[sizes.length - 1] + " outputs");
                    }
                    // Each label takes at least its 2-byte length: checked before the list grows.
                    if (h.remaining() < 2 * count) {
                        throw new BufferUnderflowException();
                    }
                    List<String> names = new ArrayList<>((int) count);
                    var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
                    for (long k = 0; k < count; k++) {
                        int n = h.getShort() & 0xffff;
                        if (h.remaining() < n) {
                            throw new BufferUnderflowException();
                        }
                        ByteBuffer s = h.slice(h.position(), n);
                        h.position(h.position() + n);
                        try {
                            names.add(decoder.decode(s).toString());
                        } catch (CharacterCodingException e) {
                            throw new ModelFormatException(name + ": corrupt header: class label " + k + " is not UTF-8", e);
                        }
                    }
                    try {
                        labels = new Labels(names);
                    } catch (IllegalArgumentException e) {
                        throw new ModelFormatException(name + ": corrupt header: " + e.getMessage(), e);
                    }
                } else {
                    labels = null;
                }
                if ((flags & FLAG_TARGET_STANDARDIZER) != 0) {
                    targetStandardizer = standardizer(h, sizes[sizes.length - 1], "target standardizer", name);
                } else {
                    targetStandardizer = null;
                }
                norms = new Normalization[(int) depth];
                dropouts = new float[(int) depth];
                java.util.Arrays.fill(norms, Normalization.NONE);
                if (version >= LAYER_EXTRAS_VERSION) {
                    lossParameter = h.getFloat();
                    if (!loss.hasParameter() && Float.floatToRawIntBits(lossParameter) != 0) {
                        throw new ModelFormatException(name + ": corrupt header: loss parameter " + lossParameter + " for " + loss.id()
                                + ", which takes none (it is stored as 0)");
                    }
                    for (int l = 0; l < depth; l++) {
                        int c = h.get() & 0xff;
                        norms[l] = Normalization.ofCode(c).orElse(null);
                        if (norms[l] == null) {
                            throw new ModelFormatException(name + ": corrupt header: unknown normalisation code " + c + " for layer " + l);
                        }
                        float epsilon = h.getFloat(), momentum = h.getFloat();
                        // Every layer stores delta4j's ε and momentum, so each model has exactly one encoding.
                        if (epsilon != Normalization.EPSILON || momentum != Normalization.MOMENTUM) {
                            throw new ModelFormatException(name + ": layer " + l + " is normalised with ε " + epsilon + " and momentum " + momentum
                                    + ", but this delta4j computes with ε " + Normalization.EPSILON + " and momentum " + Normalization.MOMENTUM
                                    + ": it cannot reproduce this model's predictions");
                        }
                        dropouts[l] = h.getFloat();
                    }
                } else {
                    lossParameter = loss.parameter();
                }
            } catch (BufferUnderflowException e) {
                throw new ModelFormatException(name + ": corrupt header: it ends before its fields do (" + headerLength + " bytes)", e);
            }
            if (h.hasRemaining()) {
                throw new ModelFormatException(name + ": corrupt header: " + h.remaining() + " bytes left over after its fields");
            }
        }

        /** n means then n scales, checked against the bytes present first. */
        private static Standardizer standardizer(ByteBuffer h, int n, String what, String name) throws ModelFormatException {
            if (h.remaining() < 8L * n) {
                throw new BufferUnderflowException();
            }
            float[] mean = new float[n], scale = new float[n];
            for (int j = 0; j < n; j++) {
                mean[j] = h.getFloat();
            }
            for (int j = 0; j < n; j++) {
                scale[j] = h.getFloat();
            }
            try {
                return new Standardizer(mean, scale);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(name + ": corrupt header: " + what + ": " + e.getMessage(), e);
            }
        }

        /** The file length this header implies (long: cannot overflow with the limits above). */
        long fileLength() {
            long params = 0;
            for (int l = 0; l + 1 < sizes.length; l++) {
                params += (long) sizes[l] * sizes[l + 1] + sizes[l + 1];
                if (norms[l] != Normalization.NONE) {
                    params += sizes[l + 1];
                }
                if (norms[l].hasRunningStatistics()) {
                    params += 2L * sizes[l + 1];
                }
            }
            return PREAMBLE + headerLength + 4 * params + 4;
        }
    }
}
