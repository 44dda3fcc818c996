package delta4j.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The worker pool runs every part of every job exactly once, back to back, and reports failures. */
class WorkerPoolTest {

    /** Counts how often each part of each job ran. */
    private static final class Counting extends WorkerPool.Job {
        final AtomicIntegerArray runs;
        final int parts;
        int jobIndex;

        Counting(int jobs, int parts) {
            this.runs = new AtomicIntegerArray(jobs * parts);
            this.parts = parts;
        }

        @Override
        public void run(int part, int parts) {
            assertEquals(this.parts, parts);
            runs.incrementAndGet(jobIndex * parts + part);
            if ((part & 1) == 1) {
                Thread.onSpinWait(); // uneven parts, so claims interleave differently from job to job
            }
        }
    }

    @Test
    void everyPartOfEveryJobRunsExactlyOnce() {
        int jobs = 20_000;
        for (int threads : new int[]{2, 3, 4}) {
            try (WorkerPool pool = new WorkerPool(threads)) {
                Counting job = new Counting(jobs, threads);
                for (int j = 0; j < jobs; j++) {
                    job.jobIndex = j;
                    pool.run(job, threads);
                }
                for (int i = 0; i < jobs * threads; i++) {
                    assertEquals(1, job.runs.get(i), "job " + i / threads + " part " + i % threads + " on " + threads + " threads");
                }
            }
        }
    }

    @Test
    void aFailingPartIsRethrownAndThePoolStaysUsable() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalStateException boom = new IllegalStateException("boom");
            for (int failing = 0; failing < 2; failing++) {
                int f = failing;
                WorkerPool.Job failingJob = new WorkerPool.Job() {
                    @Override
                    void run(int part, int parts) {
                        if (part == f) {
                            throw boom;
                        }
                    }
                };
                IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> pool.run(failingJob, 2));
                assertSame(boom, thrown);
            }
            WorkerPool.Job alone = new WorkerPool.Job() {
                @Override
                void run(int part, int parts) {
                    throw boom;
                }
            };
            assertSame(boom, assertThrows(IllegalStateException.class, () -> pool.run(alone, 1)), "a job in one part");
            Counting job = new Counting(1, 2);
            pool.run(job, 2);
            assertEquals(1, job.runs.get(0));
            assertEquals(1, job.runs.get(1));
        }
    }

    @Test
    void morePartsThanThreadsIsRejected() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThrows(IllegalArgumentException.class, () -> pool.run(new Counting(1, 3), 3));
        }
    }
}
