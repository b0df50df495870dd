package org.ebpf4j.kernel.cgroup;

import static org.ebpf4j.isa.Reg.*;
import static org.ebpf4j.isa.Size.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapEnv;
import org.ebpf4j.map.MapRegistry;
import org.ebpf4j.map.MapTypes;
import org.ebpf4j.map.storage.CgroupStorageMap;
import org.ebpf4j.map.storage.CgroupStorageRunCtx;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.rcu.Rcu;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.HelperTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Legacy cgroup storage through the real attach path (spec §6.2, §6.5; seed 1's cg_storage_multi;
 * observation (d)): storages made at attach, carried by every effective item computed from the
 * attach point (descendants too), reached by {@code bpf_get_local_storage}, kept across detach
 * and re-attach, freed with the cgroup.
 */
class CgroupLegacyStorageTest {
    private final Arena arena = new Arena(16 << 20);
    private final MapRegistry registry = new MapRegistry(arena);
    private final ConcurrentLinkedQueue<Runnable> deferred = new ConcurrentLinkedQueue<>();
    private final MapEnv env = new MapEnv(arena, 2, registry, deferred::add);
    private final CgroupStorageRunCtx storageCtx = new CgroupStorageRunCtx();
    private final Rcu rcu = new Rcu("legacy-storage-test");
    private final CgroupRunner runner = new CgroupRunner(rcu, storageCtx);
    private final CgroupTree tree = new CgroupTree();
    private final Interpreter vm;
    private final CgroupStorageMap shared;

    CgroupLegacyStorageTest() {
        HelperTable t = HelperTable.base();
        CgroupStorageMap.registerHelper(t, registry, storageCtx);
        vm = new Interpreter(arena, t, Set.of(), 2);
        shared = (CgroupStorageMap) MapTypes.create(MapAttr.of(MapType.CGROUP_STORAGE, 8, 8, 0, 0), env);
    }

    @AfterEach
    void close() {
        rcu.close();
        arena.close();
    }

    /** A cgroup_skb program: *(u32 *)(bpf_get_local_storage(&map, 0) + off) += 1; return 1. */
    private class StorageProg implements CgroupProg {
        final int id;
        final CgroupHook hook;
        final Executable exe;
        final CgroupStorageMap[] maps;

        StorageProg(int id, CgroupHook hook, CgroupStorageMap map, int off) {
            this.id = id;
            this.hook = hook;
            this.maps = map == null ? null : CgroupStorageMap.assign(java.util.List.of(map));
            this.exe = map == null ? vm.load(new ProgramImage("nop", Asm.program().mov64(R0, 1).exit().build()))
                    : vm.load(new ProgramImage("cnt", Asm.program()
                            .lddw(R1, map.address()).mov64(R2, 0).call(CgroupStorageMap.BPF_FUNC_get_local_storage)
                            .mov64(R1, 1).atomicAdd(W, R0, off, R1).mov64(R0, 1).exit().build()));
        }

        @Override public int id() { return id; }
        @Override public ProgType type() { return ProgType.CGROUP_SKB; }
        @Override public AttachType expectedAttachType() { return hook.attachType(); }
        @Override public String tagHex() { return "0000000000000000"; }
        @Override public long run(long ctx, CgRunCtx rc) { return exe.run(ctx); }
        @Override public CgroupStorageMap[] cgroupStorageMaps() { return maps; }
        @Override public void inc() {}
        @Override public void put() {}
    }

    private static byte[] key8(long id) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(id).array(); }

    private long[] counts(Cgroup c) {
        ByteBuffer b = ByteBuffer.wrap(shared.lookup(key8(c.id()), 0)).order(ByteOrder.LITTLE_ENDIAN);
        return new long[] {b.getInt(0), b.getInt(4)};
    }

    private void attach(Cgroup c, CgroupProg p, CgroupHook hook) {
        tree.bpf().attach(c, p, null, null, hook, AttachFlags.BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
    }

    @Test
    void sharedStoragePerCgroupAcrossHooksAndDescendants() {
        Cgroup parent = tree.mkdir(tree.root(), "cgroup_storage");
        Cgroup child = tree.mkdir(parent, "child");
        StorageProg egress = new StorageProg(1, CgroupHook.INET_EGRESS, shared, 0);
        StorageProg ingress = new StorageProg(2, CgroupHook.INET_INGRESS, shared, 4);
        attach(parent, egress, CgroupHook.INET_EGRESS);
        attach(parent, ingress, CgroupHook.INET_INGRESS);
        assertArrayEquals(new long[] {0, 0}, counts(parent), "made at attach, zeroed");
        // round 1: a socket in the child sends twice and receives once: the parent's storage counts
        runner.run(child, CgroupHook.INET_EGRESS, 0);
        runner.run(child, CgroupHook.INET_EGRESS, 0);
        runner.run(child, CgroupHook.INET_INGRESS, 0);
        assertArrayEquals(new long[] {2, 1}, counts(parent), "8-byte key: one storage for egress and ingress");
        BpfException e = assertThrows(BpfException.class, () -> shared.lookup(key8(child.id()), 0));
        assertEquals(Errno.ENOENT, e.errno(), "CS-A5: no storage at the child yet");
        // round 2: also attached at the child: its items use the child's storage, the parent's items the parent's
        attach(child, egress, CgroupHook.INET_EGRESS);
        attach(child, ingress, CgroupHook.INET_INGRESS);
        runner.run(child, CgroupHook.INET_EGRESS, 0);
        runner.run(child, CgroupHook.INET_EGRESS, 0);
        runner.run(child, CgroupHook.INET_INGRESS, 0);
        assertArrayEquals(new long[] {4, 2}, counts(parent), "cg_storage_multi 'shared' round 2");
        assertArrayEquals(new long[] {2, 1}, counts(child));
    }

    @Test
    void storageSurvivesDetachAndIsReusedThenGoesWithTheCgroup() {
        Cgroup c = tree.mkdir(tree.root(), "c");
        StorageProg p = new StorageProg(1, CgroupHook.INET_EGRESS, shared, 0);
        attach(c, p, CgroupHook.INET_EGRESS);
        runner.run(c, CgroupHook.INET_EGRESS, 0);
        tree.bpf().detach(c, p, null, CgroupHook.INET_EGRESS, 0);                      // CS-A2
        assertArrayEquals(new long[] {1, 0}, counts(c));
        shared.update(key8(c.id()), new byte[] {(byte) 0xe8, 3, 0, 0, 0, 0, 0, 0}, 0);   // 1000
        StorageProg p2 = new StorageProg(2, CgroupHook.INET_EGRESS, shared, 0);
        attach(c, p2, CgroupHook.INET_EGRESS);                                          // CS-A3: another program, same map
        runner.run(c, CgroupHook.INET_EGRESS, 0);
        assertArrayEquals(new long[] {1001, 0}, counts(c), "observed: 1000 became 1001");
        tree.bpf().detach(c, p2, null, CgroupHook.INET_EGRESS, 0);
        tree.rmdir(c);                                                                   // CS-A6
        BpfException e = assertThrows(BpfException.class, () -> shared.lookup(key8(c.id()), 0));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals(0, c.storages.size());
    }

    /**
     * Observation (c): CGRP_STORAGE from cgroup_skb belongs to the socket's cgroup, not to the
     * attach point: with the programs on the parent, c1 counts 4/4, c2 2/2, the parent has none.
     * The program gets the socket's cgroup pointer as its context here (on Linux: through
     * {@code bpf_cgroup_from_id(bpf_skb_cgroup_id(skb))}).
     */
    @Test
    void cgrpStorageBelongsToTheSocketsCgroup() {
        org.ebpf4j.map.storage.OwnerTable owners = org.ebpf4j.map.storage.OwnerTable.of(registry);
        HelperTable t = HelperTable.base();
        org.ebpf4j.map.storage.LocalStorageHelpers.register(t, registry, owners);
        Interpreter vm2 = new Interpreter(arena, t, Set.of(), 2);
        org.ebpf4j.map.storage.LocalStorageMap map = (org.ebpf4j.map.storage.LocalStorageMap) MapTypes.create(
                new MapAttr(MapType.CGRP_STORAGE, 4, 8, 0, 1, null, 0, "", 0, 1, 2, 0, 0, 0, -1), env);
        Cgroup parent = tree.mkdir(tree.root(), "cgrp");
        Cgroup c1 = tree.mkdir(parent, "c1");
        Cgroup c2 = tree.mkdir(parent, "c2");
        java.util.Map<Long, Long> ptr = new java.util.HashMap<>();
        for (Cgroup c : java.util.List.of(parent, c1, c2)) {
            ptr.put(c.id(), owners.register(c));
        }
        for (CgroupHook hook : new CgroupHook[] {CgroupHook.INET_EGRESS, CgroupHook.INET_INGRESS}) {
            int off = hook == CgroupHook.INET_EGRESS ? 0 : 4;
            Executable cgExe = vm2.load(new ProgramImage("cg_" + off, Asm.program()
                    .mov64(R2, R1).lddw(R1, map.address()).mov64(R3, 0).mov64(R4, 1).call(210)
                    .jeq(R0, 0, "out").mov64(R1, 1).atomicAdd(W, R0, off, R1).label("out").mov64(R0, 1).exit().build()));
            attach(parent, new StorageProg(10 + off, hook, null, 0) {
                @Override public long run(long ctx, CgRunCtx rc) { return cgExe.run(ctx); }
            }, hook);
        }
        for (int i = 0; i < 4; i++) {
            runner.run(c1, CgroupHook.INET_EGRESS, ptr.get(c1.id()));
            runner.run(c1, CgroupHook.INET_INGRESS, ptr.get(c1.id()));
        }
        for (int i = 0; i < 2; i++) {
            runner.run(c2, CgroupHook.INET_EGRESS, ptr.get(c2.id()));
            runner.run(c2, CgroupHook.INET_INGRESS, ptr.get(c2.id()));
        }
        assertArrayEquals(new long[] {4, 4}, u32s(map.lookupOwner(c1, 0)));
        assertArrayEquals(new long[] {2, 2}, u32s(map.lookupOwner(c2, 0)));
        assertEquals(Errno.ENOENT, assertThrows(BpfException.class, () -> map.lookupOwner(parent, 0)).errno());
        tree.rmdir(c2);
        assertNull(c2.bpfStorage().get(), "freed with the cgroup");
    }

    private static long[] u32s(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
        return new long[] {b.getInt(0), b.getInt(4)};
    }

    @Test
    void linkUpdateToAProgramUsingStorageGetsStorage() {   // spec §6.5 recommendation (kernel: NULL)
        Cgroup c = tree.mkdir(tree.root(), "c");
        StorageProg plain = new StorageProg(1, CgroupHook.INET_EGRESS, null, 0);
        FakeLink link = FakeLink.create(tree, 10, c, CgroupHook.INET_EGRESS, plain, 0);
        assertThrows(BpfException.class, () -> shared.lookup(key8(c.id()), 0));
        StorageProg counting = new StorageProg(2, CgroupHook.INET_EGRESS, shared, 0);
        tree.bpf().replaceLinkProg(link, counting, null);
        runner.run(c, CgroupHook.INET_EGRESS, 0);
        assertArrayEquals(new long[] {1, 0}, counts(c));
    }
}
