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

    /** {@code fini_seq_private}. */
    default void close() {}
}
