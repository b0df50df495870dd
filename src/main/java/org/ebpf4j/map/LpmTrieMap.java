package org.ebpf4j.map;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * BPF_MAP_TYPE_LPM_TRIE (kernel/bpf/lpm_trie.c): a binary Patricia trie of prefixes. A key is a
 * {@code struct bpf_lpm_trie_key_u8}: u32 prefixlen then {@code key_size - 4} data bytes,
 * big-endian bit order (bit 0 is the top bit of data[0]).
 *
 * <p>Nodes are Java objects ({@link Node}) whose child links are volatile: programs walk the
 * trie without a lock while writers, serialised on this map, publish each change with one
 * volatile write, as {@code rcu_assign_pointer} does. Node values live in the arena (a program
 * gets their address from lookup); a replaced or deleted node's value is freed only after a
 * grace period ({@code bpf_mem_cache_free_rcu}). Intermediate nodes (flag IM) carry no value.
 *
 * <p>Full map → ENOSPC (as Linux 6.18 answers; checked on this machine), not E2BIG.
 */
final class LpmTrieMap extends MapBase {
    static final int DATA_SIZE_MIN = 1;
    static final int DATA_SIZE_MAX = 256;
    private static final int KEY_HDR = 4;                              // offsetof(bpf_lpm_trie_key_u8, data)
    private static final int NODE_SIZE = 40;                           // sizeof(struct lpm_trie_node)
    private static final long KMALLOC_MAX_SIZE = 4L << 20;
    static final long VAL_SIZE_MAX = KMALLOC_MAX_SIZE - DATA_SIZE_MAX - NODE_SIZE;
    private static final int CREATE_FLAG_MASK =
            MapFlags.BPF_F_NO_PREALLOC | MapFlags.BPF_F_NUMA_NODE | MapFlags.BPF_F_ACCESS_MASK;

    /** {@code struct lpm_trie_node}. */
    static final class Node {
        final int prefixlen;
        final byte[] data;
        /** Arena address of the value; owned by the node while it is not IM (0 when built as IM). */
        final long value;
        volatile boolean im;                    // LPM_TREE_NODE_FLAG_IM; delete may set it later
        volatile Node child0;
        volatile Node child1;

        Node(int prefixlen, byte[] data, long value, boolean im) {
            this.prefixlen = prefixlen;
            this.data = data;
            this.value = value;
            this.im = im;
        }

        Node child(int bit) { return bit == 0 ? child0 : child1; }

        void setChild(int bit, Node n) {
            if (bit == 0) {
                child0 = n;
            } else {
                child1 = n;
            }
        }
    }

    private final int dataSize;
    private final int maxPrefixlen;
    private final int valueSize;
    private volatile Node root;
    private int nEntries;                       // under this

    /** {@code trie_alloc}'s sanity checks, in its order (all EINVAL). */
    static int allocCheck(MapAttr a) {
        if (a.maxEntries() == 0
                || !a.has(MapFlags.BPF_F_NO_PREALLOC)
                || (a.mapFlags() & ~CREATE_FLAG_MASK) != 0
                || !MapFlags.accessOk(a.mapFlags())
                || Integer.compareUnsigned(a.keySize(), KEY_HDR + DATA_SIZE_MIN) < 0
                || Integer.compareUnsigned(a.keySize(), KEY_HDR + DATA_SIZE_MAX) > 0
                || Integer.compareUnsigned(a.valueSize(), 1) < 0
                || Integer.toUnsignedLong(a.valueSize()) > VAL_SIZE_MAX) {
            return Errno.EINVAL.negative();
        }
        return 0;
    }

    LpmTrieMap(MapAttr attr, MapEnv env) {
        super(attr, env);
        this.dataSize = attr.keySize() - KEY_HDR;
        this.maxPrefixlen = dataSize * 8;
        this.valueSize = attr.valueSize();
    }

    // ---- key access: one view for arena keys (program path) and byte[] keys (syscall path) ----

    private static int prefixlenOf(MemorySegment seg, long off) { return seg.get(MapValues.I32, off); }

    private static int byteAt(MemorySegment seg, long off, int i) { return seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, off + KEY_HDR + i) & 0xff; }

    /** {@code extract_bit} of key data. */
    private static int keyBit(MemorySegment seg, long off, int index) {
        return (byteAt(seg, off, index / 8) >>> (7 - index % 8)) & 1;
    }

    private static int nodeBit(byte[] data, int index) {
        return ((data[index / 8] & 0xff) >>> (7 - index % 8)) & 1;
    }

    /** {@code longest_prefix_match}: leading bits node and key share, at most min of both prefixlens. */
    private int longestPrefixMatch(Node node, MemorySegment seg, long off, int keyPrefixlen) {
        int limit = Math.min(node.prefixlen, keyPrefixlen);
        int matched = 0;
        for (int i = 0; i < dataSize && matched < limit; i++) {
            int diff = (node.data[i] & 0xff) ^ byteAt(seg, off, i);
            if (diff != 0) {
                matched += Integer.numberOfLeadingZeros(diff) - 24;
                break;
            }
            matched += 8;
        }
        return Math.min(matched, limit);
    }

    /** Unsigned prefixlen above max_prefixlen (the kernel compares u32s). */
    private boolean badPrefixlen(int prefixlen) { return Integer.compareUnsigned(prefixlen, maxPrefixlen) > 0; }

    // ---- the trie operations ----

    /** {@code trie_lookup_elem}: the deepest non-IM node whose prefix matches, or null. */
    private Node lookupNode(MemorySegment seg, long off) {
        int keyPrefixlen = prefixlenOf(seg, off);
        if (badPrefixlen(keyPrefixlen)) {
            return null;
        }
        Node found = null;
        for (Node node = root; node != null; ) {
            int matchlen = longestPrefixMatch(node, seg, off, keyPrefixlen);
            if (matchlen == maxPrefixlen) {
                return node;
            }
            if (matchlen < node.prefixlen) {
                break;
            }
            if (!node.im) {
                found = node;
            }
            node = node.child(keyBit(seg, off, node.prefixlen));
        }
        return found;
    }

    /** {@code trie_check_add_elem}. */
    private int checkAddElem(long flags) {
        if (flags == MapFlags.BPF_EXIST) {
            return Errno.ENOENT.negative();
        }
        if (nEntries == attr.maxEntries()) {
            return Errno.ENOSPC.negative();
        }
        nEntries++;
        return 0;
    }

    /** {@code trie_update_elem}; the value is copied from {@code vseg} at {@code voff}. */
    private int update(MemorySegment kseg, long koff, MemorySegment vseg, long voff, long flags) {
        if (Long.compareUnsigned(flags, MapFlags.BPF_EXIST) > 0) {
            return Errno.EINVAL.negative();
        }
        int keyPrefixlen = prefixlenOf(kseg, koff);
        if (badPrefixlen(keyPrefixlen)) {
            return Errno.EINVAL.negative();
        }
        long value = arena.alloc(valueSize);
        if (value == 0) {
            return Errno.ENOMEM.negative();
        }
        MemorySegment.copy(vseg, voff, mem, arena.offset(value, valueSize), valueSize);
        byte[] data = new byte[dataSize];
        MemorySegment.copy(kseg, java.lang.foreign.ValueLayout.JAVA_BYTE, koff + KEY_HDR, data, 0, dataSize);
        Node newNode = new Node(keyPrefixlen, data, value, false);
        int ret;
        Node freed = null;
        synchronized (this) {
            ret = attach(newNode, kseg, koff, keyPrefixlen, flags);
            if (ret > 0) {
                ret = 0;
                freed = replaced;
                replaced = null;
            }
        }
        if (ret != 0) {
            arena.free(value, valueSize);   // never published
        } else if (freed != null) {
            long old = freed.value;
            env.afterGracePeriod().accept(() -> arena.free(old, valueSize));
        }
        return ret;
    }

    private Node replaced;   // the node attach() took out, handed from under the lock

    /** The body of trie_update_elem under the lock: 0 = attached, 1 = attached replacing {@link #replaced}, or -errno. */
    private int attach(Node newNode, MemorySegment kseg, long koff, int keyPrefixlen, long flags) {
        Node parent = null;   // the slot is root when parent is null, else parent.child(slotBit)
        int slotBit = 0;
        Node node = root;
        int matchlen = 0;
        while (node != null) {
            matchlen = longestPrefixMatch(node, kseg, koff, keyPrefixlen);
            if (node.prefixlen != matchlen || node.prefixlen == keyPrefixlen) {
                break;
            }
            parent = node;
            slotBit = keyBit(kseg, koff, node.prefixlen);
            node = node.child(slotBit);
        }
        if (node == null) {
            int err = checkAddElem(flags);
            if (err != 0) {
                return err;
            }
            assign(parent, slotBit, newNode);
            return 0;
        }
        if (node.prefixlen == matchlen) {   // same prefix: replace the node
            if (!node.im) {
                if (flags == MapFlags.BPF_NOEXIST) {
                    return Errno.EEXIST.negative();
                }
            } else {
                int err = checkAddElem(flags);
                if (err != 0) {
                    return err;
                }
            }
            newNode.child0 = node.child0;
            newNode.child1 = node.child1;
            assign(parent, slotBit, newNode);
            if (node.im) {
                return 0;   // an IM node has no value to free
            }
            replaced = node;
            return 1;
        }
        int err = checkAddElem(flags);
        if (err != 0) {
            return err;
        }
        if (matchlen == keyPrefixlen) {   // the new node is an ancestor of node
            newNode.setChild(nodeBit(node.data, matchlen), node);
            assign(parent, slotBit, newNode);
            return 0;
        }
        Node im = new Node(matchlen, node.data.clone(), 0, true);
        if (keyBit(kseg, koff, matchlen) == 1) {
            im.child0 = node;
            im.child1 = newNode;
        } else {
            im.child0 = newNode;
            im.child1 = node;
        }
        assign(parent, slotBit, im);
        return 0;
    }

    /** {@code rcu_assign_pointer(*slot, n)}: one volatile write publishes the fully built node. */
    private void assign(Node parent, int bit, Node n) {
        if (parent == null) {
            root = n;
        } else {
            parent.setChild(bit, n);
        }
    }

    /** {@code trie_delete_elem}. */
    private int delete(MemorySegment kseg, long koff) {
        int keyPrefixlen = prefixlenOf(kseg, koff);
        if (badPrefixlen(keyPrefixlen)) {
            return Errno.EINVAL.negative();
        }
        Node freed;
        synchronized (this) {
            // trim = slot of node (parent, bit); trim2 = slot of parent (grandparent, gbit)
            Node grand = null, parent = null, node = root;
            int gbit = 0, bit = 0, matchlen = 0;
            while (node != null) {
                matchlen = longestPrefixMatch(node, kseg, koff, keyPrefixlen);
                if (node.prefixlen != matchlen || node.prefixlen == keyPrefixlen) {
                    break;
                }
                grand = parent;
                gbit = bit;
                parent = node;
                bit = keyBit(kseg, koff, node.prefixlen);
                node = node.child(bit);
            }
            if (node == null || node.prefixlen != keyPrefixlen || node.prefixlen != matchlen || node.im) {
                return Errno.ENOENT.negative();
            }
            nEntries--;
            Node c0 = node.child0, c1 = node.child1;
            if (c0 != null && c1 != null) {   // two children: the node stays as an IM one; its value goes
                node.im = true;
                freed = node;
            } else if (parent != null && parent.im && c0 == null && c1 == null) {
                // a leaf under an IM node: the IM node goes too, its other child moves up
                assign(grand, gbit, parent.child0 == node ? parent.child1 : parent.child0);
                freed = node;
            } else {
                assign(parent, bit, c0 != null ? c0 : c1);
                freed = node;
            }
        }
        long v = freed.value;
        env.afterGracePeriod().accept(() -> arena.free(v, valueSize));
        return 0;
    }

    /** {@code trie_get_next_key}: post-order, more specific prefixes first; null after the last. */
    private Node nextNode(byte[] key) {
        Node searchRoot = root;
        if (searchRoot == null) {
            return null;
        }
        if (key != null && !badPrefixlen(u32(key, 0))) {
            MemorySegment kseg = MemorySegment.ofArray(key);
            int keyPrefixlen = u32(key, 0);
            List<Node> stack = new ArrayList<>();
            Node node = searchRoot;
            int matchlen = 0;
            while (node != null) {
                stack.add(node);
                matchlen = longestPrefixMatch(node, kseg, 0, keyPrefixlen);
                if (node.prefixlen != matchlen || node.prefixlen == keyPrefixlen) {
                    break;
                }
                node = node.child(keyBit(kseg, 0, node.prefixlen));
            }
            if (node != null && node.prefixlen == matchlen && !node.im) {
                // the key's node is found: the next in post-order is the leftmost of the right
                // sibling subtree, or else the nearest non-IM ancestor
                int sp = stack.size() - 1;
                node = stack.get(sp);
                searchRoot = null;
                while (sp > 0) {
                    Node parent = stack.get(sp - 1);
                    if (parent.child0 == node && parent.child1 != null) {
                        searchRoot = parent.child1;
                        break;
                    }
                    if (!parent.im) {
                        return parent;
                    }
                    node = parent;
                    sp--;
                }
                if (searchRoot == null) {
                    return null;
                }
            }
        }
        // leftmost non-IM node: descend left first, right when there is no left
        Node next = null;
        for (Node node = searchRoot; node != null; ) {
            if (node.im) {
                node = node.child0;
            } else {
                next = node;
                node = node.child0 != null ? node.child0 : node.child1;
            }
        }
        return next;
    }

    // ---- program path ----

    @Override
    public long lookupElem(long keyAddr, int cpu) {
        Node n = lookupNode(mem, arena.offset(keyAddr, attr.keySize()));
        return n == null ? 0 : n.value;
    }

    @Override
    public int updateElem(long keyAddr, long valueAddr, long flags, int cpu) {
        return update(mem, arena.offset(keyAddr, attr.keySize()), mem, arena.offset(valueAddr, valueSize), flags);
    }

    @Override
    public int deleteElem(long keyAddr, int cpu) { return delete(mem, arena.offset(keyAddr, attr.keySize())); }

    // ---- syscall path ----

    @Override
    public byte[] lookup(byte[] key, long flags) {
        checkKey(key);
        checkLookupFlags(flags);
        Node n = lookupNode(MemorySegment.ofArray(key), 0);
        if (n == null) {
            throw new BpfException(Errno.ENOENT, "no prefix of the key matches in LPM_TRIE map id " + id());
        }
        byte[] out = new byte[valueSize];
        MapValues.copyOut(mem, arena.offset(n.value, valueSize), out, 0, valueSize, -1);
        return out;
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        checkKey(key);
        checkValue(value);
        checkLockFlag(flags);
        check(update(MemorySegment.ofArray(key), 0, MemorySegment.ofArray(value), 0, flags),
                "update with flags 0x" + Long.toHexString(flags));
    }

    @Override
    public void delete(byte[] key) {
        checkKey(key);
        check(delete(MemorySegment.ofArray(key), 0), "delete");
    }

    @Override
    public byte[] getNextKey(byte[] key) {
        if (key != null) {
            checkKey(key);
        }
        Node n = nextNode(key);
        if (n == null) {
            throw new BpfException(Errno.ENOENT, "no next key in LPM_TRIE map id " + id());
        }
        byte[] out = new byte[attr.keySize()];
        System.arraycopy(le32(n.prefixlen), 0, out, 0, KEY_HDR);
        System.arraycopy(n.data, 0, out, KEY_HDR, dataSize);
        return out;
    }

    @Override
    public BatchResult lookupBatch(byte[] inBatch, int count, long elemFlags, long flags) {
        return GenericBatch.lookup(this, inBatch, count, elemFlags, flags);
    }

    @Override
    public BatchResult updateBatch(byte[] keys, byte[] values, int count, long elemFlags, long flags) {
        return GenericBatch.update(this, keys, values, count, elemFlags);
    }

    @Override
    public BatchResult deleteBatch(byte[] keys, int count, long elemFlags, long flags) {
        return GenericBatch.delete(this, keys, count, elemFlags);
    }

    /** {@code trie_mem_usage}: one node per entry. */
    @Override
    public long memUsage() {
        int n;
        synchronized (this) {
            n = nEntries;
        }
        return (long) (NODE_SIZE + dataSize + valueSize) * n;
    }

    /** {@code trie_free}: no program holds the map any more; every value goes back. */
    @Override
    protected void freeStorage() {
        List<Node> todo = new ArrayList<>();
        if (root != null) {
            todo.add(root);
        }
        while (!todo.isEmpty()) {
            Node n = todo.removeLast();
            if (!n.im && n.value != 0) {   // a node deleted into IM gave its value back then
                arena.free(n.value, valueSize);
            }
            if (n.child0 != null) {
                todo.add(n.child0);
            }
            if (n.child1 != null) {
                todo.add(n.child1);
            }
        }
        root = null;
    }
}
