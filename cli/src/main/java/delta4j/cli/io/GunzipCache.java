package delta4j.cli.io;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;

/**
 * Decompressed copies of gzip data files, kept in the user's cache directory so that a file read again is not inflated
 * again: inflating is slow next to reading, and a training command reads its data while the JIT and the warm-up need
 * every core (docs/CLI.md, "The decompression cache", has what it costs and saves).
 *
 * <p>A copy is named by its source's real path (hashed), size and modification time, and by its own length and
 * CRC-32, which every read of it checks at its end: a changed source misses, and a damaged copy is deleted and
 * reported. A copy is written while its source is inflated for a read, into a temporary file that is renamed into
 * place only once the gzip stream has ended and passed its trailer's check; a read that stops early or fails leaves
 * nothing behind, and a newer copy replaces the older ones of the same source. A problem writing (no space, no
 * permission) only means no copy: a read never fails because of the cache.
 *
 * <p>Where: {@code -Ddelta4j.cache.dir} or else the environment's {@code DELTA4J_CACHE_DIR}, else
 * {@code $XDG_CACHE_HOME/delta4j}, else {@code ~/.cache/delta4j}; the copies go in its {@code gunzipped} folder. The
 * word {@code off} in the property or the variable turns the cache off.
 */
final class GunzipCache {

    /** The system property that names the cache directory, or turns the cache off ({@value #OFF}). */
    static final String DIR_PROPERTY = "delta4j.cache.dir";
    /** The environment variable read where the property is not set. */
    static final String DIR_ENV = "DELTA4J_CACHE_DIR";
    static final String OFF = "off";

    /** A copy is only started where this much space is left beside it, counted per byte of the gzip file. */
    private static final long SPACE_PER_SOURCE_BYTE = 16;
    private static final long SPACE_MARGIN = 1L << 30;

    private final Path dir; // null: off

    GunzipCache(Path dir) {
        this.dir = dir;
    }

    /** The cache as the property, the environment and the XDG convention place it. */
    static GunzipCache standard() {
        String configured = System.getProperty(DIR_PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(DIR_ENV);
        }
        if (configured != null && !configured.isBlank()) {
            return new GunzipCache(configured.trim().equalsIgnoreCase(OFF) ? null : Path.of(configured.trim()).resolve("gunzipped"));
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return new GunzipCache(base.resolve("delta4j").resolve("gunzipped"));
    }

    /** The folder of the copies, or null when the cache is off. */
    Path dir() {
        return dir;
    }

    /**
     * The decompressed content of the gzip file {@code file}: its cached copy where one is kept, else the inflated
     * {@code raw} bytes (the file's, from its first byte), copied into the cache on the way. The caller closes the
     * stream; {@code raw} is closed with it, or here when the copy is read instead.
     */
    InputStream open(Path file, InputStream raw) throws IOException {
        Key key = dir == null ? null : Key.of(file);
        if (key != null) {
            Kept copy = key.find(dir);
            if (copy != null) {
                try {
                    CheckedCopy checked = new CheckedCopy(file, copy);
                    raw.close();
                    return checked;
                } catch (IOException e) {
                    // gone since it was found (another command replaced it): inflate the source instead
                }
            }
        }
        InputStream inflated = new GZIPInputStream(raw, 1 << 16);
        return key == null ? inflated : new Copying(inflated, dir, key);
    }

    /** A kept copy and the length and CRC-32 that its name records. */
    private record Kept(Path path, long length, long crc) {
    }

    /**
     * What names a source's copy: its real path's hash, size and modification time; the copy adds its length and CRC.
     * {@code size} is the source's, which also sizes the room a copy needs.
     */
    private record Key(String source, String name, long size) {

        /** The key, or null where the file cannot be looked at (the read then goes on uncached). */
        static Key of(Path file) {
            try {
                Path real = file.toRealPath();
                String path = real.toString();
                // 64 bits of the path: its CRC-32 and its string hash (no digest provider to load at start-up).
                CRC32 pathCrc = new CRC32();
                pathCrc.update(path.getBytes(StandardCharsets.UTF_8));
                long size = Files.size(real);
                String source = String.format("%08x%08x", pathCrc.getValue(), path.hashCode()) + "-" + size + "-"
                        + Files.getLastModifiedTime(real).to(TimeUnit.NANOSECONDS) + "-";
                String name = real.getFileName().toString();
                if (name.endsWith(".gz")) {
                    name = name.substring(0, name.length() - 3);
                }
                // The original name ends the copy's name, for a person looking at the folder; only safe characters.
                return new Key(source, name.replaceAll("[^A-Za-z0-9._-]", "_"), size);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        /** The copy's file name for content of {@code length} bytes and this CRC-32. */
        String copyName(long length, long crc) {
            return source + length + "-" + String.format("%08x", crc) + "-" + name;
        }

        /** The kept copy of this source whose size matches its name, or null. */
        Kept find(Path dir) {
            if (!Files.isDirectory(dir)) {
                return null;
            }
            try (DirectoryStream<Path> copies = Files.newDirectoryStream(dir, source + "*")) {
                for (Path copy : copies) {
                    Kept kept = parse(copy);
                    if (kept != null && Files.size(copy) == kept.length()) {
                        return kept;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // an unreadable cache is no cache
            }
            return null;
        }

        /** The copy with the length and CRC-32 that its name records, or null for a name that is not a copy's of this key. */
        private Kept parse(Path copy) {
            String rest = copy.getFileName().toString().substring(source.length());
            String[] parts = rest.split("-", 3);
            if (parts.length != 3 || !parts[2].equals(name)) {
                return null;
            }
            try {
                return new Kept(copy, Long.parseLong(parts[0]), Long.parseLong(parts[1], 16));
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /** Deletes the other copies of the same source (older versions of it), keeping {@code keep}. */
        void deleteOthers(Path dir, Path keep) {
            String hash = source.substring(0, source.indexOf('-') + 1);
            try (DirectoryStream<Path> copies = Files.newDirectoryStream(dir, hash + "*")) {
                for (Path copy : copies) {
                    if (!copy.equals(keep)) {
                        Files.deleteIfExists(copy);
                    }
                }
            } catch (IOException e) {
                // an old copy left behind is only disk space
            }
        }
    }

    /**
     * A stream that keeps the length and CRC-32 of every byte that passes through it (skipped ones included, by
     * reading them) and calls {@link #passed} for them and {@link #atEnd} when its source ends.
     */
    private abstract static class Watched extends FilterInputStream {
        final CRC32 crc = new CRC32();
        long length;

        Watched(InputStream in) {
            super(in);
        }

        /** Bytes that went through. */
        abstract void passed(byte[] b, int off, int n);

        /** The source has ended; called at each read that finds the end. */
        abstract void atEnd() throws IOException;

        @Override
        public final int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public final int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n < 0) {
                atEnd();
            } else if (n > 0) {
                crc.update(b, off, n);
                length += n;
                passed(b, off, n);
            }
            return n;
        }

        @Override
        public final long skip(long n) throws IOException {
            byte[] scratch = new byte[(int) Math.min(n, 1 << 16)];
            long skipped = 0;
            while (skipped < n) {
                int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        @Override
        public final boolean markSupported() {
            return false;
        }
    }

    /** A kept copy, read with its CRC-32 and length checked against its name when the read reaches its end. */
    private static final class CheckedCopy extends Watched {
        private final Path file;
        private final Kept copy;
        private boolean checked;

        CheckedCopy(Path file, Kept copy) throws IOException {
            super(Files.newInputStream(copy.path()));
            this.file = file;
            this.copy = copy;
        }

        @Override
        void passed(byte[] b, int off, int n) {
        }

        @Override
        void atEnd() throws IOException {
            if (checked) {
                return;
            }
            checked = true;
            if (length != copy.length() || crc.getValue() != copy.crc()) {
                in.close();
                Files.deleteIfExists(copy.path());
                throw new DataFileException(file.toString(), "its decompressed copy in the cache (" + copy.path()
                        + ") is damaged and was deleted: run the command again");
            }
        }
    }

    /**
     * The inflated stream, written to a temporary file in the cache as it is read; renamed into the copy's place when
     * the gzip stream ends (its trailer checked), deleted if the stream is closed before that.
     */
    private static final class Copying extends Watched {
        private final Path dir;
        private final Key key;
        private Path temp;
        private OutputStream out;

        Copying(InputStream inflated, Path dir, Key key) {
            super(inflated);
            this.dir = dir;
            this.key = key;
            try {
                Files.createDirectories(dir);
                if (Files.getFileStore(dir).getUsableSpace() >= SPACE_MARGIN + SPACE_PER_SOURCE_BYTE * key.size()) {
                    temp = Files.createTempFile(dir, ".partial-", "");
                    out = Files.newOutputStream(temp);
                }
            } catch (IOException | RuntimeException e) {
                abandon();
            }
        }

        @Override
        void passed(byte[] b, int off, int n) {
            if (out == null) {
                return;
            }
            try {
                out.write(b, off, n);
            } catch (IOException | RuntimeException e) {
                abandon();
            }
        }

        /** The gzip stream has ended and checked its trailer: the copy is complete. */
        @Override
        void atEnd() {
            if (out == null) {
                return;
            }
            try {
                out.close();
                out = null;
                Path copy = dir.resolve(key.copyName(length, crc.getValue()));
                try {
                    Files.move(temp, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, copy, StandardCopyOption.REPLACE_EXISTING);
                }
                temp = null;
                key.deleteOthers(dir, copy);
            } catch (IOException | RuntimeException e) {
                abandon();
            }
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                abandon(); // nothing to do after a finished copy
            }
        }

        /** Gives the copy up: closes and deletes the temporary file, if any. */
        private void abandon() {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException e) {
                    // deleted below
                }
                out = null;
            }
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // a .partial- file left in the cache folder is only disk space
                }
                temp = null;
            }
        }
    }
}
