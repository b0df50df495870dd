package org.ebpf4j.map.storage;

import static org.ebpf4j.isa.Reg.*;
import static org.ebpf4j.isa.Size.*;
import static org.ebpf4j.map.storage.StorageEnv.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.vm.jit.JitCompiler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The arena side of the storage core ({@link LocalStorageLayout}): the owner block's storage
 * word follows the owner's storage pointer (spec §1.1 I2), a {@code bpf_*_storage_get} cache hit
 * (§1.4, §1.5) is answered from the arena without resolving the owner, slots shared by maps stay
 * exact, and dead storage blocks go back after a grace period.
 */
class LocalStorageFastPathTest {
    private final StorageEnv t = new StorageEnv(2);

    @AfterEach
    void close() { t.close(); }

    private Engine engine(HelperTable table, boolean jit) {
        return jit ? new JitCompiler(t.arena, table, Set.of(), 2) : new Interpreter(t.arena, table, Set.of(), 2);
    }

    private HelperTable helpers(OwnerResolver owners) {
        HelperTable table = HelperTable.base();
        LocalStorageHelpers.register(table, t.registry, owners);
        return table;
    }

    /** r1 = owner: v = bpf_sk_storage_get(map, owner, NULL, flags); return v ? *(u32 *)v : -1. */
    private static Executable read(Engine vm, LocalStorageMap m, long flags) {
        return vm.load(new ProgramImage("read", Asm.program()
                .mov64(R2, R1).lddw(R1, m.address()).mov64(R3, 0).mov64(R4, (int) flags)
                .call(LocalStorageHelpers.BPF_FUNC_sk_storage_get)
                .jne(R0, 0, "hit").mov64(R0, -1).exit()
                .label("hit").ldx(W, R0, R0, 0).exit().build()));
    }

    private long slot(LocalStorage ls, LocalStorageMap m) {
        return t.arena.load64(ls.address() + LocalStorageLayout.cacheSlot(m.cacheIdx()));
    }

    @Test
    void ownerBlockStorageWordFollowsTheOwnersStoragePointer() {   // I2
        LocalStorageMap m = t.create(MapType.SK_STORAGE, 4);
        Owners.Sock sk = new Owners.Sock();
        long addr = t.owners.register(sk);
        assertEquals(addr, t.owners.register(sk), "one kernel address per owner");
        assertEquals(0, t.owners.storageAt(addr), "no storage yet");

        assertNotEquals(0, m.helperGet(t.owners, addr, 0, LocalStorageMap.GET_F_CREATE));
        LocalStorage first = sk.bpfStorage().get();
        assertEquals(first.address(), t.owners.storageAt(addr));

        m.deleteOwner(sk);   // the last element: the storage dies
        assertNull(sk.bpfStorage().get());
        assertEquals(0, t.owners.storageAt(addr), "the block forgets a dead storage at once");
        assertEquals(0, m.helperGet(t.owners, addr, 0, 0), "no value, no F_CREATE: NULL");

        m.updateOwner(sk, u32(9), MapFlags.BPF_ANY);   // a new storage, from the syscall side
        LocalStorage second = sk.bpfStorage().get();
        assertNotSame(first, second);
        assertEquals(second.address(), t.owners.storageAt(addr));

        Owners.Sock late = new Owners.Sock();   // storage before a kernel address
        m.updateOwner(late, u32(5), MapFlags.BPF_ANY);
        long lateAddr = t.owners.register(late);
        assertEquals(late.bpfStorage().get().address(), t.owners.storageAt(lateAddr));

        t.owners.unregister(addr);
        assertEquals(0, t.owners.storageAt(addr));
        assertNull(t.owners.ownerAt(addr));
        sk.destruct();   // the storage dies after its owner lost its block: nothing to update
        assertNull(sk.bpfStorage().get());
    }

    /** After one miss fills the slot, gets never resolve the owner object: the hit is all arena. */
    @Test
    void cacheHitDoesNotResolveTheOwner() {
        AtomicInteger resolved = new AtomicInteger();
        OwnerResolver counting = new OwnerResolver() {
            @Override public StorageOwner ownerAt(long addr) {
                resolved.incrementAndGet();
                return t.owners.ownerAt(addr);
            }

            @Override public long storageAt(long addr) { return t.owners.storageAt(addr); }
        };
        for (boolean jit : new boolean[] {false, true}) {
            LocalStorageMap m = t.create(MapType.SK_STORAGE, 4);
            Owners.Sock sk = new Owners.Sock();
            long addr = t.owners.register(sk);
            m.updateOwner(sk, u32(41), MapFlags.BPF_ANY);
            Executable p = read(engine(helpers(counting), jit), m, 0);
            resolved.set(0);
            assertEquals(41, p.run(addr));
            assertEquals(1, resolved.get(), "the first get walks the list (and caches)");
            LocalStorage ls = sk.bpfStorage().get();
            assertEquals(m.helperGet(sk, 0, 0) - LocalStorageLayout.SDATA_DATA, slot(ls, m), "slot holds the sdata");
            for (int i = 0; i < 10; i++) {
                assertEquals(41, p.run(addr));
            }
            assertEquals(1, resolved.get(), (jit ? "jit" : "interp") + ": hits never call ownerAt");
            assertEquals(-1, p.run(0), "NULL owner");
            assertEquals(-1, p.run(t.arena.alloc(16)), "a zeroed block is no owner");
        }
    }

    /**
     * 20 maps on one socket: maps 0 and 16, 1 and 17 ... share cache slots (§1.4), so gets in
     * turn evict each other; every get still returns its own map's value, through the
     * interpreter and the JIT (there with F_CREATE), and the fast path answers what the slow path
     * answers.
     */
    @Test
    void sharedSlotsStayExact() {
        HelperTable table = helpers(t.owners);
        LocalStorageMap[] maps = new LocalStorageMap[20];
        Owners.Sock sk = new Owners.Sock();
        long addr = t.owners.register(sk);
        for (int i = 0; i < maps.length; i++) {
            maps[i] = t.create(MapType.SK_STORAGE, 4);
            maps[i].updateOwner(sk, u32(1000 + i), MapFlags.BPF_ANY);
        }
        assertEquals(maps[0].cacheIdx(), maps[16].cacheIdx());
        int charged = sk.omemAlloc();
        for (boolean jit : new boolean[] {false, true}) {
            Engine vm = engine(table, jit);
            Executable[] p = new Executable[maps.length];
            for (int i = 0; i < maps.length; i++) {   // with F_CREATE too: an existing value is never re-created
                p[i] = read(vm, maps[i], jit ? LocalStorageMap.GET_F_CREATE : 0);
            }
            for (int round = 0; round < 3; round++) {
                for (int k = 0; k < 60; k++) {
                    int i = round == 0 ? k % 20 : round == 1 ? (k * 7) % 20 : (k % 2 == 0 ? 0 : 16);
                    assertEquals(1000 + i, p[i].run(addr), "map " + i + " step " + k);
                    assertEquals(maps[i].helperGet(sk, 0, 0), maps[i].helperGet(t.owners, addr, 0, 0));
                }
            }
        }
        assertEquals(charged, sk.omemAlloc(), "nothing created, nothing charged");
        maps[0].free();   // map 16 keeps slot 0 to itself afterwards
        t.quiesce();
        Executable p16 = read(engine(table, true), maps[16], 0);
        for (int k = 0; k < 5; k++) {
            assertEquals(1016, p16.run(addr));
        }
        assertEquals(19, sk.bpfStorage().get().size());
    }

    /** The storage's cache block goes back a grace period after the storage dies, not before. */
    @Test
    void deadStorageBlockIsFreedAfterTheGracePeriod() {
        LocalStorageMap m = t.create(MapType.SK_STORAGE, 8);
        Owners.Sock sk = new Owners.Sock();
        long addr = t.owners.register(sk);
        t.quiesce();
        long before = t.arena.allocatedBytes();
        assertNotEquals(0, m.helperGet(t.owners, addr, 0, LocalStorageMap.GET_F_CREATE));
        long block = sk.bpfStorage().get().address();
        long withStorage = t.arena.allocatedBytes();
        assertEquals(before + LocalStorage.BLOCK_SIZE + 16, withStorage, "one cache block and one 16-byte sdata");
        assertEquals(0, m.helperDelete(sk));
        assertEquals(withStorage, t.arena.allocatedBytes(), "a program may still hold the block and the value");
        assertEquals(0, t.owners.storageAt(addr));
        t.quiesce();
        assertEquals(before, t.arena.allocatedBytes());
        assertNotEquals(0, m.helperGet(t.owners, addr, 0, LocalStorageMap.GET_F_CREATE), "a new storage");
        assertNotEquals(0, block);
    }

    /** A resolver that keeps no storage words ({@code storageAt} = 0) still works, through the slow path. */
    @Test
    void resolverWithoutStorageWordsTakesTheSlowPath() {
        Owners.Sock sk = new Owners.Sock();
        long fake = t.arena.alloc(64);
        OwnerResolver plain = a -> a == fake ? sk : null;
        LocalStorageMap m = t.create(MapType.SK_STORAGE, 4);
        Engine vm = engine(helpers(plain), false);
        Executable create = read(vm, m, LocalStorageMap.GET_F_CREATE);
        for (int i = 0; i < 3; i++) {
            assertEquals(0, create.run(fake), "zero-filled value");
        }
        m.updateOwner(sk, u32(77), MapFlags.BPF_EXIST);
        assertEquals(77, read(vm, m, 0).run(fake));
        assertEquals(-1, read(vm, m, 0).run(fake + 8), "not an owner");
    }

    /**
     * Programs on two threads (interpreter and JIT) get-or-create values on 8 sockets while a
     * third deletes them from user space, so each socket's storage dies and is born again and
     * again under the programs' fast path. Each value is tagged with its socket on first use; a
     * get that returned another socket's value would see a foreign tag. Afterwards every block's
     * storage word is its socket's storage (or 0).
     */
    @Test
    void fastPathRacingStorageDeathAndRebirth() throws Exception {
        LocalStorageMap m = t.create(MapType.SK_STORAGE, 16);
        HelperTable table = helpers(t.owners);
        Owners.Sock[] socks = new Owners.Sock[8];
        long[] addrs = new long[8];
        for (int i = 0; i < 8; i++) {
            socks[i] = new Owners.Sock();
            addrs[i] = t.owners.register(socks[i]);
        }
        // v = get(m, sk, NULL, F_CREATE); if !v return 0; if v->tag == 0 { v->tag = sk } else if v->tag != sk return 2; return 1
        var tagger = Asm.program()
                .mov64(R6, R1)
                .lddw(R1, m.address()).mov64(R2, R6).mov64(R3, 0).mov64(R4, 1)
                .call(LocalStorageHelpers.BPF_FUNC_sk_storage_get)
                .jne(R0, 0, "hit").mov64(R0, 0).exit()
                .label("hit").ldx(DW, R1, R0, 0)
                .jne(R1, 0, "check").stx(DW, R0, 0, R6).mov64(R0, 1).exit()
                .label("check").jeq(R1, R6, "ok").mov64(R0, 2).exit()
                .label("ok").mov64(R0, 1).exit().build();
        Executable[] progs = {
            engine(table, false).load(new ProgramImage("tag", tagger)),
            engine(table, true).load(new ProgramImage("tag", tagger))};
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        // the programs go on until the deleter has killed storages under them a hundred times, however
        // the threads are scheduled (a loaded machine may run both program loops before the deleter starts)
        java.util.concurrent.atomic.AtomicInteger deletions = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            java.util.List<java.util.concurrent.Future<Integer>> runs = new java.util.ArrayList<>();
            for (Executable p : progs) {
                runs.add(ex.submit(() -> {
                    int foreign = 0;
                    for (int n = 0; n < 40_000 || deletions.get() < 100; n++) {
                        if (p.run(addrs[(n * 5) & 7]) == 2) {
                            foreign++;
                        }
                    }
                    return foreign;
                }));
            }
            java.util.concurrent.Future<Integer> deleter = ex.submit(() -> {
                int deleted = 0;
                for (int n = 0; !done.get(); n++) {
                    try {
                        m.deleteOwner(socks[n & 7]);
                        deleted++;
                        deletions.incrementAndGet();
                    } catch (org.ebpf4j.uapi.BpfException e) {
                        assertEquals(org.ebpf4j.uapi.Errno.ENOENT, e.errno());
                    }
                }
                return deleted;
            });
            assertEquals(0, runs.get(0).get(), "interp: no get returned another socket's value");
            assertEquals(0, runs.get(1).get(), "jit: no get returned another socket's value");
            done.set(true);
            assertTrue(deleter.get() >= 100, "storages died under the programs");
        } finally {
            ex.shutdown();
        }
        for (int i = 0; i < 8; i++) {
            LocalStorage ls = socks[i].bpfStorage().get();
            assertEquals(ls == null ? 0 : ls.address(), t.owners.storageAt(addrs[i]), "socket " + i);
        }
    }
}
