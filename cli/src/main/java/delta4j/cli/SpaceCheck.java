package delta4j.cli;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks before training that each output's file system has room for it, so a full disk is found before
 * the training it would waste. The outputs on one file system are added up; a file that is replaced needs
 * its full new size, since the old one stays until the new one is complete ({@link delta4j.io.AtomicFiles}).
 */
final class SpaceCheck {

    /** A file to be written and about how many bytes it will take (an upper estimate where it is not known exactly). */
    record Need(String option, Path path, long bytes) {
    }

    /** A file system: something that identifies it, a name for messages, and its free bytes. */
    record Store(Object key, String name, long usableBytes) {
    }

    /** Finds the file system that holds a folder. */
    @FunctionalInterface
    interface Stores {
        Store of(Path folder) throws IOException;
    }

    /** The real file systems. */
    static final Stores FILE_SYSTEMS = folder -> {
        FileStore fs = Files.getFileStore(folder);
        return new Store(fs, fs.toString(), fs.getUsableSpace());
    };

    private SpaceCheck() {
    }

    /**
     * Throws an {@link IllegalStateException} (a runtime error, exit 1) naming the folder, its free space and what
     * each output needs when the outputs on a file system do not fit in its free space. A file system that
     * cannot be asked is not checked (the write itself will say what is wrong).
     */
    static void check(List<Need> needs, Stores stores) {
        Map<Object, List<Need>> byStore = new LinkedHashMap<>();
        Map<Object, Store> found = new LinkedHashMap<>();
        for (Need n : needs) {
            if (n.path() == null) {
                continue;
            }
            Path folder = delta4j.io.AtomicFiles.throughLinks(n.path().toAbsolutePath()).getParent();
            Store s;
            try {
                s = stores.of(folder);
            } catch (IOException | RuntimeException e) {
                continue;
            }
            found.putIfAbsent(s.key(), s);
            byStore.computeIfAbsent(s.key(), k -> new ArrayList<>()).add(n);
        }
        for (var e : byStore.entrySet()) {
            Store s = found.get(e.getKey());
            long total = e.getValue().stream().mapToLong(Need::bytes).sum();
            if (total > s.usableBytes()) {
                List<String> parts = new ArrayList<>();
                for (Need n : e.getValue()) {
                    parts.add(n.option() + " " + n.path() + " " + bytes(n.bytes()));
                }
                Path folder = e.getValue().get(0).path().toAbsolutePath().getParent();
                throw new IllegalStateException("not enough free space for the outputs: " + folder + " (file system " + s.name() + ") has "
                        + bytes(s.usableBytes()) + " free, but " + String.join(", ", parts) + " need " + bytes(total)
                        + ": free some space or write the outputs to another folder (checked before training, so nothing was lost)");
            }
        }
    }

    /** "812 bytes", "3.4 KB", "940 KB", "1.2 MB", "2.0 GB" (powers of 1024). */
    static String bytes(long n) {
        if (n < 1024) {
            return n + (n == 1 ? " byte" : " bytes");
        }
        String[] units = {"KB", "MB", "GB", "TB", "PB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
    }
}
