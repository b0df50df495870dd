package org.ebpf4j.map;

import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * The batch commands built from the element ops, for map types without their own:
 * {@code generic_map_lookup_batch}, {@code generic_map_update_batch} and
 * {@code generic_map_delete_batch} of kernel/bpf/syscall.c. The lookup batch walks with
 * get_next_key, so its token is a key (the last one visited); a key whose lookup gives ENOENT
 * (an element that vanished meanwhile, an empty ARRAY_OF_MAPS slot) is skipped, as Linux 6.18
 * does ({@code goto next_key}; observed: slots 0, 1, 3 empty → count 1, ENOENT). Older kernels
 * retried three times and then failed with EINTR.
 */
final class GenericBatch {
    private GenericBatch() {}

    static void checkElemFlags(MapBase map, long elemFlags) {
        if ((elemFlags & ~MapFlags.BPF_F_LOCK) != 0) {
            throw new BpfException(Errno.EINVAL, "batch elem_flags 0x" + Long.toHexString(elemFlags)
                    + ": only BPF_F_LOCK is allowed");
        }
        map.checkLockFlag(elemFlags);
    }

    static BatchResult lookup(MapBase map, byte[] inBatch, int count, long elemFlags, long flags) {
        checkElemFlags(map, elemFlags);
        if (flags != 0) {
            throw new BpfException(Errno.EINVAL, "batch flags 0x" + Long.toHexString(flags) + " must be 0");
        }
        if (count == 0) {
            return new BatchResult(0, new byte[0], new byte[0], null, null);
        }
        int ks = map.keySize();
        int vs = map.syscallValueSize();
        if (inBatch != null && inBatch.length != ks) {
            throw new BpfException(Errno.EINVAL, "in_batch of " + inBatch.length + " bytes: this map's token is a key of "
                    + ks + " bytes");
        }
        byte[] keys = new byte[count * ks];
        byte[] values = new byte[count * vs];
        byte[] prev = inBatch;
        Errno err = null;
        int cp = 0;
        while (cp < count) {
            byte[] key;
            try {
                key = map.getNextKey(prev);
            } catch (BpfException e) {
                err = e.errno();
                break;
            }
            try {
                byte[] value = map.lookup(key, elemFlags);
                System.arraycopy(key, 0, keys, cp * ks, ks);
                System.arraycopy(value, 0, values, cp * vs, vs);
                cp++;
            } catch (BpfException e) {
                if (e.errno() != Errno.ENOENT) {
                    return new BatchResult(0, keys, values, null, e.errno());
                }
                // a key without a value (an empty fd-array slot, an element deleted meanwhile) is skipped
            }
            prev = key;
        }
        return new BatchResult(cp, keys, values, cp > 0 ? prev : null, err);
    }

    static BatchResult update(MapBase map, byte[] keys, byte[] values, int count, long elemFlags) {
        checkElemFlags(map, elemFlags);
        int ks = map.keySize();
        int vs = map.syscallValueSize();
        checkLength("keys", keys, (long) count * ks);
        checkLength("values", values, (long) count * vs);
        int cp = 0;
        Errno err = null;
        for (; cp < count; cp++) {
            try {
                map.update(java.util.Arrays.copyOfRange(keys, cp * ks, (cp + 1) * ks),
                        java.util.Arrays.copyOfRange(values, cp * vs, (cp + 1) * vs), elemFlags);
            } catch (BpfException e) {
                err = e.errno();
                break;
            }
        }
        return new BatchResult(cp, null, null, null, err);
    }

    static BatchResult delete(MapBase map, byte[] keys, int count, long elemFlags) {
        checkElemFlags(map, elemFlags);
        int ks = map.keySize();
        checkLength("keys", keys, (long) count * ks);
        int cp = 0;
        Errno err = null;
        for (; cp < count; cp++) {
            try {
                map.delete(java.util.Arrays.copyOfRange(keys, cp * ks, (cp + 1) * ks));
            } catch (BpfException e) {
                err = e.errno();
                break;
            }
        }
        return new BatchResult(cp, null, null, null, err);
    }

    /** A buffer shorter than count elements is what the kernel would meet as EFAULT. */
    static void checkLength(String what, byte[] buf, long need) {
        if (need > 0 && (buf == null || buf.length < need)) {
            throw new BpfException(Errno.EFAULT, "batch " + what + " buffer of "
                    + (buf == null ? "null" : buf.length + " bytes") + " is shorter than " + need + " bytes");
        }
    }
}
