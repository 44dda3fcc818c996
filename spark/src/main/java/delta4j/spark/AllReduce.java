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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sums (or averages) vectors over the tasks of a barrier stage. The rendezvous is Spark's: each task
 * starts a server of Spark's own transport layer (spark-network-common, the Netty transport under Spark's
 * RPC and block transfers) and {@link BarrierTaskContext#allGather} tells every task where the others
 * listen. After that each exchange is direct: every task sends its vector to every other task and adds up
 * all of them in partition order, so every replica computes the bit-identical sum. (allGather itself is
 * no transport for gradients: a Spark barrier call polls its reply once a second.)
 *
 * <p>A task sends (N−1)·P bytes per exchange (all-to-all; for N = 2 that equals a ring all-reduce's
 * 2(N−1)/N·P). It counts its time inside exchanges and the bytes it sent, for the communication share.
 */
final class AllReduce implements AutoCloseable {

    /** How long a task waits for its peers' part of one exchange before it gives up on them. */
    static final long PEER_TIMEOUT_SECONDS = 600;

    private final BarrierTaskContext ctx;
    private final int partition;
    private final int tasks;
    private final Mailbox mailbox;
    private final TransportContext transport;
    private final TransportServer server;
    private final TransportClientFactory factory;
    private final TransportClient[] peers;
    private long sequence;
    private long nanos;
    private long bytes;
    /** Per-phase nanoseconds of the float exchanges (rendezvous, encode, send, wait, decode and sum) and their count. */
    final long[] phases = new long[5];
    int floatExchanges;

    AllReduce(BarrierTaskContext ctx) throws IOException, InterruptedException {
        this.ctx = ctx;
        this.partition = ctx.partitionId();
        this.tasks = ctx.getTaskInfos().length;
        this.mailbox = new Mailbox(tasks);
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
        this.peers = new TransportClient[tasks];
        long t0 = System.nanoTime();
        String[] where = ctx.allGather(partition + " " + host + " " + server.getPort());
        for (String w : where) {
            String[] f = w.split(" ");
            int q = Integer.parseInt(f[0]);
            if (q != partition) {
                peers[q] = factory.createClient(f[1], Integer.parseInt(f[2]));
            }
        }
        nanos += System.nanoTime() - t0;
        phases[0] = nanos;
    }

    int tasks() {
        return tasks;
    }

    /** Σ over the tasks of {@code v}, added in partition order (the same float sums on every task). */
    float[] sum(float[] v) {
        long t0 = System.nanoTime();
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        floatExchanges++;
        phases[1] += System.nanoTime() - t0;
        byte[][] parts = exchange(b.array(), true);
        long t3 = System.nanoTime();
        float[] sum = new float[v.length];
        float[] part = new float[v.length];
        for (int q = 0; q < tasks; q++) {
            float[] x = v;
            if (q != partition) {
                ByteBuffer in = ByteBuffer.wrap(parts[q]).order(ByteOrder.LITTLE_ENDIAN);
                if (parts[q].length != 4 * v.length) {
                    throw new IllegalStateException("all-reduce: task " + q + " sent " + parts[q].length / 4 + " values, this task " + v.length);
                }
                in.asFloatBuffer().get(part);
                x = part;
            }
            for (int j = 0; j < sum.length; j++) {
                sum[j] += x[j];
            }
        }
        long t4 = System.nanoTime();
        phases[4] += t4 - t3;
        nanos += t4 - t0;
        return sum;
    }

    /** The mean over the tasks of {@code v}. */
    float[] mean(float[] v) {
        float[] s = sum(v);
        float inv = 1f / tasks;
        for (int j = 0; j < s.length; j++) {
            s[j] *= inv;
        }
        return s;
    }

    /** Σ over the tasks of a few doubles (loss sums), in partition order. */
    double[] sum(double[] v) {
        long t0 = System.nanoTime();
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : v) {
            b.putDouble(d);
        }
        byte[][] parts = exchange(b.array(), false);
        double[] sum = new double[v.length];
        for (int q = 0; q < tasks; q++) {
            ByteBuffer in = q == partition ? null : ByteBuffer.wrap(parts[q]).order(ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j < sum.length; j++) {
                sum[j] += in == null ? v[j] : in.getDouble();
            }
        }
        nanos += System.nanoTime() - t0;
        return sum;
    }

    /** Sends {@code payload} to every other task and returns what each sent in the same exchange (by partition). */
    private byte[][] exchange(byte[] payload, boolean floats) {
        long t1 = System.nanoTime();
        long seq = ++sequence;
        ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(partition).putLong(seq);
        byte[] message = new byte[12 + payload.length];
        System.arraycopy(header.array(), 0, message, 0, 12);
        System.arraycopy(payload, 0, message, 12, payload.length);
        long tm = System.nanoTime();
        for (int q = 0; q < tasks; q++) {
            if (q != partition) {
                peers[q].send(ByteBuffer.wrap(message));
                bytes += message.length;
            }
        }
        long t2 = System.nanoTime();
        byte[][] parts = mailbox.take(seq, ctx);
        if (floats) {
            phases[1] += tm - t1;
            phases[2] += t2 - tm;
            phases[3] += System.nanoTime() - t2;
        }
        return parts;
    }

    /** Seconds this task spent in exchanges (the rendezvous, encoding, sending, waiting, decoding, summing). */
    double seconds() {
        return nanos / 1e9;
    }

    /** One line of the exchange's phases, for {@code -Ddelta4j.spark.measure=true}. */
    String phaseReport() {
        int n = Math.max(1, floatExchanges);
        return String.format("rendezvous %.1f ms; per float exchange (%d): encode %.2f ms, send %.2f ms, wait %.2f ms, decode+sum %.2f ms;"
                        + " receive on the I/O thread %.2f ms", phases[0] / 1e6, floatExchanges, phases[1] / 1e6 / n, phases[2] / 1e6 / n,
                phases[3] / 1e6 / n, phases[4] / 1e6 / n, mailbox.receiveNanos / 1e6 / n);
    }

    /** Bytes this task sent. */
    long bytesSent() {
        return bytes;
    }

    /**
     * After the last exchange: waits for every task to have received everything (a Spark barrier), so that
     * no task shuts its transport down while a peer still reads from it. Only on success: a failing task
     * must not wait for peers that wait for it; it fails, and Spark kills the others.
     */
    void finish() {
        ctx.barrier();
    }

    /** Shuts the transport down. */
    @Override
    public void close() {
        for (TransportClient c : peers) {
            if (c != null) {
                c.close();
            }
        }
        factory.close();
        server.close();
        transport.close();
    }

    /** The server side: parts of exchanges, kept by sequence number until the task takes them. */
    private static final class Mailbox extends RpcHandler {
        private final int tasks;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition arrived = lock.newCondition();
        private final Map<Long, byte[][]> parts = new HashMap<>();
        private final Map<Long, Integer> counts = new HashMap<>();
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
            byte[] payload = new byte[m.remaining()];
            m.get(payload);
            lock.lock();
            try {
                parts.computeIfAbsent(seq, k -> new byte[tasks][])[from] = payload;
                counts.merge(seq, 1, Integer::sum);
                arrived.signalAll();
            } finally {
                lock.unlock();
            }
            receiveNanos += System.nanoTime() - t0;
        }

        byte[][] take(long seq, BarrierTaskContext ctx) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PEER_TIMEOUT_SECONDS);
            lock.lock();
            try {
                while (counts.getOrDefault(seq, 0) < tasks - 1) {
                    if (ctx.isInterrupted()) {
                        throw new IllegalStateException("the task was killed while it waited for its peers");
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no word from the other tasks for " + PEER_TIMEOUT_SECONDS + " s in exchange " + seq);
                    }
                    arrived.await(1, TimeUnit.SECONDS);
                }
                counts.remove(seq);
                return parts.remove(seq);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the other tasks", e);
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
