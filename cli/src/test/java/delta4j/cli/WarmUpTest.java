package delta4j.cli;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The settling rule on a fake clock and a fake JIT: no real time is measured. */
class WarmUpTest {

    private final AtomicLong now = new AtomicLong();
    private final AtomicLong compiled = new AtomicLong();
    private final AtomicInteger calls = new AtomicInteger();

    /** Work that takes {@code slowMs} for its first {@code slowRuns} calls (the JIT compiling meanwhile), then 1 ms. */
    private Runnable work(int slowRuns, long slowMs) {
        return () -> {
            int i = calls.getAndIncrement();
            if (i < slowRuns) {
                now.addAndGet(slowMs * 1_000_000);
                compiled.addAndGet(3);
            } else {
                now.addAndGet(1_000_000);
            }
        };
    }

    private WarmUp warmUp() {
        return new WarmUp(now::get, compiled::get);
    }

    @Test
    void warmsPastTheCompilingPhaseUntilTwoQuietWindowsAgree() {
        WarmUp.Result r = warmUp().run(work(23, 2), 3, 30_000_000_000L);
        assertTrue(r.settled(), r.describe());
        // 23 slow runs end inside the 5th window; the 6th is the first quiet one, the 7th agrees with it.
        assertEquals(35, r.runs(), r.describe());
        assertTrue(r.describe().startsWith("settled after 35 warm-up runs"), r.describe());
    }

    @Test
    void aPlateauWhileTheJitStillCompilesIsNotSettled() {
        // Steady 2 ms runs, but the JIT compiles through all of them: the plateau is interpreted or C1 code.
        WarmUp.Result r = warmUp().run(work(1000, 2), 3, 100_000_000L);
        assertFalse(r.settled(), r.describe());
        assertTrue(r.describe().contains("NOT settled") && r.describe().contains("--settle-seconds"), r.describe());
    }

    @Test
    void stopsAtTheTimeLimit() {
        Runnable drifting = () -> now.addAndGet((calls.incrementAndGet() % 2 == 0 ? 1 : 3) * 1_000_000L * calls.get());
        WarmUp.Result r = warmUp().run(drifting, 0, 50_000_000L);
        assertFalse(r.settled());
        assertTrue(r.seconds() >= 0.05, r.describe());
    }

    @Test
    void minimumRunsAreKeptEvenWhenSettledEarlier() {
        WarmUp.Result r = warmUp().run(work(0, 1), 22, 30_000_000_000L);
        assertTrue(r.settled());
        assertEquals(25, r.runs());
    }

    @Test
    void zeroSecondsMeansAFixedWarmUpThatSaysItWasNotChecked() {
        WarmUp.Result r = warmUp().run(work(0, 1), 3, 0);
        assertEquals(3, r.runs());
        assertEquals(3, calls.get());
        assertTrue(r.describe().contains("not checked"), r.describe());
    }
}
