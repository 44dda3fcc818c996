package delta4j.spark;

import delta4j.io.CheckpointFile;
import delta4j.model.EpochReport;
import delta4j.model.Mlp;
import delta4j.model.Normalization;
import delta4j.model.TrainingState;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.util.SerializableConfiguration;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checkpoints of one barrier fit: delta4j checkpoint files ({@link CheckpointFile}, docs/MODEL_FORMAT.md) in
 * {@code DIR/fit-ID/epoch-NNNNNN.d4c} on any Hadoop-compatible file system, one after every {@code every}-th epoch,
 * written by partition 0 only, and read by every task when a stage attempt starts, so that a rerun of the stage
 * continues from the last complete epoch instead of the first.
 *
 * <p>A file appears only complete: it is written under a temporary name in the same folder and renamed, and a
 * name is never reused (each epoch its own file; the older ones are deleted after the rename), so a reader sees
 * either no file or a whole one on every file system whose rename is atomic (HDFS, local files). The fit's
 * own folder (a random ID per {@code fit} call) keeps a rerun from ever resuming another fit's state; the driver
 * deletes the folder when the fit succeeds. With {@code keep} every checkpoint stays, the last epoch's included (to
 * evaluate each epoch's model afterwards, or to continue with {@code delta4j train --resume}).
 *
 * <p>The state is {@link TrainingState} as {@code Trainer} writes it: the model (parameters, gains, running
 * statistics), the epochs done, the optimizer's step count and tensors (per parameter its k states), the history
 * and the early-stopping state. Parameters and optimizer state are the replicas' own floats, so a resumed
 * {@code sync} fit computes exactly what the uninterrupted one does from that epoch on.
 */
final class Checkpoints implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Pattern NAME = Pattern.compile("epoch-(\\d{6,})\\.d4c");

    private final String folder;
    private final int every;
    private final String fitId;
    private final boolean keep;
    private final SerializableConfiguration hadoop;

    /**
     * @param dir    the checkpoint directory (any Hadoop path; it is created when missing)
     * @param every  epochs between checkpoints, at least 1
     * @param fitId  this fit's ID, unique per {@code fit} call
     * @param hadoop the driver's Hadoop configuration (it reaches the executors with the tasks)
     * @param keep   keep every checkpoint (the last epoch's too) and the folder after the fit
     */
    Checkpoints(String dir, int every, String fitId, Configuration hadoop, boolean keep) {
        if (every < 1) {
            throw new IllegalArgumentException("param checkpointInterval must be at least 1 epoch, got " + every);
        }
        this.folder = new Path(dir, "fit-" + fitId).toString();
        this.every = every;
        this.fitId = fitId;
        this.keep = keep;
        this.hadoop = new SerializableConfiguration(hadoop);
    }

    /** {@return whether a checkpoint is due after {@code epoch}} (after the last only when kept: the fit's result is the model) */
    boolean due(int epoch, int lastEpoch) {
        return epoch % every == 0 && (keep || epoch < lastEpoch);
    }

    /** {@return this fit's folder of checkpoints} */
    String folder() {
        return folder;
    }

    /** {@return whether the checkpoints stay after the fit} */
    boolean kept() {
        return keep;
    }

    private FileSystem fs() throws IOException {
        return new Path(folder).getFileSystem(hadoop.value());
    }

    /** The settings stored with each checkpoint, checked when it is read. */
    private Map<String, String> settings(TrainingMode mode, int partitions) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("spark.fit", fitId);
        m.put("spark.mode", mode.id());
        m.put("spark.partitions", Integer.toString(partitions));
        return m;
    }

    /**
     * Writes the state after {@code state.epochsDone()} epochs atomically, then deletes the older checkpoints.
     *
     * @throws UncheckedIOException naming the file when it cannot be written (the task fails; Spark retries it)
     */
    void save(TrainingState state, TrainingMode mode, int partitions) {
        byte[] bytes = CheckpointFile.toBytes(state, settings(mode, partitions));
        Path target = new Path(folder, String.format("epoch-%06d.d4c", state.epochsDone()));
        Path tmp = new Path(folder, "." + target.getName() + ".tmp");
        try {
            FileSystem fs = fs();
            fs.mkdirs(new Path(folder));
            try (FSDataOutputStream out = fs.create(tmp, true)) {
                out.write(bytes);
                out.hsync();
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("could not rename " + tmp + " to " + target);
            }
            for (FileStatus f : fs.listStatus(new Path(folder))) {
                int e = epochOf(f.getPath().getName());
                if (!keep && e >= 0 && e < state.epochsDone()) {
                    fs.delete(f.getPath(), false);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the checkpoint " + target + " (param checkpointDir): " + e.getMessage(), e);
        }
    }

    /**
     * {@return the newest complete checkpoint of this fit, or null when there is none yet}
     *
     * @throws UncheckedIOException when the folder cannot be listed
     */
    TrainingState latest(TrainingMode mode, int partitions) {
        try {
            FileSystem fs = fs();
            Path dir = new Path(folder);
            if (!fs.exists(dir)) {
                return null;
            }
            List<FileStatus> files = new ArrayList<>(Arrays.asList(fs.listStatus(dir)));
            files.removeIf(f -> epochOf(f.getPath().getName()) < 0);
            files.sort((a, b) -> Integer.compare(epochOf(b.getPath().getName()), epochOf(a.getPath().getName())));
            for (FileStatus f : files) {
                byte[] bytes;
                try (InputStream in = fs.open(f.getPath())) {
                    ByteArrayOutputStream buf = new ByteArrayOutputStream();
                    in.transferTo(buf);
                    bytes = buf.toByteArray();
                } catch (FileNotFoundException gone) {
                    continue; // replaced by a newer one since the listing (a late writer of the failed attempt)
                }
                CheckpointFile.Checkpoint c = CheckpointFile.read(bytes, f.getPath().toString());
                if (!c.settings().equals(settings(mode, partitions))) {
                    throw new IllegalStateException("the checkpoint " + f.getPath() + " was written by another fit (" + c.settings()
                            + "): delete it or choose another checkpointDir");
                }
                return c.state();
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the checkpoints in " + folder + " (param checkpointDir): " + e.getMessage(), e);
        }
    }

    /** Deletes this fit's checkpoints (after a successful fit) unless they are kept. */
    void delete() {
        if (keep) {
            return;
        }
        try {
            fs().delete(new Path(folder), true);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the checkpoints in " + folder + ": " + e.getMessage(), e);
        }
    }

    private static int epochOf(String name) {
        Matcher m = NAME.matcher(name);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    // ---------------------------------------------------------------- flat vectors as the checkpoint's tensor lists

    /** Sizes of the parameters in {@link delta4j.model.Replica}'s flat order: W[l], b[l], and γ[l] of a normalised layer. */
    static int[] parameterSizes(Mlp mlp) {
        List<Integer> sizes = new ArrayList<>();
        for (int l = 0; l < mlp.depth(); l++) {
            int b = mlp.sizes()[l + 1];
            sizes.add(mlp.sizes()[l] * b);
            sizes.add(b);
            if (mlp.normalization(l) != Normalization.NONE) {
                sizes.add(b);
            }
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Sizes of the running statistics in their flat order: per batch-normalised layer its mean, then its variance. */
    static int[] statisticSizes(Mlp mlp) {
        List<Integer> sizes = new ArrayList<>();
        for (int l = 0; l < mlp.depth(); l++) {
            if (mlp.normalization(l).hasRunningStatistics()) {
                sizes.add(mlp.sizes()[l + 1]);
                sizes.add(mlp.sizes()[l + 1]);
            }
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The flat optimizer state as the checkpoint's list: per parameter its k state tensors. */
    static List<float[]> optimizerTensors(float[] flat, int[] parameterSizes, int k) {
        List<float[]> out = new ArrayList<>();
        int at = 0;
        for (int size : parameterSizes) {
            for (int s = 0; s < k; s++) {
                out.add(Arrays.copyOfRange(flat, at, at + size));
                at += size;
            }
        }
        check(flat.length, at, "optimizer state");
        return out;
    }

    /** Splits a flat vector into consecutive pieces of the given sizes, appended to {@code out}. */
    static List<float[]> split(float[] flat, int[] sizes, List<float[]> out) {
        int at = 0;
        for (int size : sizes) {
            out.add(Arrays.copyOfRange(flat, at, at + size));
            at += size;
        }
        check(flat.length, at, "flat vector");
        return out;
    }

    /** Concatenates {@code count} tensors of a list from {@code from} on. */
    static float[] concat(List<float[]> tensors, int from, int count) {
        int n = 0;
        for (int i = from; i < from + count; i++) {
            n += tensors.get(i).length;
        }
        float[] v = new float[n];
        int at = 0;
        for (int i = from; i < from + count; i++) {
            System.arraycopy(tensors.get(i), 0, v, at, tensors.get(i).length);
            at += tensors.get(i).length;
        }
        return v;
    }

    private static void check(int length, int expected, String what) {
        if (length != expected) {
            throw new IllegalStateException("the " + what + " has " + length + " values, the checkpoint's tensors " + expected);
        }
    }

    /** The checkpoint's history as the outcome's epoch rows. */
    static void historyInto(List<EpochReport> history, Outcome o) {
        for (EpochReport e : history) {
            o.epoch(e.epoch(), e.trainLoss(), e.validationLoss(), e.learningRate(), e.seconds(), (int) e.samples());
        }
    }
}
