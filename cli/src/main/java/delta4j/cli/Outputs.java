package delta4j.cli;

import delta4j.io.AtomicFiles;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files a command writes when its work is done. Each is written on its own: one that fails (a full disk,
 * a file-size limit, a chart that cannot be drawn) is recorded with its reason and does not stop the others.
 * The summary lists every output as written or not, and the command then exits with
 * {@link Main#NOT_WRITTEN}. A trained model whose file cannot be written is written to a fallback file in
 * the system's temporary folder instead, so a finished training is never lost to a full disk.
 */
final class Outputs {

    /** Writes a file's content to a path; {@link AtomicFiles#write} outside tests. */
    @FunctionalInterface
    interface Writer {
        void write(Path target, AtomicFiles.Writer content) throws IOException;
    }

    /**
     * One output and what became of it.
     *
     * @param label   the summary's label, e.g. "saved:"
     * @param option  the option that named the file, e.g. "--out"
     * @param path    the file
     * @param written whether it was written
     * @param detail  when not written: why, and what is on disk instead; else extra text for the summary or ""
     */
    record Result(String label, String option, Path path, boolean written, String detail) {

        /** The summary line. */
        String line() {
            if (written) {
                return String.format("%-10s %s%s", label, path, detail.isEmpty() ? "" : " " + detail);
            }
            return "NOT WRITTEN " + option + " " + path + ": " + detail;
        }
    }

    private final Writer writer;
    private final Path fallbackFolder;
    private final List<Result> results = new ArrayList<>();
    private Path savedInstead;

    /**
     * @param writer         how files are written
     * @param fallbackFolder where a model goes whose own file cannot be written (the system's temporary folder)
     */
    Outputs(Writer writer, Path fallbackFolder) {
        this.writer = writer;
        this.fallbackFolder = fallbackFolder;
    }

    /** Files written atomically, the fallback in {@code java.io.tmpdir}. */
    static Outputs standard() {
        return new Outputs(AtomicFiles::write, Path.of(System.getProperty("java.io.tmpdir")));
    }

    /**
     * Writes one output; a failure (an I/O error, or the content failing to render) is recorded, not thrown.
     *
     * @return whether the file was written
     */
    boolean write(String label, String option, Path path, AtomicFiles.Writer content) {
        boolean existed = Files.exists(path);
        try {
            writer.write(path, content);
            results.add(new Result(label, option, path, true, ""));
            return true;
        } catch (IOException | RuntimeException e) {
            results.add(new Result(label, option, path, false, reason(e, path) + " (" + unchanged(path, existed) + ")"));
            return false;
        }
    }

    /**
     * Writes the trained model to {@code path}; when that fails, to a new file in the fallback folder, whose
     * path the summary gives, so the training is not lost.
     */
    boolean writeModel(Path path, byte[] model) {
        boolean existed = Files.exists(path);
        AtomicFiles.Writer content = out -> out.write(model);
        try {
            writer.write(path, content);
            results.add(new Result("saved:", "--out", path, true, ""));
            return true;
        } catch (IOException | RuntimeException e) {
            String why = reason(e, path) + " (" + unchanged(path, existed) + ")";
            Path fallback = null;
            try {
                fallback = Files.createTempFile(fallbackFolder, "delta4j-" + stem(path) + "-", ".d4j");
                writer.write(fallback, content);
                savedInstead = fallback;
                why += "; the trained model was saved to " + fallback + " instead: move it where you want it";
            } catch (IOException | RuntimeException f) {
                if (fallback != null) {
                    try {
                        Files.deleteIfExists(fallback);
                    } catch (IOException ignored) {
                        // An empty placeholder left in the temporary folder is harmless.
                    }
                }
                why += "; nor could it be saved to the temporary folder " + fallbackFolder + " (" + reason(f, fallback)
                        + "): the trained model is lost; free some space and train again";
            }
            results.add(new Result("saved:", "--out", path, false, why));
            return false;
        }
    }

    /** Records an output written (or not) elsewhere, e.g. the checkpoints written during training. */
    void add(Result r) {
        results.add(r);
    }

    /** What became of each output, in the order they were written. */
    List<Result> results() {
        return List.copyOf(results);
    }

    /** The fallback file the trained model was saved to when its own could not be written, or null. */
    Path savedInstead() {
        return savedInstead;
    }

    /** The outputs that were not written. */
    List<Result> failures() {
        return results.stream().filter(r -> !r.written()).toList();
    }

    /** Prints one summary line per output. */
    void printSummary(PrintWriter out) {
        for (Result r : results) {
            out.println(r.line());
        }
        out.flush();
    }

    /**
     * The command's exit code when the work is done: {@link Main#OK}, or {@link Main#NOT_WRITTEN} with one line on
     * {@code err} naming what was not written.
     */
    int finish(PrintWriter err) {
        List<Result> failed = failures();
        if (failed.isEmpty()) {
            return Main.OK;
        }
        StringBuilder sb = new StringBuilder("delta4j: not written: ");
        for (int i = 0; i < failed.size(); i++) {
            Result r = failed.get(i);
            sb.append(i == 0 ? "" : "; ").append(r.option()).append(' ').append(r.path()).append(" (").append(shortReason(r.detail())).append(')');
        }
        if (savedInstead != null) {
            sb.append("; the trained model was saved to ").append(savedInstead).append(" instead");
        }
        int written = results.size() - failed.size();
        sb.append(written == 0 ? "" : written == 1 ? "; the other output was written" : "; the other " + written + " outputs were written");
        err.println(sb);
        err.flush();
        return Main.NOT_WRITTEN;
    }

    /**
     * Why a write failed, in the system's words where it has them ("No space left on device", "File too
     * large"), without repeating the file name that the summary gives anyway.
     */
    static String reason(Throwable e, Path path) {
        String m;
        if (e instanceof AccessDeniedException) {
            m = "permission denied";
        } else if (e instanceof FileSystemException f && f.getReason() != null) {
            m = f.getReason();
        } else if (e.getMessage() != null && !e.getMessage().isBlank()) {
            m = e.getMessage();
        } else if (e.getCause() != null && e.getCause() != e) {
            return reason(e.getCause(), path);
        } else {
            m = e.getClass().getSimpleName();
        }
        m = Main.oneLine(m);
        String prefix = path == null ? null : "cannot write " + path + ": ";
        return prefix != null && m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    private static String shortReason(String detail) {
        int cut = detail.indexOf(" (");
        return cut > 0 ? detail.substring(0, cut) : detail;
    }

    private static String unchanged(Path path, boolean existed) {
        return existed ? "the " + path.getFileName() + " that was there is unchanged" : "no file was created";
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String s = (dot > 0 ? n.substring(0, dot) : n).replaceAll("[^A-Za-z0-9_.-]", "_");
        return s.isEmpty() ? "model" : s;
    }
}
