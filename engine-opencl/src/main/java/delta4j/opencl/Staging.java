package delta4j.opencl;

import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_event;
import org.jocl.cl_mem;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import static org.jocl.CL.*;

/**
 * Two host staging buffers for uploads, used in turn. An upload copies the caller's float[] (or gathers rows of its
 * byte[]) into one of them and enqueues a non-blocking write with an event, so the caller may reuse its array at once
 * and the host runs ahead of the device (preparing the next batch while the current step computes). A staging buffer
 * is refilled only after its last write's event completed.
 *
 * <p>The buffers are pinned where the platform allows it: device buffers created with
 * CL_MEM_ALLOC_HOST_PTR and mapped once, which NVIDIA's driver backs with page-locked memory (DMA at full
 * bus speed). Elsewhere they fall back to direct ByteBuffers. They grow to the largest upload seen (up to
 * {@link #MAX_STAGED_BYTES}); larger uploads are written synchronously, straight from the array.
 */
final class Staging implements AutoCloseable {

    /** Uploads above this are, by default, written blocking from the caller's array rather than staged. */
    static final long MAX_STAGED_BYTES = 64L << 20;

    long maxStagedBytes = MAX_STAGED_BYTES;

    private final OpenClEngine engine;
    private final Slot[] slots = {new Slot(), new Slot()};
    private int next;

    private static final class Slot {
        cl_mem pinned;        // null for a direct-buffer fallback
        ByteBuffer host;
        FloatBuffer floats;
        long capacity;
        cl_event pending;
    }

    Staging(OpenClEngine engine) {
        this.engine = engine;
    }

    /** Whether an upload of this many bytes goes through a staging buffer. */
    boolean staged(long bytes) {
        return bytes <= maxStagedBytes;
    }

    /** Copies count floats of src from offset into a staging buffer and enqueues their write into dst. */
    void upload(float[] src, int offset, int count, cl_mem dst) {
        long bytes = (long) count * Float.BYTES;
        Slot s = take(bytes);
        s.floats.clear();
        s.floats.put(src, offset, count);
        write(s, bytes, dst);
    }

    /**
     * Gathers {@code count} rows of {@code cols} bytes, row r from {@code src}'s row {@code rows[from + r]} (or
     * {@code from + r}), into a staging buffer and enqueues their write into dst.
     */
    void upload(byte[] src, int[] rows, int from, int count, int cols, cl_mem dst) {
        long bytes = (long) count * cols;
        Slot s = take(bytes);
        s.host.clear();
        for (int r = 0; r < count; r++) {
            s.host.put(src, (rows == null ? from + r : rows[from + r]) * cols, cols);
        }
        write(s, bytes, dst);
    }

    /** The next staging buffer in turn, once its last write has completed, grown to hold {@code bytes}. */
    private Slot take(long bytes) {
        Slot s = slots[next];
        next ^= 1;
        await(s);
        if (s.capacity < bytes) {
            grow(s, bytes);
        }
        return s;
    }

    /** Enqueues the non-blocking write of the buffer's first {@code bytes} into dst, awaited at the buffer's next use. */
    private void write(Slot s, long bytes, cl_mem dst) {
        cl_event ev = new cl_event();
        clEnqueueWriteBuffer(engine.queue, dst, CL_FALSE, 0, bytes, Pointer.to(s.host), 0, null, ev);
        engine.track(+1);
        s.pending = ev;
    }

    private void await(Slot s) {
        if (s.pending != null) {
            try {
                clWaitForEvents(1, new cl_event[]{s.pending});
            } finally {
                clReleaseEvent(s.pending);
                engine.track(-1);
                s.pending = null;
            }
        }
    }

    private void grow(Slot s, long bytes) {
        free(s);
        // Round up to 1 MiB so that slowly growing batches do not reallocate every time.
        long cap = Math.max(bytes, ((bytes + (1 << 20) - 1) >> 20) << 20);
        try {
            int[] err = new int[1];
            cl_mem m = clCreateBuffer(engine.context, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR, cap, null, err);
            engine.track(+1);
            s.pinned = m;
            s.host = clEnqueueMapBuffer(engine.queue, m, CL_TRUE, CL_MAP_WRITE, 0, cap, 0, null, null, err);
        } catch (CLException e) {
            free(s);
            s.host = ByteBuffer.allocateDirect((int) cap);
        }
        s.host.order(ByteOrder.nativeOrder());
        s.floats = s.host.asFloatBuffer();
        s.capacity = cap;
    }

    private void free(Slot s) {
        if (s.pinned != null) {
            if (s.host != null) {
                clEnqueueUnmapMemObject(engine.queue, s.pinned, s.host, 0, null, null);
            }
            clReleaseMemObject(s.pinned);
            engine.track(-1);
            s.pinned = null;
        }
        s.host = null;
        s.floats = null;
        s.capacity = 0;
    }

    @Override
    public void close() {
        for (Slot s : slots) {
            try {
                await(s);
            } finally {
                free(s);
            }
        }
    }
}
