package org.ebpf4j.kernel.cgroup;

import java.nio.charset.StandardCharsets;
import org.ebpf4j.memory.Arena;

/**
 * One cgroup as programs see it in the arena: a {@code struct cgroup} (with its
 * {@code ancestors[]}, root first, itself last), its {@code kernfs_node} (whose {@code id} is the
 * cgroup id, as {@code cgroup_id()} reads it) and the {@code css_set} of tasks running in it.
 * The model has only the default hierarchy and no controllers, so one css_set per cgroup is
 * exactly what Linux would share between its tasks ({@code find_css_set}); its
 * {@code subsys[]} stay NULL.
 *
 * <pre>
 *  block: | header (16, owner table) | struct cgroup + ancestors[level+1] | css_set | kernfs_node | name\0 |
 *                                      ^ address()                          ^ cssSet()  ^ kn()
 * </pre>
 *
 * Written once when made (the fields are immutable in Linux too once the cgroup is online),
 * except {@code css_set.nr_tasks}, which task moves keep up to date. Not maintained:
 * {@code nr_descendants}, {@code flags}.
 */
public final class CgroupMirror {
    /** {@code KERNFS_DIR}. */
    static final int KERNFS_DIR = 0x1;
    /** {@code S_IFDIR | 0755}. */
    static final int DIR_MODE = 0040755;
    /** The owner-table header in front of the struct. */
    public static final int HEADER = 16;

    private final Arena arena;
    private final Cgroup cgroup;
    private final long block;
    private final long blockSize;
    private final long address;
    private final long cssSet;
    private final long kn;
    private final CgroupLayout l;

    /**
     * Allocates and fills the mirror of {@code cg}; {@code parent} is the parent's mirror (null
     * for the root). Throws {@link IllegalStateException} when the arena is full.
     */
    public CgroupMirror(Arena arena, CgroupLayout l, Cgroup cg, CgroupMirror parent) {
        this.arena = arena;
        this.cgroup = cg;
        this.l = l;
        byte[] name = cg.name().getBytes(StandardCharsets.UTF_8);
        long cgBytes = align8(l.cgroupSize + 8L * (cg.level() + 1));
        long cssOff = HEADER + cgBytes;
        long knOff = cssOff + align8(l.cssSetSize);
        long nameOff = knOff + align8(l.knSize);
        this.blockSize = nameOff + name.length + 1;
        this.block = arena.alloc(blockSize);
        if (block == 0) {
            throw new IllegalStateException("arena full: no room for the struct cgroup of " + cg);
        }
        this.address = block + HEADER;
        this.cssSet = block + cssOff;
        this.kn = block + knOff;
        long nameAddr = block + nameOff;
        arena.copyIn(nameAddr, name);
        // struct cgroup
        arena.store64(address + l.selfCgroup, address);
        arena.store32(address + l.selfId, (int) cg.id());
        arena.store64(address + l.selfSerialNr, cg.id());
        arena.store64(address + l.selfParent, parent == null ? 0 : parent.address + l.self);
        arena.store32(address + l.level, cg.level());
        arena.store32(address + l.maxDepth, Integer.MAX_VALUE);
        arena.store64(address + l.kn, kn);
        for (int i = 0; i < cg.level(); i++) {
            arena.store64(address + l.ancestors + 8L * i, parent.ancestor(i));
        }
        arena.store64(address + l.ancestors + 8L * cg.level(), address);
        // struct kernfs_node
        arena.store32(kn + l.knCount, 1);
        arena.store64(kn + l.knParent, parent == null ? 0 : parent.kn);
        arena.store64(kn + l.knName, nameAddr);
        arena.store16(kn + l.knFlags, KERNFS_DIR);
        arena.store16(kn + l.knMode, DIR_MODE);
        arena.store64(kn + l.knId, cg.id());
        // struct css_set
        arena.store32(cssSet + l.cssSetRefcount, 1);
        arena.store64(cssSet + l.cssSetDomCset, cssSet);
        arena.store64(cssSet + l.cssSetDflCgrp, address);
    }

    private static long align8(long n) { return (n + 7) & ~7L; }

    public Cgroup cgroup() { return cgroup; }

    /** The {@code struct cgroup *} programs hold (what CGRP_STORAGE helpers resolve). */
    public long address() { return address; }

    /** The {@code struct css_set *} a task in this cgroup has in {@code task->cgroups}. */
    public long cssSet() { return cssSet; }

    /** The {@code struct kernfs_node *}. */
    public long kn() { return kn; }

    /** {@code cgrp->ancestors[level]}. */
    long ancestor(int level) { return arena.load64(address + l.ancestors + 8L * level); }

    /** A task joined ({@code +1}) or left ({@code -1}) the css_set. */
    public void countTask(int delta) { arena.getAndAdd32(cssSet + l.cssSetNrTasks, delta); }

    /** Where the owner table's header goes (the start of the block). */
    public long header() { return block; }

    /** Returns the block to the arena; the caller waited for a grace period. */
    public void free() { arena.free(block, blockSize); }
}
