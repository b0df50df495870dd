package org.ebpf4j.kernel.iter;

/**
 * A target's {@code seq_operations} for one iterator fd: positions survive between reads, so
 * an object that did not fit in one read is found again by the next {@link #start()}.
 * Objects are opaque to the reader.
 */
public interface IterCursor {
    /** {@code seq_ops->start}: the object at the saved position, or null at the end. */
    Object start();

    /** {@code seq_ops->next}: the object after {@code prev}, saving its position; null at the end. */
    Object next(Object prev);

    /**
     * Fills the context fields after {@code meta} for {@code obj}, or for the stop call
     * ({@code obj} null: the object fields NULL).
     */
    void fill(Object obj, long ctx);

    /**
     * {@code seq_ops->show} after the program returned {@code r0}: 0 to go on, or a negative errno
     * for the object ({@code bpf_iter_run_prog}'s -EAGAIN for any non-zero return, the default).
     */
    default int shown(Object obj, long r0) { return r0 == 0 ? 0 : org.ebpf4j.uapi.Errno.EAGAIN.negative(); }

    /** Whether {@code show} runs the program on {@code obj} at all (a dead cgroup is skipped). */
    default boolean runs(Object obj) { return true; }

    /** {@code fini_seq_private}. */
    default void close() {}
}
