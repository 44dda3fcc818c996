package delta4j.io;

import delta4j.model.EpochReport;
import delta4j.model.Mlp;
import delta4j.model.TrainingState;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Reads and writes delta4j checkpoint files: a {@link TrainingState} (the model after some epochs plus the
 * optimizer state, step counter, early-stopping state and history) and the training settings it was made
 * with, so that {@code delta4j train --resume} continues to exactly the weights an uninterrupted run gives
 * and refuses to continue with different settings. Specified in docs/MODEL_FORMAT.md ("Checkpoint files").
 *
 * <pre>
 * magic     8 bytes  89 44 34 43 0D 0A 1A 0A   ("\x89D4C\r\n\x1a\n")
 * version   u32      1
 * M         u32      length of the model
 * model     M bytes  a complete model file (any version ModelFile reads, with its own checksum)
 * S         u32      length of the settings
 * settings  S bytes  UTF-8 lines "key=value\n"
 * state     u32 epochsDone, u32 step, f64 previousLoss, f64 bestValidationLoss, u32 sinceBest, u32 bestEpoch
 * tensors   u32 count, then per tensor u32 n and n f32: the optimizer state
 * best      u32 count (0: none), then per tensor u32 n and n f32: the early-stopping best parameters
 * history   u32 count, then per epoch 48 bytes: u32 epoch, f64 train loss, f64 validation loss,
 *           f32 learning rate, f64 gradient norm, f64 seconds, u64 samples
 * crc       u32      CRC-32 of every byte before it
 * </pre>
 * Little-endian throughout. Written atomically ({@link AtomicFiles}); read with every count checked against
 * the bytes present before anything is allocated, like model files.
 */
public final class CheckpointFile {

    static final byte[] MAGIC = {(byte) 0x89, 'D', '4', 'C', '\r', '\n', 0x1a, '\n'};
    /** The checkpoint format version this code writes and reads. */
    public static final int VERSION = 1;
    private static final int HISTORY_ENTRY = 4 + 8 + 8 + 4 + 8 + 8 + 8;

    private CheckpointFile() {
    }

    /**
     * A checkpoint as read back: the state and the settings it was written with.
     *
     * @param state    the training state, to continue with {@link delta4j.model.Trainer#resume}
     * @param settings the settings saved with it, in their saved order (empty when none were given)
     */
    public record Checkpoint(TrainingState state, Map<String, String> settings) {
    }

    /**
     * Saves a checkpoint atomically: a crash never leaves a half-written file under {@code file}.
     *
     * @param state    the training state (for example from {@link delta4j.model.TrainingConfig.Builder#checkpointEvery})
     * @param settings the settings to keep with it (the CLI stores its training options, to refuse a resume
     *                 with other ones); keys hold no '=' and neither keys nor values hold a line break
     * @param file     the file to create or replace; its folder must exist
     * @throws IOException naming the file when it cannot be written (the file is then left as it was)
     * @throws IllegalArgumentException when a setting cannot be stored or the state is too large for one file (2 GiB)
     */
    public static void save(TrainingState state, Map<String, String> settings, Path file) throws IOException {
        byte[] bytes = toBytes(state, settings);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /**
     * The complete file content of a checkpoint, as {@link #save} writes it.
     *
     * @param s        the training state
     * @param settings the settings to keep with it, as in {@link #save}
     * @return the file's bytes
     * @throws IllegalArgumentException when a setting cannot be stored or the state is too large for one file (2 GiB)
     */
    public static byte[] toBytes(TrainingState s, Map<String, String> settings) {
        byte[] model = ModelFile.toBytes(s.model());
        StringBuilder text = new StringBuilder();
        settings.forEach((k, v) -> {
            if (k.indexOf('=') >= 0 || k.indexOf('\n') >= 0 || v.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("setting '" + k + "' cannot be stored: '=' in a key or a line break");
            }
            text.append(k).append('=').append(v).append('\n');
        });
        byte[] set = text.toString().getBytes(StandardCharsets.UTF_8);
        long size = MAGIC.length + 4 + 4 + model.length + 4 + set.length + 32 + tensorsBytes(s.optimizerState())
                + tensorsBytes(s.bestParameters()) + 4 + (long) HISTORY_ENTRY * s.history().size() + 4;
        if (size > ModelFile.MAX_FILE_BYTES) {
            throw new IllegalArgumentException("the training state takes " + size + " bytes: too large for one checkpoint file (2 GiB)");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(VERSION).putInt(model.length).put(model).putInt(set.length).put(set);
        b.putInt(s.epochsDone()).putInt(s.step()).putDouble(s.previousLoss()).putDouble(s.bestValidationLoss())
                .putInt(s.sinceBest()).putInt(s.bestEpoch());
        putTensors(b, s.optimizerState());
        putTensors(b, s.bestParameters());
        b.putInt(s.history().size());
        for (EpochReport r : s.history()) {
            b.putInt(r.epoch()).putDouble(r.trainLoss()).putDouble(r.validationLoss()).putFloat(r.learningRate())
                    .putDouble(r.gradientNorm()).putDouble(r.seconds()).putLong(r.samples());
        }
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    private static long tensorsBytes(List<float[]> tensors) {
        long n = 4;
        if (tensors != null) {
            for (float[] t : tensors) {
                n += 4 + 4L * t.length;
            }
        }
        return n;
    }

    private static void putTensors(ByteBuffer b, List<float[]> tensors) {
        b.putInt(tensors == null ? 0 : tensors.size());
        if (tensors != null) {
            for (float[] t : tensors) {
                b.putInt(t.length);
                ModelFile.putFloats(b, t);
            }
        }
    }

    /**
     * Loads a checkpoint file.
     *
     * @param file the checkpoint file
     * @return the training state and the settings saved with it
     * @throws ModelFormatException naming the file when it is missing, a folder, too large, or not a valid
     *                              checkpoint (a model file, truncated, corrupt, another version)
     * @throws IOException          when the file cannot be read
     */
    public static Checkpoint load(Path file) throws IOException {
        String name = file.toString();
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(name + ": no such checkpoint file" + (Files.isDirectory(file) ? " (it is a folder)" : ""));
        }
        long size = Files.size(file);
        if (size > ModelFile.MAX_FILE_BYTES) {
            throw new ModelFormatException(name + ": " + size + " bytes is larger than any delta4j checkpoint can be (2 GiB): not a checkpoint");
        }
        return read(Files.readAllBytes(file), name);
    }

    /**
     * Parses a checkpoint file's content, every count checked against the bytes present before allocating.
     *
     * @param bytes a checkpoint file's whole content
     * @param name  what to call the content in messages (usually its file name)
     * @return the training state and the settings saved with it
     * @throws ModelFormatException naming {@code name} and what is wrong when the bytes are not a valid checkpoint
     */
    public static Checkpoint read(byte[] bytes, String name) throws ModelFormatException {
        int len = bytes.length;
        for (int i = 0; i < Math.min(len, MAGIC.length); i++) {
            if (bytes[i] != MAGIC[i]) {
                String hint = i >= 3 && bytes[3] == 'J' ? " (it is a model file: give the checkpoint, e.g. MODEL.ckpt)" : "";
                throw new ModelFormatException(name + ": not a delta4j checkpoint file (wrong magic bytes at the start)" + hint);
            }
        }
        if (len < MAGIC.length + 8 + 4) {
            throw new ModelFormatException(name + ": truncated: " + len + " bytes; the checkpoint was cut short");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int version = b.getInt(8);
        if (version != VERSION) {
            throw new ModelFormatException(name + ": unknown checkpoint format version " + Integer.toUnsignedString(version)
                    + ": this delta4j reads version " + VERSION);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, len - 4);
        if ((int) crc.getValue() != b.getInt(len - 4)) {
            throw new ModelFormatException(name + ": checksum mismatch (CRC-32): the checkpoint is truncated or corrupt");
        }
        ByteBuffer body = b.slice(0, len - 4).order(ByteOrder.LITTLE_ENDIAN);
        body.position(12);
        try {
            byte[] model = bytes(body, "model");
            Mlp mlp = ModelFile.read(model, name + " (its model)");
            byte[] set = bytes(body, "settings");
            Map<String, String> settings = settings(set, name);
            int epochsDone = nonNegative(body.getInt(), "epochs done", name);
            int step = nonNegative(body.getInt(), "step", name);
            double previous = body.getDouble(), best = body.getDouble();
            int sinceBest = nonNegative(body.getInt(), "epochs since the best", name);
            int bestEpoch = nonNegative(body.getInt(), "best epoch", name);
            List<float[]> optimizer = tensors(body, name);
            List<float[]> bestParams = tensors(body, name);
            long entries = Integer.toUnsignedLong(body.getInt());
            if (entries * HISTORY_ENTRY > body.remaining()) {
                throw new BufferUnderflowException();
            }
            List<EpochReport> history = new ArrayList<>((int) entries);
            for (long i = 0; i < entries; i++) {
                history.add(new EpochReport(body.getInt(), body.getDouble(), body.getDouble(), body.getFloat(), body.getDouble(),
                        body.getDouble(), body.getLong()));
            }
            if (body.hasRemaining()) {
                throw new ModelFormatException(name + ": corrupt checkpoint: " + body.remaining() + " bytes left over after its fields");
            }
            if (history.size() != epochsDone) {
                throw new ModelFormatException(name + ": corrupt checkpoint: " + history.size() + " epochs of history for " + epochsDone + " epochs done");
            }
            TrainingState state = new TrainingState(mlp, epochsDone, step, List.copyOf(optimizer), List.copyOf(history), previous, best,
                    sinceBest, bestEpoch, bestParams.isEmpty() ? null : List.copyOf(bestParams));
            return new Checkpoint(state, settings);
        } catch (BufferUnderflowException e) {
            throw new ModelFormatException(name + ": corrupt checkpoint: it ends before its fields do", e);
        }
    }

    private static int nonNegative(int v, String what, String name) throws ModelFormatException {
        if (v < 0) {
            throw new ModelFormatException(name + ": corrupt checkpoint: " + what + " is " + Integer.toUnsignedString(v));
        }
        return v;
    }

    private static byte[] bytes(ByteBuffer b, String what) {
        long n = Integer.toUnsignedLong(b.getInt());
        if (n > b.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] out = new byte[(int) n];
        b.get(out);
        return out;
    }

    private static List<float[]> tensors(ByteBuffer b, String name) throws ModelFormatException {
        long count = Integer.toUnsignedLong(b.getInt());
        if (4 * count > b.remaining()) { // each tensor has at least its length
            throw new BufferUnderflowException();
        }
        List<float[]> out = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            long n = Integer.toUnsignedLong(b.getInt());
            if (4 * n > b.remaining()) {
                throw new BufferUnderflowException();
            }
            out.add(ModelFile.floats(b, (int) n));
        }
        return out;
    }

    private static Map<String, String> settings(byte[] utf8, String name) throws ModelFormatException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(name + ": corrupt checkpoint: its settings are not UTF-8", e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new ModelFormatException(name + ": corrupt checkpoint: a settings line without '='");
            }
            out.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return out;
    }
}
