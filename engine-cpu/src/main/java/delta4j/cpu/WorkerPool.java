package delta4j.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads, created once per engine, that run the parts of one {@link Job} at a time.
 *
 * <p>The calling thread runs part 0 itself, so a pool of T threads owns T − 1 workers. A dispatch allocates
 * nothing: the job is a reusable object that reads its arguments from its own fields. Workers spin for a
 * short while after a job (kernels of a training step arrive back to back, and waking a parked thread costs
 * tens of microseconds), then park so an idle engine does not burn a core.
 */
final class WorkerPool implements AutoCloseable {

    /** One parallel kernel: {@code run(part, parts)} does part {@code part} of {@code parts}. */
    interface Job {
        void run(int part, int parts);
    }

    /**
     * How long an idle worker (or the waiting caller) spins before parking. 50 µs covers the gap between
     * the kernels of one training step; beyond it the core is handed back to the OS.
     */
    private static final long SPIN_NANOS = 50_000;

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Thread caller;
    private volatile Throwable failure;
    private volatile boolean shutdown;

    // The job being dispatched; published to the workers by the volatile write of each worker's ticket.
    private Job job;
    private int parts;

    WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a worker pool needs at least 1 thread, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int w = 0; w < workers.length; w++) {
            workers[w] = new Worker(w + 1);
            workers[w].thread.start();
        }
    }

    /** Threads that run jobs, the caller's included. */
    int threads() {
        return threads;
    }

    /**
     * Runs {@code job} in {@code parts} parts (1 ≤ parts ≤ threads): part 0 on the calling thread, the others
     * on workers; returns when all are done. An exception in any part is rethrown here.
     */
    void run(Job job, int parts) {
        if (parts <= 1) {
            job.run(0, 1);
            return;
        }
        if (parts > threads) {
            throw new IllegalArgumentException("job split into " + parts + " parts, but the pool has " + threads + " threads");
        }
        if (shutdown) {
            throw new IllegalStateException("the worker pool is closed");
        }
        this.job = job;
        this.parts = parts;
        this.failure = null;
        this.caller = Thread.currentThread();
        pending.set(parts - 1);
        for (int w = 0; w < parts - 1; w++) {
            workers[w].dispatch();
        }
        try {
            job.run(0, parts);
        } catch (Throwable t) {
            failure = t;
        }
        awaitWorkers();
        Throwable f = failure;
        if (f != null) {
            failure = null;
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException("a cpu engine worker failed", f);
        }
    }

    private void awaitWorkers() {
        long start = 0;
        while (pending.get() != 0) {
            if (start == 0) {
                start = System.nanoTime();
            } else if (System.nanoTime() - start > SPIN_NANOS) {
                LockSupport.parkNanos(this, 100_000);
                continue;
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public void close() {
        if (!shutdown) {
            shutdown = true;
            for (Worker w : workers) {
                LockSupport.unpark(w.thread);
            }
        }
    }

    private final class Worker implements Runnable {
        final int part;
        final Thread thread;
        /** Incremented by the caller for each job this worker must run. */
        volatile long ticket;
        private long done;

        Worker(int part) {
            this.part = part;
            this.thread = new Thread(this, "delta4j-cpu-worker-" + part);
            this.thread.setDaemon(true);
        }

        void dispatch() {
            ticket = ticket + 1; // only the caller writes the ticket
            LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            while (true) {
                long start = System.nanoTime();
                while (ticket == done) {
                    if (shutdown) {
                        return;
                    }
                    if (System.nanoTime() - start > SPIN_NANOS) {
                        LockSupport.park(this);
                    } else {
                        Thread.onSpinWait();
                    }
                }
                done++;
                try {
                    job.run(part, parts);
                } catch (Throwable t) {
                    failure = t;
                }
                if (pending.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }
}
