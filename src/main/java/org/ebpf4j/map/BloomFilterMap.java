package org.ebpf4j.map;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ThreadLocalRandom;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * BPF_MAP_TYPE_BLOOM_FILTER (kernel/bpf/bloom_filter.c): push sets {@code nr_hash_funcs} bits
 * (map_extra bits 0-3, default 5) chosen by jhash of the value with seeds {@code seed + i};
 * peek answers 0 (maybe present) or -ENOENT (surely absent). No false negatives, ever.
 * The bit array is sized as the kernel sizes it: {@code max_entries * nr_hash_funcs * 7 / 5}
 * bits rounded up to a power of two (at least 64).
 */
final class BloomFilterMap extends MapBase {
    private static final int CREATE_FLAG_MASK = MapFlags.BPF_F_NUMA_NODE | MapFlags.BPF_F_ZERO_SEED | MapFlags.BPF_F_ACCESS_MASK;
    private static final int DEFAULT_HASHES = 5;

    private final int nrHashes;
    private final long bitsetMask;
    private final long bits;
    private final long bytes;
    private final int seed;
    private final int valueSize;

    /** {@code bloom_map_alloc_check} + the checks at the top of {@code bloom_map_alloc}. */
    static int allocCheck(MapAttr a) {
        if (a.keySize() != 0 || a.valueSize() == 0 || a.maxEntries() == 0
                || (a.mapFlags() & ~CREATE_FLAG_MASK) != 0 || !MapFlags.accessOk(a.mapFlags())
                || (a.mapExtra() & ~0xFL) != 0) {
            return Errno.EINVAL.negative();
        }
        if (Integer.toUnsignedLong(a.valueSize()) > (4L << 20)) {
            return Errno.E2BIG.negative();
        }
        return 0;
    }

    BloomFilterMap(MapAttr attr, MapEnv env) {
        super(attr, env);
        int n = (int) (attr.mapExtra() & 0xF);
        this.nrHashes = n == 0 ? DEFAULT_HASHES : n;
        long nrBits = Integer.toUnsignedLong(attr.maxEntries()) * nrHashes / 5 * 7;
        if (nrBits > 1L << 31) {
            nrBits = 1L << 31;
        } else if (nrBits <= 64) {
            nrBits = 64;
        } else {
            nrBits = Long.highestOneBit(nrBits - 1) << 1;
        }
        this.bitsetMask = nrBits - 1;
        this.bytes = nrBits / 8;
        this.valueSize = attr.valueSize();
        this.seed = attr.has(MapFlags.BPF_F_ZERO_SEED) ? 0 : ThreadLocalRandom.current().nextInt();
        this.bits = arena.alloc(bytes);
        if (bits == 0) {
            throw allocFailed(Errno.ENOMEM, "no arena memory for a " + nrBits + "-bit bloom filter");
        }
    }

    private long bitOf(MemorySegment v, long off, int i) {
        return Integer.toUnsignedLong(JHash.hash(v, off, valueSize, seed + i)) & bitsetMask;
    }

    private int push(MemorySegment v, long off, long flags) {
        if (flags != MapFlags.BPF_ANY) {
            return Errno.EINVAL.negative();
        }
        for (int i = 0; i < nrHashes; i++) {
            long bit = bitOf(v, off, i);
            arena.getAndOr64(bits + (bit >>> 6) * 8, 1L << (bit & 63));
        }
        return 0;
    }

    private int peek(MemorySegment v, long off) {
        for (int i = 0; i < nrHashes; i++) {
            long bit = bitOf(v, off, i);
            if ((arena.load64(bits + (bit >>> 6) * 8) & (1L << (bit & 63))) == 0) {
                return Errno.ENOENT.negative();
            }
        }
        return 0;
    }

    @Override
    public int pushElem(long valueAddr, long flags, int cpu) { return push(mem, arena.offset(valueAddr, valueSize), flags); }

    @Override
    public int peekElem(long valueAddr, int cpu) { return peek(mem, arena.offset(valueAddr, valueSize)); }

    @Override
    public int popElem(long valueAddr, int cpu) { return Errno.EOPNOTSUPP.negative(); }

    @Override
    public int updateElem(long keyAddr, long valueAddr, long flags, int cpu) { return Errno.EINVAL.negative(); }

    @Override
    public int deleteElem(long keyAddr, int cpu) { return Errno.EINVAL.negative(); }

    // observed on Linux 6.18: lookup of an absent value ENOENT, update BPF_EXIST EINVAL,
    // get_next_key EOPNOTSUPP (95), delete EINVAL
    @Override
    public byte[] lookup(byte[] key, long flags) {
        throw new BpfException(Errno.EINVAL, "bloom filter lookups take the value: use peekValue");
    }

    /** BPF_MAP_LOOKUP_ELEM on a bloom filter: the user's value buffer is the query (peek). */
    @Override
    public void peekValue(byte[] value, long flags) {
        checkValue(value);
        checkLookupFlags(flags);
        check(peek(MemorySegment.ofArray(value), 0), "peek");
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        checkValue(value);
        checkLockFlag(flags);
        check(push(MemorySegment.ofArray(value), 0, flags), "push with flags 0x" + Long.toHexString(flags));
    }

    @Override
    public void delete(byte[] key) { throw new BpfException(Errno.EINVAL, "delete is not supported by a bloom filter"); }

    @Override
    public byte[] getNextKey(byte[] key) {
        throw new BpfException(Errno.EOPNOTSUPP, "get_next_key is not supported by a bloom filter");
    }

    @Override
    public long memUsage() { return MapHeader.SIZE + bytes; }

    @Override
    protected void freeStorage() { arena.free(bits, bytes); }
}
