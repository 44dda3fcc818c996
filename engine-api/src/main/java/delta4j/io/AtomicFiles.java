package delta4j.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files so that a crash never leaves a half-written file under the final name: the content goes
 * to a temporary file in the same folder, which is flushed and fsync'ed, then renamed over the target
 * in one atomic step (and the folder is fsync'ed so the rename itself survives a power cut).
 * A reader sees either the old file or the complete new one. Every file delta4j writes (models, checkpoints,
 * the CLI's outputs, tuning caches, benchmark results and charts) goes through here.
 * Replacing a file keeps its permissions, and writing to a symbolic link replaces the file the link points to.
 */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /** Produces a file's content. */
    @FunctionalInterface
    public interface Writer {
        /**
         * Writes the whole content; {@link AtomicFiles} flushes, fsyncs and closes the stream afterwards.
         *
         * @param out where the content goes (buffered; do not close it)
         * @throws IOException when the content cannot be produced or written; the target is then left as it was
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code target} atomically. On any failure the temporary file is removed and the target is
     * left as it was.
     *
     * @param target  the file to create or replace; its folder must exist
     * @param content writes the file's content
     * @throws IOException naming the target when its folder is missing, it is a folder, the file system
     *                     cannot rename atomically, or the write fails
     */
    public static void write(Path target, Writer content) throws IOException {
        try (Staged staged = stage(target)) {
            try (FileChannel ch = FileChannel.open(staged.file(), StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            staged.commit();
        }
    }

    /**
     * Starts writing {@code target} under a temporary name, for a writer that needs the file itself (random access, a
     * channel of its own) rather than a stream: it writes {@link Staged#file()}, forces and closes it, then calls
     * {@link Staged#commit()}. Closing the stage without a commit removes every temporary file and leaves the target as
     * it was.
     *
     * @param target the file to create or replace; its folder must exist
     * @return the stage, whose temporary file exists and is empty
     * @throws IOException naming the target when its folder is missing, it is a folder, or the temporary file cannot be
     *                     created
     */
    public static Staged stage(Path target) throws IOException {
        // Through a symbolic link: the file it points to is replaced, and the link stays a link.
        Path absolute = throughLinks(target.toAbsolutePath());
        Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NoSuchFileException(target.toString(), null, "cannot write " + target + ": the folder " + dir + " does not exist");
        }
        if (Files.isDirectory(absolute)) {
            throw new IOException("cannot write " + target + ": it is a folder; give a file name");
        }
        return new Staged(target, absolute);
    }

    /**
     * A file being written under a hidden temporary name beside its target ({@code .NAME.<random>.tmp}: never colliding
     * with a concurrent writer, easy to recognise as debris after a crash), published by {@link #commit()}.
     * Not thread-safe.
     */
    public static final class Staged implements AutoCloseable {
        private final Path target;
        private final Path absolute;
        private final String prefix;
        private final Path file;
        private final List<Path> scratch = new ArrayList<>();
        private boolean committed;
        private boolean closed;

        private Staged(Path target, Path absolute) throws IOException {
            this.target = target;
            this.absolute = absolute;
            String random = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            this.prefix = "." + absolute.getFileName() + "." + random;
            this.file = create("");
        }

        private Path create(String role) throws IOException {
            Path p = absolute.resolveSibling(prefix + role + ".tmp");
            Files.newByteChannel(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
            return p;
        }

        /** {@return the temporary file that becomes the target on {@link #commit()}} */
        public Path file() {
            return file;
        }

        /**
         * Creates another empty temporary file beside the target, for a writer's intermediate data; it is removed on
         * {@link #commit()} or {@link #close()}.
         *
         * @param role a short word naming its use, part of the file name
         * @return the new file
         * @throws IOException when it cannot be created
         */
        public Path scratch(String role) throws IOException {
            Path p = create("." + role);
            scratch.add(p);
            return p;
        }

        /**
         * Publishes the file: removes the scratch files, gives the file the permissions of the one it replaces,
         * renames it over the target in one atomic step and fsyncs the folder. The writer must have forced
         * ({@code FileChannel.force}) and closed the file first.
         *
         * @throws IOException when the rename fails or the file system cannot rename atomically; the target is then
         *                     as it was
         * @throws IllegalStateException when the stage was committed or closed already
         */
        public void commit() throws IOException {
            if (committed || closed) {
                throw new IllegalStateException("the file for " + target + " was " + (committed ? "published" : "discarded") + " already");
            }
            for (Path p : scratch) {
                Files.deleteIfExists(p);
            }
            keepAttributes(absolute, file);
            try {
                Files.move(file, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot write " + target + " atomically: the file system does not support atomic renames", e);
            }
            committed = true;
            syncDirectory(absolute.getParent());
        }

        /**
         * Removes the temporary files unless {@link #commit()} published the file; idempotent.
         *
         * @throws IOException when a temporary file cannot be removed
         */
        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            if (!committed) {
                try {
                    Files.deleteIfExists(file);
                } finally {
                    for (Path p : scratch) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    /**
     * Where a write to {@code p} lands: {@code p}, or, when it is a symbolic link (also a dangling one, or a
     * chain of them), the file the link points to. A loop of links is left to the rename to report.
     *
     * @param p a path, absolute or relative
     * @return the file a write to {@code p} replaces ({@code p} itself when it is no link or cannot be read)
     */
    public static Path throughLinks(Path p) {
        Path at = p;
        for (int i = 0; i < 40 && Files.isSymbolicLink(at); i++) {
            try {
                at = at.resolveSibling(Files.readSymbolicLink(at)).toAbsolutePath().normalize();
            } catch (IOException | UnsupportedOperationException e) {
                return p;
            }
        }
        return at;
    }

    /**
     * Gives the new file the permissions (and, where allowed, the owner and group) of the file it replaces,
     * so overwriting a 0600 model does not make it world-readable. Best effort: a file system without POSIX
     * attributes keeps its defaults.
     */
    private static void keepAttributes(Path old, Path replacement) {
        if (!Files.exists(old)) {
            return;
        }
        try {
            PosixFileAttributes a = Files.readAttributes(old, PosixFileAttributes.class);
            Files.setPosixFilePermissions(replacement, a.permissions());
            PosixFileAttributeView v = Files.getFileAttributeView(replacement, PosixFileAttributeView.class);
            if (!a.owner().equals(Files.getOwner(replacement))) {
                v.setOwner(a.owner());
            }
            v.setGroup(a.group());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // Not a POSIX file system, or not allowed to give the file away: the new file keeps the defaults.
        }
    }

    /**
     * Writes a string as UTF-8, atomically.
     *
     * @param target the file to create or replace; its folder must exist
     * @param text   the file's whole content
     * @throws IOException as {@link #write(Path, Writer)} does
     */
    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Makes a completed rename durable; some platforms cannot open folders, where this is a no-op. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not supported here (e.g. Windows); the rename is still atomic, only its durability is weaker.
        }
    }
}
