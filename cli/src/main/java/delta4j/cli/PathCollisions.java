package delta4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * Refuses a command line whose outputs would overwrite one of its inputs or each other ({@code --out x.csv}
 * with {@code --data x.csv}, {@code --metrics-json} equal to {@code --out}, ...). Every output is compared with
 * every input and every other output, after resolving symbolic links and {@code ..}, and by file identity
 * (device and inode, so hard links count) where both files exist. A collision is a usage error naming both
 * options, raised before any data is read.
 */
final class PathCollisions {

    /** How many symbolic links in a row are followed before a path is taken as it stands (as the kernel's ELOOP). */
    private static final int MAX_LINKS = 40;

    private final List<Role> roles = new ArrayList<>();
    private final List<Set<String>> allowed = new ArrayList<>();

    /** A file the command reads or writes, and the option that named it. */
    private record Role(String option, Path path, boolean output) {
    }

    /** A file the command reads (null is skipped). */
    PathCollisions input(String option, Path path) {
        if (path != null) {
            roles.add(new Role(option, path, false));
        }
        return this;
    }

    /** Every file a data SOURCE reads (a CSV file, or the IDX files of a folder). */
    PathCollisions inputs(String option, List<Path> paths) {
        paths.forEach(p -> input(option, p));
        return this;
    }

    /** A file the command writes (null is skipped). */
    PathCollisions output(String option, Path path) {
        if (path != null) {
            roles.add(new Role(option, path, true));
        }
        return this;
    }

    /**
     * Lets two options name the same file: an output that replaces an input the command has read completely
     * before it writes (the checkpoint that {@code --resume} read, written again as training goes on).
     */
    PathCollisions allow(String optionA, String optionB) {
        allowed.add(Set.of(optionA, optionB));
        return this;
    }

    /** Throws a {@link UsageException} for the first two roles that name the same file, when one of them is an output. */
    void check() {
        for (int i = 0; i < roles.size(); i++) {
            for (int j = i + 1; j < roles.size(); j++) {
                Role a = roles.get(i), b = roles.get(j);
                if (!(a.output || b.output) || allowed.contains(Set.of(a.option, b.option))) {
                    continue;
                }
                if (sameFile(a.path, b.path)) {
                    throw new UsageException(message(a.output ? a : b, a.output ? b : a));
                }
            }
        }
    }

    private static String message(Role out, Role other) {
        String same = out.option + " " + out.path + " and " + other.option + " " + other.path + " are the same file"
                + (out.path.equals(other.path) ? "" : " (" + canonical(out.path) + ")");
        return other.output ? same + ": each output needs a file of its own; give " + out.option + " another name"
                : same + ": writing " + out.option + " would destroy that input; give " + out.option + " another name";
    }

    /** Whether two paths name one file: by identity where both exist, else by their canonical form. */
    static boolean sameFile(Path a, Path b) {
        if (Files.exists(a) && Files.exists(b)) {
            try {
                return Files.isSameFile(a, b);
            } catch (IOException e) {
                // Fall through to comparing names.
            }
        }
        return canonical(a).equals(canonical(b));
    }

    /**
     * The absolute path with every symbolic link resolved, also in the part that does not exist yet: the longest
     * existing prefix is resolved by the file system, a dangling link is followed to where a write would go,
     * and the rest (names not created yet) is appended with {@code .} and {@code ..} removed.
     */
    static Path canonical(Path p) {
        Path abs = p.toAbsolutePath();
        for (int links = 0; links < MAX_LINKS; links++) {
            Deque<Path> rest = new ArrayDeque<>();
            Path existing = abs;
            while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
                rest.push(existing.getFileName());
                existing = existing.getParent();
            }
            if (existing == null) {
                return abs.normalize();
            }
            if (Files.isSymbolicLink(existing) && !Files.exists(existing)) {
                // A dangling link: a write through it creates its target.
                try {
                    Path target = existing.resolveSibling(Files.readSymbolicLink(existing));
                    abs = appendAll(target.toAbsolutePath(), rest);
                    continue;
                } catch (IOException | UnsupportedOperationException e) {
                    return abs.normalize();
                }
            }
            try {
                return appendAll(existing.toRealPath(), rest).normalize();
            } catch (IOException e) {
                return abs.normalize();
            }
        }
        return abs.normalize();
    }

    private static Path appendAll(Path base, Deque<Path> names) {
        Path out = base;
        for (Path n : names) {
            out = out.resolve(n);
        }
        return out;
    }
}
