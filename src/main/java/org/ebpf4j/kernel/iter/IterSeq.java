package org.ebpf4j.kernel.iter;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import org.ebpf4j.kernel.SeqFile;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.rcu.Rcu;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * One iterator fd's {@code seq_file} with its {@code bpf_iter_priv_data} (kernel/bpf/bpf_iter.c):
 * the 8-page buffer, the session id, {@code seq_num}, {@code done_stop}, and {@link #read} =
 * {@code bpf_seq_read}:
 * <ul>
 *   <li>bytes left from the previous read are returned first, and nothing else;</li>
 *   <li>otherwise objects are shown from the saved position until the buffer holds at least the
 *       bytes asked for, the target ends, or 1,000,000 objects ran (then EAGAIN if nothing was
 *       produced); an object whose output overflows the buffer is rolled back and shown again
 *       by the next read, unless it is the first (E2BIG); a program returning non-zero is
 *       -EAGAIN for that object ({@code bpf_iter_run_prog}), handled the same way;</li>
 *   <li>at the end, the stop call: the program once more with a NULL object, once per session
 *       ({@code bpf_iter_done_stop}); its output overflowing an empty buffer is E2BIG;</li>
 *   <li>after that every read returns 0 bytes.</li>
 * </ul>
 * In the arena: the context, {@code struct bpf_iter_meta} and the {@code struct seq_file}
 * whose address {@code bpf_seq_printf}/{@code bpf_seq_write} receive ({@link SeqHelpers}).
 */
final class IterSeq implements SeqFile {
    /** {@code PAGE_SIZE << 3}. */
    static final int SEQ_BUF_SIZE = 4096 << 3;
    /** {@code MAX_ITER_OBJECTS}. */
    static final int MAX_ITER_OBJECTS = 1_000_000;
    static final int CTX_OFF = 0, META_OFF = 64, SEQ_OFF = 96, BLOCK = 128;
    /** {@code struct bpf_iter_meta} field offsets (model-kernel.c). */
    static final int META_SEQ = 0, META_SESSION_ID = 8, META_SEQ_NUM = 16;

    private final BpfIter iters;
    private final BpfProg prog;
    private final IterCursor cursor;
    private final Arena arena;
    private final long block;
    private final long sessionId;
    private final ReentrantLock lock = new ReentrantLock();
    private final byte[] buf = new byte[SEQ_BUF_SIZE];
    private int count;
    private int from;
    private long seqNum;
    private boolean doneStop;
    private boolean released;
    /** {@code f_count} of the iterator's {@code struct file}: every fd naming it (dup included). */
    private final java.util.concurrent.atomic.AtomicInteger files = new java.util.concurrent.atomic.AtomicInteger(1);
    /** The task whose read(2) runs the program ({@code current} in {@code bpf_seq_read}); set under the lock. */
    private Task reader;

    IterSeq(BpfIter iters, BpfProg prog, IterCursor cursor, long block, long sessionId) {
        this.iters = iters;
        this.prog = prog;
        this.cursor = cursor;
        this.arena = iters.arena();
        this.block = block;
        this.sessionId = sessionId;
        arena.fill(block, BLOCK, (byte) 0);
        arena.store64(block + META_OFF + META_SEQ, seqAddress());
    }

    /** The {@code struct seq_file *} programs hold ({@code meta->seq}). */
    long seqAddress() { return block + SEQ_OFF; }

    long sessionId() { return sessionId; }

    // ---- output (seq_write / seq_vprintf of fs/seq_file.c) ----

    /** {@code seq_has_overflowed}: an overflow sets the count to the buffer size. */
    private boolean overflowed() { return count == SEQ_BUF_SIZE; }

    /** {@code seq_write}: the bytes if they fit with room to spare, else the overflow mark; 0 or -1. */
    int write(byte[] data) {
        if (count + data.length < SEQ_BUF_SIZE) {
            System.arraycopy(data, 0, buf, count, data.length);
            count += data.length;
            return 0;
        }
        count = SEQ_BUF_SIZE;
        return -1;
    }

    /** {@code seq_bprintf}: as {@link #write} for already formatted text; nothing once overflowed. */
    void print(byte[] text) {
        if (count < SEQ_BUF_SIZE) {
            write(text);
        }
    }

    boolean hasOverflowed() { return overflowed(); }

    // ---- bpf_seq_read ----

    @Override
    public byte[] read(Task reader, int size) {
        if (size < 0) {
            throw new BpfException(Errno.EINVAL, "read of " + size + " bytes");
        }
        lock.lock();
        try {
            if (released) {
                throw new BpfException(Errno.EBADF, "read of a released iterator");
            }
            this.reader = reader;
            return seqRead(size);
        } finally {
            this.reader = null;
            lock.unlock();
        }
    }

    private byte[] seqRead(int size) {
        if (count > 0) {
            int n = Math.min(count, size);
            byte[] out = Arrays.copyOfRange(buf, from, from + n);
            count -= n;
            from += n;
            return out;
        }
        from = 0;
        Object p = cursor.start();
        if (p != null) {
            int err = show(p);
            if (err < 0 || overflowed()) {
                count = 0;
                throw failure(err == 0 ? Errno.E2BIG.negative() : err, "the first object's output does not fit in "
                        + SEQ_BUF_SIZE + " bytes");
            }
            int numObjs = 0;
            while (true) {
                numObjs++;
                int offs = count;
                p = cursor.next(p);
                if (p == null) {
                    break;
                }
                seqNum++;   // bpf_iter_inc_seq_num: a valid next object
                if (count >= size) {
                    break;
                }
                if (numObjs >= MAX_ITER_OBJECTS) {
                    if (offs == 0) {
                        throw failure(Errno.EAGAIN.negative(), MAX_ITER_OBJECTS + " objects produced no output");
                    }
                    break;
                }
                err = show(p);
                if (err < 0 || overflowed()) {
                    count = offs;
                    if (offs == 0) {
                        throw failure(err == 0 ? Errno.E2BIG.negative() : err, "an object's output does not fit in "
                                + SEQ_BUF_SIZE + " bytes");
                    }
                    break;
                }
            }
        }
        int offs = count;
        if (p == null) {
            stopCall();
            if (!overflowed()) {
                doneStop = true;   // bpf_iter_done_stop
            } else {
                count = offs;
                if (offs == 0) {
                    throw failure(Errno.E2BIG.negative(), "the stop call's output does not fit in " + SEQ_BUF_SIZE + " bytes");
                }
            }
        }
        int n = Math.min(count, size);
        byte[] out = Arrays.copyOf(buf, n);
        count -= n;
        from = n;
        return out;
    }

    private static BpfException failure(int negErrno, String why) {
        Errno e = Errno.of(-negErrno);
        return new BpfException(e == null ? Errno.EINVAL : e, "read of a BPF iterator: " + why);
    }

    /** {@code seq_ops->show}: the program on {@code obj}; 0, or what the target makes of a non-zero return. */
    private int show(Object obj) {
        if (!cursor.runs(obj)) {
            return 0;
        }
        return cursor.shown(obj, run(obj));
    }

    /** {@code seq_ops->stop} with no object: the program with the object fields NULL, once per session. */
    private void stopCall() {
        if (!doneStop) {
            run(null);
        }
    }

    /** {@code bpf_iter_run_prog} under an RCU read section, meta filled by {@code bpf_iter_get_info}. */
    private long run(Object obj) {
        long ctx = block + CTX_OFF;
        long meta = block + META_OFF;
        arena.store64(meta + META_SESSION_ID, sessionId);
        arena.store64(meta + META_SEQ_NUM, seqNum);
        arena.store64(ctx, meta);
        cursor.fill(obj, ctx);
        Rcu.Reader r = iters.runtime().rcu().reader();
        r.lock();
        try {
            // the program runs in the reading task's context: bpf_get_current_* see it
            return reader == null ? prog.runTracing(ctx)
                    : iters.runtime().progs().asCurrent(reader, () -> prog.runTracing(ctx));
        } finally {
            r.unlock();
        }
    }

    @Override
    public void get() {
        if (files.getAndIncrement() <= 0) {
            throw new IllegalStateException("get_file on a released iterator session");
        }
    }

    /**
     * {@code fput}; the last one is {@code iter_release}: the cursor, the arena block (each fd's
     * program reference the fd layer puts).
     */
    @Override
    public void release() {
        if (files.decrementAndGet() > 0) {
            return;
        }
        lock.lock();
        try {
            if (released) {
                return;
            }
            released = true;
            cursor.close();
            iters.forget(this);
        } finally {
            lock.unlock();
        }
    }

    /** The arena block, freed by {@link BpfIter} after a grace period. */
    long block() { return block; }
}
