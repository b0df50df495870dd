package org.ebpf4j.kernel;

/**
 * What read(2) and close(2) of a seq_file-backed fd do ({@code struct seq_file} with its
 * {@code file_operations}): a BPF iterator ({@code org.ebpf4j.kernel.iter}) implements it, the
 * fd layer only calls it, so this package does not depend on the iterator's.
 */
public interface SeqFile {
    /**
     * read(fd, buf, count) by {@code reader}, the task whose context anything read runs in
     * (the current task of read(2)): at most {@code count} bytes; an empty array at the end. Failures are
     * {@link org.ebpf4j.uapi.BpfException}s with the errno read(2) would return.
     */
    byte[] read(Task reader, int count);

    /**
     * {@code get_file}: one more fd names this {@code struct file} (dup(2)); {@link #release}
     * then runs only at the last close.
     */
    void get();

    /** {@code fput}: the last one releases the file ({@code .release}). */
    void release();
}
