package org.ebpf4j.api;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.elf.MapSpec;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * A live map of a {@link BpfObject} (libbpf's {@code struct bpf_map}, cilium's {@code ebpf.Map}):
 * its spec, its fd in the object's task, and the element operations over BPF_MAP_* commands.
 * Keys and values are raw bytes in the kernel's layout (little-endian); the {@code Long}
 * conveniences cover the common u32-key / u64-value case.
 */
public final class MapHandle {
    private final Bpf bpf;
    private final Task task;
    private final MapSpec spec;
    private final int fd;

    MapHandle(Bpf bpf, Task task, MapSpec spec, int fd) {
        this.bpf = bpf;
        this.task = task;
        this.spec = spec;
        this.fd = fd;
    }

    public String name() { return spec.name(); }

    public MapSpec spec() { return spec; }

    public int fd() { return fd; }

    /** The value under {@code key}, or null when there is none (ENOENT). */
    public byte[] lookup(byte[] key) {
        try {
            return bpf.mapLookupElem(task, fd, key);
        } catch (BpfException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    public void update(byte[] key, byte[] value, long flags) { bpf.mapUpdateElem(task, fd, key, value, flags); }

    public void update(byte[] key, byte[] value) { update(key, value, 0); }

    /** Deletes {@code key}; false if it was not there. */
    public boolean delete(byte[] key) {
        try {
            bpf.mapDeleteElem(task, fd, key);
            return true;
        } catch (BpfException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /** Every key, in BPF_MAP_GET_NEXT_KEY order. */
    public List<byte[]> keys() {
        List<byte[]> out = new ArrayList<>();
        byte[] k = null;
        for (;;) {
            try {
                k = bpf.mapGetNextKey(task, fd, k);
            } catch (BpfException e) {
                if (e.errno() == Errno.ENOENT) {
                    return out;
                }
                throw e;
            }
            out.add(k);
        }
    }

    /** The u64 under u32 key {@code key} (per-CPU maps: CPU 0's), or null. */
    public Long lookupLong(int key) {
        byte[] v = lookup(le32(key));
        if (v == null) {
            return null;
        }
        long x = 0;
        for (int i = Math.min(8, v.length) - 1; i >= 0; i--) {
            x = x << 8 | (v[i] & 0xff);
        }
        return x;
    }

    /** Stores u64 {@code value} under u32 key {@code key} (BPF_ANY). */
    public void updateLong(int key, long value) {
        byte[] v = new byte[spec.valueSize()];
        for (int i = 0; i < Math.min(8, v.length); i++) {
            v[i] = (byte) (value >>> (8 * i));
        }
        update(le32(key), v, 0);
    }

    static byte[] le32(int v) { return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)}; }

    @Override
    public String toString() { return "map " + spec.name() + " (" + spec.type() + ", fd " + fd + ")"; }
}
