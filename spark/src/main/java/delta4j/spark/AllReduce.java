package delta4j.spark;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.network.TransportContext;
import org.apache.spark.network.client.RpcResponseCallback;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.client.TransportClientFactory;
import org.apache.spark.network.server.OneForOneStreamManager;
import org.apache.spark.network.server.RpcHandler;
import org.apache.spark.network.server.StreamManager;
import org.apache.spark.network.server.TransportServer;
import org.apache.spark.network.util.MapConfigProvider;
import org.apache.spark.network.util.TransportConf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Sums (or averages) vectors over the tasks of a barrier stage. The rendezvous is Spark's: each task starts a server of
 * Spark's own transport layer (spark-network-common, the Netty transport under Spark's RPC and block transfers) and
 * {@link BarrierTaskContext#allGather} tells every task where the others listen and which JVM they run in. (allGather
 * itself is no transport for gradients: a Spark barrier call polls its reply once a second.)
 *
 * <p>The tasks of one JVM (an executor with several task slots, or Spark local mode) form a group that exchanges in
 * memory ({@link InProcessExchange}); the lowest partition of a group is its leader. Each task sends its vector over
 * the transport once to the leader of every other group, never to the tasks of its own JVM and never twice into one
 * JVM; a leader puts the parts it receives beside its group's own vectors, and the group then adds all N vectors, every
 * element in partition order ((x₀ + x₁) + x₂) + …, into each member's vector. So every replica holds the same floats
 * whatever the tasks' placement (one JVM, one task per JVM, or a mix), and the same as single-process training adds up.
 * A task sends (J−1)·P bytes per exchange for P parameter bytes and J JVMs (all-to-all between the JVMs: for two JVMs
 * that equals a ring all-reduce's 2(J−1)/J·P). It counts its time inside exchanges and the bytes it sent, for the
 * communication share. {@link #EXCHANGE_PROPERTY} makes every task a group of its own (the transport between all).
 *
 * <p>The gradient travels with as few passes over it as the transport allows: the task writes its floats once into a
 * direct little-endian buffer that it keeps for the whole fit (the socket writes from it without a copy), the
 * receiving transport thread reads a peer's floats straight into a float array that is reused, and the sum is added
 * into the members' vectors. Each message is an RPC that the receiver acknowledges once it has taken the part in: the
 * send buffer is refilled only after every peer acknowledged its last use, and a task closes its transport only after
 * every peer acknowledged everything it sent, with no Spark barrier (which polls once a second) at the end. A stage of
 * one task has no peers and no transport: its sums are the vector itself. A stage whose tasks Spark placed on one
 * executor (every task's address in {@link BarrierTaskContext#getTaskInfos} the same: Spark local mode, or an executor
 * with a slot for each) needs no rendezvous either: its tasks meet on their JVM's board, without a transport and
 * without the second that allGather's polling costs the first task to arrive.
 */
final class AllReduce implements AutoCloseable {

    /** How long a task waits for its peers' part of one exchange before it gives up on them. */
    static final long PEER_TIMEOUT_SECONDS = 600;

    /** A message: the sender's partition, the exchange's sequence number, the kind of payload ({@link #FLOATS}, {@link #DOUBLES}). */
    private static final int HEADER = 16;
    private static final int FLOATS = 1;
    private static final int DOUBLES = 2;

    /**
     * A local property of the Spark job ({@code SparkContext.setLocalProperty}): {@code transport} makes tasks that share
     * a JVM exchange over the transport anyway (tests of the transport in local mode, measurements); unset, they
     * exchange in memory ({@link InProcessExchange}).
     */
    static final String EXCHANGE_PROPERTY = "delta4j.spark.exchange";

    /** This JVM, as the rendezvous tells the tasks apart: tasks that name the same one can exchange in memory. */
    private static final String JVM = java.util.UUID.randomUUID().toString();

    private final BarrierTaskContext ctx;
    private final int partition;
    private final int tasks;
    private final Mailbox mailbox;
    /** The tasks of this JVM (this task alone with {@link #EXCHANGE_PROPERTY} {@code transport}); null for one task. */
    private final InProcessExchange group;
    /** Parts a leader receives per exchange (the tasks of the other groups); 0 for the others. */
    private final int remoteParts;
    private TransportContext transport;
    private TransportServer server;
    private TransportClientFactory factory;
    /** A client to the leader of every other group, by the leader's partition; null elsewhere. */
    private final TransportClient[] peers;
    /** Acknowledgements of sent messages not yet received, and the first failure to deliver one. */
    private final Acks acks = new Acks();
    private ByteBuffer out;
    private long sequence;
    private long nanos;
    private long bytes;
    /** Measurement: nanoseconds of the rendezvous and, over the float exchanges, of encode, send, wait, decode and sum. */
    private final long[] phases = new long[5];
    private int floatExchanges;
    /** Measurement: the first float exchange's wait, which holds the rendezvous's skew between the tasks. */
    private long firstWait;

    AllReduce(BarrierTaskContext ctx) throws IOException, InterruptedException {
        this.ctx = ctx;
        this.partition = ctx.partitionId();
        this.tasks = ctx.getTaskInfos().length;
        this.mailbox = new Mailbox(tasks);
        this.peers = new TransportClient[tasks];
        if (tasks == 1) {
            group = null;
            remoteParts = 0;
            return;
        }
        boolean apart = "transport".equals(ctx.getLocalProperty(EXCHANGE_PROPERTY));
        if (!apart && oneExecutor(ctx.getTaskInfos())) {
            long t0 = System.nanoTime();
            group = InProcessExchange.join(ctx, JVM, java.util.stream.IntStream.range(0, tasks).toArray());
            remoteParts = 0;
            nanos += System.nanoTime() - t0;
            phases[0] = nanos;
            return;
        }
        // One I/O thread each way: the engines own the cores; the transport only moves bytes.
        TransportConf conf = new TransportConf("delta4j", new MapConfigProvider(Map.of(
                "spark.delta4j.io.serverThreads", "1",
                "spark.delta4j.io.clientThreads", "1",
                "spark.delta4j.io.numConnectionsPerPeer", "1")));
        this.transport = new TransportContext(conf, mailbox, true);
        // The host this executor's own block transfer service advertises, so peers reach it as Spark does.
        String host = org.apache.spark.SparkEnv.get().blockManager().blockManagerId().host();
        this.server = transport.createServer(host, 0, List.of());
        this.factory = transport.createClientFactory();
        long t0 = System.nanoTime();
        String[] where = ctx.allGather(partition + " " + host + " " + server.getPort() + " " + JVM);
        String[] hosts = new String[tasks], groups = new String[tasks];
        int[] ports = new int[tasks];
        for (String w : where) {
            String[] f = w.split(" ");
            int q = Integer.parseInt(f[0]);
            hosts[q] = f[1];
            ports[q] = Integer.parseInt(f[2]);
            groups[q] = apart ? f[3] + "/" + q : f[3];
        }
        // Groups by JVM; a group's leader is its lowest partition.
        Map<String, Integer> leaders = new HashMap<>();
        for (int q = tasks - 1; q >= 0; q--) {
            leaders.put(groups[q], q);
        }
        int[] mine = java.util.stream.IntStream.range(0, tasks).filter(q -> groups[q].equals(groups[partition])).toArray();
        for (Map.Entry<String, Integer> e : leaders.entrySet()) {
            int q = e.getValue();
            if (!e.getKey().equals(groups[partition])) {
                peers[q] = factory.createClient(hosts[q], ports[q]);
            }
        }
        if (leaders.size() == 1) {
            // One JVM whose tasks' addresses Spark did not report alike (above): nothing crosses the transport.
            closeTransport();
        }
        remoteParts = mine[0] == partition ? tasks - mine.length : 0;
        group = InProcessExchange.join(ctx, groups[partition], mine);
        nanos += System.nanoTime() - t0;
        phases[0] = nanos;
    }

    int tasks() {
        return tasks;
    }

    /**
     * Whether Spark placed every task of the stage on one executor: each task's address is its executor's RPC address
     * (host and port), which no two executor JVMs share.
     */
    static boolean oneExecutor(org.apache.spark.BarrierTaskInfo[] infos) {
        for (org.apache.spark.BarrierTaskInfo i : infos) {
            if (i.address() == null || !i.address().equals(infos[0].address())) {
                return false; // an unknown address: Spark's rendezvous tells the JVMs apart
            }
        }
        return true;
    }

    /**
     * Σ over the tasks of {@code v}, added in partition order (the same float sums on every task), into {@code v}
     * itself, which it returns.
     */
    float[] sum(float[] v) {
        if (tasks == 1) {
            return v;
        }
        long t0 = System.nanoTime();
        floatExchanges++;
        ByteBuffer b = transport == null ? null : message(FLOATS, 4L * v.length);
        if (b != null) {
            b.asFloatBuffer().put(v);
        }
        long t1 = System.nanoTime();
        if (b != null) {
            send(b);
        }
        long t2 = System.nanoTime();
        float[][] remote = receiveParts(float[][]::new, float[].class, "floats");
        long t3 = System.nanoTime();
        group.sum(v, remote);
        if (remote != null) {
            for (float[] f : remote) {
                if (f != null) {
                    mailbox.recycle(f);
                }
            }
        }
        long t4 = System.nanoTime();
        phases[1] += t1 - t0;
        phases[2] += t2 - t1;
        phases[3] += t3 - t2;
        phases[4] += t4 - t3;
        if (floatExchanges == 1) {
            firstWait = t3 - t2;
        }
        nanos += t4 - t0;
        return v;
    }

    /** The mean over the tasks of {@code v}, into {@code v} itself, which it returns. */
    float[] mean(float[] v) {
        float[] s = sum(v);
        float inv = 1f / tasks;
        for (int j = 0; j < s.length; j++) {
            s[j] *= inv;
        }
        return s;
    }

    /** Σ over the tasks of a few doubles (loss sums), in partition order, as a new array. */
    double[] sum(double[] v) {
        if (tasks == 1) {
            return v.clone();
        }
        long t0 = System.nanoTime();
        if (transport != null) {
            ByteBuffer b = message(DOUBLES, 8L * v.length);
            b.asDoubleBuffer().put(v);
            send(b);
        }
        double[][] remote = receiveParts(double[][]::new, double[].class, "doubles");
        double[] sum = group.sum(v, remote);
        nanos += System.nanoTime() - t0;
        return sum;
    }

    /**
     * A leader's parts of this exchange from the other groups' tasks, by partition, each checked to be an array of
     * {@code type} ({@code kind} names its elements; the group checks the lengths with its own vectors'); null for a
     * task that receives none.
     */
    private <T> T[] receiveParts(java.util.function.IntFunction<T[]> slots, Class<T> type, String kind) {
        if (remoteParts == 0) {
            return null;
        }
        Object[] parts = mailbox.take(sequence, remoteParts, ctx);
        T[] received = slots.apply(tasks);
        for (int q = 0; q < tasks; q++) {
            if (parts[q] != null) {
                if (!type.isInstance(parts[q])) {
                    throw new IllegalStateException("all-reduce: task " + q + " sent another kind of vector than this task's " + kind);
                }
                received[q] = type.cast(parts[q]);
            }
        }
        return received;
    }

    /**
     * The next exchange's message buffer, positioned at its payload of {@code payloadBytes}: the task's one direct
     * buffer (grown when needed), once every peer has acknowledged its previous contents.
     */
    private ByteBuffer message(int kind, long payloadBytes) {
        if (payloadBytes > Integer.MAX_VALUE - HEADER) {
            throw new IllegalArgumentException("all-reduce: " + payloadBytes + " bytes do not fit one message");
        }
        acks.awaitNone(ctx);
        int size = HEADER + (int) payloadBytes;
        if (out == null || out.capacity() < size) {
            out = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer b = out.clear().limit(size);
        b.putInt(partition).putLong(++sequence).putInt(kind);
        return b.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Sends the message in {@link #out} (header and payload) to the leader of every other group. */
    private void send(ByteBuffer payload) {
        int size = HEADER + payload.capacity();
        for (int q = 0; q < tasks; q++) {
            if (peers[q] != null) {
                acks.expect();
                peers[q].sendRpc(out.duplicate().clear().limit(size), acks);
                bytes += size;
            }
        }
    }

    /** Seconds this task spent in exchanges (the rendezvous, encoding, sending, waiting, decoding, summing). */
    double seconds() {
        return nanos / 1e9;
    }

    /** One line of the exchange's phases, for {@code -Ddelta4j.spark.measure=true}. */
    String phaseReport() {
        if (group == null) {
            return "one task: no exchange";
        }
        int n = Math.max(1, floatExchanges);
        return String.format("rendezvous %.1f ms; per float exchange (%d; %d tasks in this JVM, %d parts from other JVMs): encode %.2f ms,"
                        + " send %.2f ms, wait for the other JVMs' parts %.2f ms (%.2f ms after the first, which waited %.1f ms), reduce %.2f ms"
                        + " (of which waiting for this JVM's tasks %.2f ms); receive on the I/O thread %.2f ms", phases[0] / 1e6, floatExchanges,
                group.members(), remoteParts, phases[1] / 1e6 / n, phases[2] / 1e6 / n, phases[3] / 1e6 / n,
                (phases[3] - firstWait) / 1e6 / Math.max(1, n - 1), firstWait / 1e6, phases[4] / 1e6 / n, group.waitNanos / 1e6 / n,
                mailbox.receiveNanos / 1e6 / n);
    }

    /** Bytes this task sent. */
    long bytesSent() {
        return bytes;
    }

    /**
     * After the last exchange: waits until every peer has acknowledged everything this task sent, so that no task
     * shuts its transport down while a peer still reads from it (every peer's messages to this task were taken in by
     * the last exchange, and their acknowledgements written before). Only on success: a failing task must not wait
     * for peers that wait for it; it fails, and Spark kills the others.
     */
    void finish() {
        acks.awaitNone(ctx);
    }

    /** Shuts the transport down and leaves this JVM's group. */
    @Override
    public void close() {
        if (group != null) {
            group.close();
        }
        closeTransport();
    }

    private void closeTransport() {
        for (int q = 0; q < peers.length; q++) {
            if (peers[q] != null) {
                peers[q].close();
                peers[q] = null;
            }
        }
        if (factory != null) {
            factory.close();
            server.close();
            transport.close();
            factory = null;
            transport = null;
        }
    }

    /**
     * Waits, holding {@code condition}'s lock, until {@code done} holds: checking every second whether Spark killed the
     * task, and giving up on the peers after {@link #PEER_TIMEOUT_SECONDS} ({@code silence} says what did not come).
     */
    static void awaitPeers(Condition condition, BooleanSupplier done, BarrierTaskContext ctx, String silence) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PEER_TIMEOUT_SECONDS);
        try {
            while (!done.getAsBoolean()) {
                if (ctx.isInterrupted()) {
                    throw new IllegalStateException("the task was killed while it waited for its peers");
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(silence + " for " + PEER_TIMEOUT_SECONDS + " s");
                }
                condition.await(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the other tasks", e);
        }
    }

    /** The sender's side: how many messages await the peer's acknowledgement, and the first that failed. */
    private static final class Acks implements RpcResponseCallback {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private int pending;
        private Throwable failure;

        void expect() {
            lock.lock();
            try {
                pending++;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void onSuccess(ByteBuffer response) {
            done(null);
        }

        @Override
        public void onFailure(Throwable e) {
            done(e);
        }

        private void done(Throwable e) {
            lock.lock();
            try {
                pending--;
                if (failure == null && e != null) {
                    failure = e;
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void awaitNone(BarrierTaskContext ctx) {
            lock.lock();
            try {
                awaitPeers(changed, () -> pending == 0 || failure != null, ctx, "no acknowledgement from the other tasks");
                if (failure != null) {
                    throw new IllegalStateException("all-reduce: a part did not reach its peer: " + failure.getMessage(), failure);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * The server side: parts of exchanges, kept by sequence number until the task takes them. The transport's thread
     * reads a part's floats straight into an array (one the task has finished with, when there is one of its size).
     */
    private static final class Mailbox extends RpcHandler {
        private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
        private final int tasks;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition arrived = lock.newCondition();
        private final Map<Long, Object[]> parts = new HashMap<>();
        private final Map<Long, Integer> counts = new HashMap<>();
        private final ArrayDeque<float[]> free = new ArrayDeque<>();
        private final StreamManager streams = new OneForOneStreamManager();
        /** Time the transport's thread spent taking parts in (measurement only). */
        volatile long receiveNanos;

        Mailbox(int tasks) {
            this.tasks = tasks;
        }

        @Override
        public void receive(TransportClient client, ByteBuffer message, RpcResponseCallback callback) {
            long t0 = System.nanoTime();
            ByteBuffer m = message.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int from = m.getInt();
            long seq = m.getLong();
            int kind = m.getInt();
            ByteBuffer payload = m.slice().order(ByteOrder.LITTLE_ENDIAN);
            Object part = switch (kind) {
                case FLOATS -> {
                    float[] f = reuse(payload.remaining() / 4);
                    payload.asFloatBuffer().get(f);
                    yield f;
                }
                case DOUBLES -> {
                    double[] d = new double[payload.remaining() / 8];
                    payload.asDoubleBuffer().get(d);
                    yield d;
                }
                default -> throw new IllegalStateException("all-reduce: a message of unknown kind " + kind + " from task " + from);
            };
            lock.lock();
            try {
                parts.computeIfAbsent(seq, k -> new Object[tasks])[from] = part;
                counts.merge(seq, 1, Integer::sum);
                arrived.signalAll();
            } finally {
                lock.unlock();
            }
            callback.onSuccess(EMPTY);
            receiveNanos += System.nanoTime() - t0;
        }

        private float[] reuse(int length) {
            lock.lock();
            try {
                for (var it = free.iterator(); it.hasNext(); ) {
                    float[] f = it.next();
                    if (f.length == length) {
                        it.remove();
                        return f;
                    }
                }
            } finally {
                lock.unlock();
            }
            return new float[length];
        }

        /** The task is done with a part's array: the next part of its size goes into it. */
        void recycle(float[] f) {
            lock.lock();
            try {
                if (free.size() < 2 * tasks) {
                    free.add(f);
                }
            } finally {
                lock.unlock();
            }
        }

        /** The {@code expected} parts of exchange {@code seq}, by the sender's partition, once all have come. */
        Object[] take(long seq, int expected, BarrierTaskContext ctx) {
            lock.lock();
            try {
                awaitPeers(arrived, () -> counts.getOrDefault(seq, 0) == expected, ctx, "no word from the other tasks in exchange " + seq);
                counts.remove(seq);
                return parts.remove(seq);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public StreamManager getStreamManager() {
            return streams;
        }
    }
}
