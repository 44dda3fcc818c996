package delta4j.cli;

import delta4j.engine.EngineProvider;
import delta4j.engine.Engines;
import picocli.CommandLine.Command;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code delta4j devices}: every engine found, what it would run on, or why it cannot. */
@Command(usageHelpAutoWidth = true, name = "devices", description = {"List every engine found and the device it runs on, or why it is unavailable;"
        + " mark the one that --engine auto picks.", ""})
final class DevicesCommand extends Common implements Callable<Integer> {

    @Override
    public Integer call() {
        var out = out();
        List<Engines.Found> found = Engines.list();
        Engines.Found auto = found.stream()
                .filter(f -> f.availability().available() && f.provider().autoPriority(f.availability()) >= 0)
                .max(Comparator.comparingInt(f -> f.provider().autoPriority(f.availability()))).orElse(null);
        int w = Math.max(6, found.stream().mapToInt(f -> f.name().length()).max().orElse(6));
        out.printf("%-" + w + "s  %-11s  %s%n", "ENGINE", "STATUS", "DEVICE / REASON");
        for (Engines.Found f : found) {
            EngineProvider.Availability a = f.availability();
            String detail = a.available() ? a.device() + (a.gpu() ? " [GPU]" : "") + (f == auto ? "   <- auto" : "") : a.reason();
            out.printf("%-" + w + "s  %-11s  %s%n", f.name(), a.available() ? "available" : "unavailable", detail);
            List<EngineProvider.Availability> devices = f.provider().devices();
            if (devices.size() > 1) {
                for (EngineProvider.Availability d : devices) {
                    out.printf("%-" + w + "s  %-11s    --device %s%n", "", "", d.device());
                }
            }
        }
        out.println();
        out.println(Runtime.getRuntime().availableProcessors() + " processors visible to Java " + Runtime.version().feature()
                + "; choose an engine with --engine NAME (auto picks " + (auto == null ? "nothing: none is available" : auto.name()) + ").");
        return Main.OK;
    }
}
