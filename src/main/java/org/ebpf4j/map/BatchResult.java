package org.ebpf4j.map;

import org.ebpf4j.uapi.Errno;

/**
 * What a batch command hands back to user memory even when it fails part way: the kernel copies
 * {@code count}, keys, values and {@code out_batch} and then returns its errno (ENOENT when the
 * map was exhausted, ENOSPC when the first hash bucket did not fit, ...).
 *
 * @param count    elements processed ({@code batch.count} written back)
 * @param keys     {@code count * key_size} bytes (lookup batches), else null
 * @param values   {@code count * value_size} bytes (lookup batches; per-CPU: syscall value size), else null
 * @param outBatch the {@code out_batch} token to pass as {@code in_batch} next, or null if none written
 * @param error    the errno the command returns, or null for success
 */
public record BatchResult(int count, byte[] keys, byte[] values, byte[] outBatch, Errno error) {
    public boolean ok() { return error == null; }
}
