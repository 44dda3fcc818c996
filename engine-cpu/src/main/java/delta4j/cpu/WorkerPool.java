package delta4j.cpu;

import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads, created once per engine, that run the parts of one {@link Job} at a time.
 *
 * <p>The calling thread takes part in every job, so a pool of T threads owns T − 1 workers. A dispatch
 * allocates nothing: the job is a reusable object that reads its arguments from its own fields. Workers spin for a
 * short while after a job (kernels of a training step arrive back to back, and waking a parked thread costs
 * tens of microseconds), then park so an idle engine does not burn a core.
 */
final class WorkerPool implements AutoCloseable {

    /**
     * One parallel kernel: {@code run(part, parts)} does part {@code part} of {@code parts}. The pool calls
     * {@code run} through a handle bound to the job ({@link KernelHandles}), never directly, so that C2 compiles each
     * job's kernel on its own and no caller takes in the vector code of the jobs it dispatches.
     */
    abstract static class Job {
        private final MethodHandle entry = KernelHandles.bind(this);

        abstract void run(int part, int parts);
    }

    /**
     * How long an idle worker (or the waiting caller) spins before parking; beyond it the core is handed
     * back to the OS. It must cover the gaps inside a training step (gathering the next batch takes tens of
     * microseconds), since waking a parked thread costs as much again on a virtual machine: with a spin of
     * tens of microseconds a Fashion-MNIST epoch took longer on 2 threads than on 1 (engine-cpu/README.md,
     * Threads).
     */
    private static final long SPIN_NANOS = 1_000_000;

    private final int threads;
    private final Worker[] workers;
    /**
     * Per part: the latest job (its epoch) whose part of that index has been claimed. Part p belongs to thread p (the
     * caller is thread 0, worker w is thread w), so that a kernel split like the one before it finds its part of the
     * data in its own core's cache (a layer's forward product split by k and the optimizer's step on the same rows of
     * W: engine-cpu/README.md, Threads). The caller takes, after its own part, any part whose worker has not
     * claimed it yet, so a worker that the OS schedules late (a busy machine) finds its part already done instead of
     * holding the kernel up; before this, two threads on a loaded machine ran slower than one. Epochs are longs, so a
     * claim from a finished job never matches a later one.
     */
    private final AtomicLongArray claimed;
    /** Parts of the current job not yet finished. */
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Thread caller;
    private volatile Throwable failure;
    private volatile boolean shutdown;
    private long epoch; // the caller's count of jobs; only the caller writes it

    // The job being run; published to a worker by the volatile write of its ticket, stable until run() returns.
    private Job job;
    private int parts;

    WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a worker pool needs at least 1 thread, got " + threads);
        }
        this.threads = threads;
        this.claimed = new AtomicLongArray(threads);
        this.workers = new Worker[threads - 1];
        for (int w = 0; w < workers.length; w++) {
            workers[w] = new Worker(w + 1);
            workers[w].thread.start();
        }
    }

    /**
     * On exactly two threads, a batch of at least this many rows splits its output layer's kernels at {@link #rowStart}
     * whatever their cost (the narrow forward product, the softmax rows, the cross-entropy's δ, the δ propagation into
     * the last hidden layer): on the caller alone they read the worker's rows of the layer below and wrote rows that
     * the worker reads next, while the worker waited (engine-cpu/README.md, Threads).
     *
     * <p>The constraint: above the batch of the warm-up's stand-in (delta4j.model.Prewarm: at most 24 rows), whose
     * kernels must not split: each split leaves the worker spinning for a millisecond, on a core that the compilers
     * need before the first epoch.
     */
    static final int OWNED_ROWS_MIN = 64;

    /** Whether an output layer's kernel on a batch of {@code rows} rows splits at {@link #rowStart}: {@link #OWNED_ROWS_MIN}. */
    boolean splitsOutputRows(int rows) {
        return threads == 2 && rows >= OWNED_ROWS_MIN;
    }

    /**
     * First row of part {@code part} of {@code parts} of a matrix of {@code rows} rows ({@code rows} for part = parts).
     * Every kernel that splits a batch by its rows takes these rows (the row-wise element-wise jobs, the GEMM's row cut
     * and the phases of its split by k), so that the rows one kernel wrote on thread p are the rows the next one reads
     * there, in that core's cache (engine-cpu/README.md, Threads, "When the two cores are far apart").
     */
    static int rowStart(int rows, int part, int parts) {
        return (int) ((long) rows * part / parts);
    }

    /** Threads that run jobs, the caller's included. */
    int threads() {
        return threads;
    }

    /**
     * Runs {@code job} in {@code parts} parts (1 ≤ parts ≤ threads) on the calling thread and parts − 1
     * workers, each part exactly once; returns when all are done. An exception in any part is rethrown here.
     */
    void run(Job job, int parts) {
        if (parts <= 1) {
            try {
                job.entry.invokeExact(0, 1);
            } catch (Throwable t) {
                throw KernelHandles.unchecked(t);
            }
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
        remaining.set(parts);
        long e = ++epoch;
        for (int w = 0; w < parts - 1; w++) {
            workers[w].dispatch(e); // publishes job and parts
        }
        runPart(e, 0);
        for (int p = 1; p < parts; p++) {
            runPart(e, p); // a worker's part that it has not claimed yet
        }
        awaitWorkers();
        Throwable f = failure;
        if (f != null) {
            failure = null;
            throw KernelHandles.unchecked(f);
        }
    }

    /**
     * Claims part {@code p} of job {@code e} and runs it, unless another thread has claimed it. A claim is a CAS on
     * {@link #claimed}{@code [p]} from an earlier epoch to e: job e cannot end before every part has been claimed for
     * e, so a thread that arrives after it claims nothing, and {@code job} and {@code parts} are read after a successful
     * claim, while they are still job e's.
     */
    private void runPart(long e, int p) {
        long c = claimed.get(p);
        if (c >= e || !claimed.compareAndSet(p, c, e)) {
            return;
        }
        try {
            job.entry.invokeExact(p, parts);
        } catch (Throwable t) {
            failure = t;
        }
        if (remaining.decrementAndGet() == 0) {
            LockSupport.unpark(caller);
        }
    }

    private void awaitWorkers() {
        long start = 0;
        while (remaining.get() != 0) {
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
        final Thread thread;
        /** The latest job this worker is asked to run its part of (its epoch); only the caller writes it. */
        volatile long ticket;
        private final int part;
        private long done;

        Worker(int index) {
            this.part = index;
            this.thread = new Thread(this, "delta4j-cpu-worker-" + index);
            this.thread.setDaemon(true);
        }

        void dispatch(long e) {
            ticket = e;
            LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            while (true) {
                long start = System.nanoTime();
                long e;
                while ((e = ticket) == done) {
                    if (shutdown) {
                        return;
                    }
                    if (System.nanoTime() - start > SPIN_NANOS) {
                        LockSupport.park(this);
                    } else {
                        Thread.onSpinWait();
                    }
                }
                done = e;
                runPart(e, part);
            }
        }
    }
}
