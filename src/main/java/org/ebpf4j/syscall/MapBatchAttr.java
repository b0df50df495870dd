package org.ebpf4j.syscall;

/**
 * The {@code batch} part of {@code union bpf_attr} for the four batch commands.
 *
 * @param inBatch   the token from the previous call's {@code outBatch}, null to start (lookup batches)
 * @param keys      {@code count} keys back to back (update/delete batches), else null
 * @param values    {@code count} values back to back (update batch), else null
 * @param count     how many elements at most
 */
public record MapBatchAttr(int mapFd, byte[] inBatch, byte[] keys, byte[] values, int count, long elemFlags, long flags) {
    public static MapBatchAttr lookup(int mapFd, byte[] inBatch, int count) {
        return new MapBatchAttr(mapFd, inBatch, null, null, count, 0, 0);
    }

    public static MapBatchAttr update(int mapFd, byte[] keys, byte[] values, int count, long elemFlags) {
        return new MapBatchAttr(mapFd, null, keys, values, count, elemFlags, 0);
    }

    public static MapBatchAttr delete(int mapFd, byte[] keys, int count) {
        return new MapBatchAttr(mapFd, null, keys, null, count, 0, 0);
    }
}
