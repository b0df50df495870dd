package org.ebpf4j.map.storage;

import static org.ebpf4j.isa.Reg.*;
import static org.ebpf4j.isa.Size.*;
import static org.ebpf4j.map.storage.StorageEnv.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.HelperTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The storage helpers called from interpreted programs, alone and racing user-space churn. */
class LocalStorageProgramTest {
    private final StorageEnv t = new StorageEnv(4);
    private final HelperTable table = HelperTable.base();
    private final Interpreter vm;

    LocalStorageProgramTest() {
        LocalStorageHelpers.register(table, t.registry, t.owners);
        vm = new Interpreter(t.arena, table, Set.of(), 4);
    }

    @AfterEach
    void close() { t.close(); }

    /** r1 = owner: v = get(map, owner, NULL, F_CREATE); if !v return 0; atomic v->cnt += 1; return 1. */
    private Executable bump(LocalStorageMap m, int getHelper) {
        return vm.load(new ProgramImage("bump", Asm.program()
                .mov64(R6, R1)
                .lddw(R1, m.address()).mov64(R2, R6).mov64(R3, 0).mov64(R4, 1)
                .call(getHelper)
                .jne(R0, 0, "hit").mov64(R0, 0).exit()
                .label("hit").mov64(R1, 1).atomicAdd(W, R0, 0, R1)
                .mov64(R0, 1).exit().build()));
    }

    /** r1 = owner: return delete(map, owner). */
    private Executable del(LocalStorageMap m, int deleteHelper) {
        return vm.load(new ProgramImage("del", Asm.program()
                .mov64(R2, R1).lddw(R1, m.address()).call(deleteHelper).exit().build()));
    }

    @Test
    void eachTypesHelpersFromAProgram() {
        record Case(MapType type, StorageOwner owner, int get, int delete) {}
        for (Case c : List.of(
                new Case(MapType.SK_STORAGE, new Owners.Sock(), 107, 108),
                new Case(MapType.TASK_STORAGE, new Owners.Task(), 156, 157),
                new Case(MapType.CGRP_STORAGE, new Owners.Cgrp(), 210, 211),
                new Case(MapType.INODE_STORAGE, new Owners.Inode(), 145, 146))) {
            LocalStorageMap m = t.create(c.type, 4);
            long addr = t.owners.register(c.owner);
            Executable p = bump(m, c.get);
            for (int i = 0; i < 5; i++) {
                assertEquals(1, p.run(addr));
            }
            assertEquals(5, le32(m.lookupOwner(c.owner, 0), 0), c.type.toString());
            assertEquals(0, p.run(0), "NULL owner → NULL");
            Executable d = del(m, c.delete);
            assertEquals(0, d.run(addr));
            assertEquals(-2, d.run(addr), "second delete: -ENOENT");
            assertEquals(-22, d.run(0), "NULL owner: -EINVAL");
            assertEquals(0, bump(t.create(MapType.SK_STORAGE == c.type ? MapType.TASK_STORAGE : MapType.SK_STORAGE, 4), c.get).run(addr),
                    "a map of another type: NULL");
        }
    }

    /** The JIT (eBPF → JVM bytecode) calls the same helpers: counts agree with the interpreter's. */
    @Test
    void jitAndInterpreterAgree() {
        org.ebpf4j.vm.jit.JitCompiler jit = new org.ebpf4j.vm.jit.JitCompiler(t.arena, table, Set.of(), 4);
        LocalStorageMap m = t.create(MapType.SK_STORAGE, 4);
        Owners.Sock a = new Owners.Sock();
        Owners.Sock b = new Owners.Sock();
        long pa = t.owners.register(a);
        long pb = t.owners.register(b);
        Executable interp = bump(m, 107);
        Executable compiled = jit.load(interp.image());
        for (int i = 0; i < 300; i++) {
            assertEquals(1, (i % 3 == 0 ? interp : compiled).run(i % 2 == 0 ? pa : pb));
        }
        assertEquals(150, le32(m.lookupOwner(a, 0), 0));
        assertEquals(150, le32(m.lookupOwner(b, 0), 0));
        assertEquals(0, compiled.run(0));
    }

    /**
     * Observation (a): three sockets send 5, 7 and 11 packets through an egress program
     * bumping a per-socket counter; the counts come out as 5, 7, 11; after the sockets close,
     * SK_STORAGE holds nothing (the hash would still hold 3 entries).
     */
    @Test
    void perSocketCountsAsObservedAndGoneWithTheSockets() {
        LocalStorageMap m = t.create(MapType.SK_STORAGE, 4);
        Executable egress = bump(m, 107);
        Owners.Sock[] s = {new Owners.Sock(), new Owners.Sock(), new Owners.Sock()};
        int[] sends = {5, 7, 11};
        for (int i = 0; i < 3; i++) {
            long a = t.owners.register(s[i]);
            for (int n = 0; n < sends[i]; n++) {
                egress.run(a);
            }
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(sends[i], le32(m.lookupOwner(s[i], 0), 0));
            s[i].destruct();
            assertNull(s[i].bpfStorage().get());
            assertEquals(0, s[i].omemAlloc());
        }
    }

    /**
     * Programs on two threads bump map A's counters on 16 shared sockets while one thread
     * creates and deletes map B's values on the same sockets (syscall side and helper side) and
     * another replaces A's values of sockets 12..15 with BPF_ANY. A's counters of sockets 0..11
     * must be exact; nothing may leak once the maps and sockets are gone.
     */
    @Test
    void programsRacingCreateDeleteOnSharedOwners() throws Exception {
        long base = t.arena.allocatedBytes();
        LocalStorageMap a = t.create(MapType.SK_STORAGE, 8);
        LocalStorageMap b = t.create(MapType.SK_STORAGE, 8);
        Owners.Sock[] socks = new Owners.Sock[16];
        long[] addrs = new long[16];
        for (int i = 0; i < 16; i++) {
            socks[i] = new Owners.Sock();
            addrs[i] = t.owners.register(socks[i]);
        }
        Executable bumpA = bump(a, 107);
        Executable createB = bump(b, 107);
        Executable deleteB = del(b, 108);
        AtomicLong[] counted = new AtomicLong[16];
        for (int i = 0; i < 16; i++) {
            counted[i] = new AtomicLong();
        }
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService ex = Executors.newFixedThreadPool(4);
        List<Future<?>> fs = new ArrayList<>();
        for (int th = 0; th < 2; th++) {
            final int seed = th;
            fs.add(ex.submit(() -> {
                start.await();
                for (int n = 0; n < 40_000; n++) {
                    int i = (n * 7 + seed) & 15;
                    if (bumpA.run(addrs[i]) == 1) {
                        counted[i].incrementAndGet();
                    }
                }
                return null;
            }));
        }
        fs.add(ex.submit(() -> {
            start.await();
            for (int n = 0; !stop.get(); n++) {
                int i = n & 15;
                if ((n & 1) == 0) {
                    createB.run(addrs[i]);
                } else {
                    deleteB.run(addrs[i]);
                }
                try {
                    b.updateOwner(socks[(i + 3) & 15], u64(n, n), MapFlags.BPF_ANY);
                } catch (org.ebpf4j.uapi.BpfException e) {
                    assertEquals(org.ebpf4j.uapi.Errno.EAGAIN, e.errno(), "only EAGAIN is tolerated (stress_change)");
                }
                try {
                    b.deleteOwner(socks[(i + 5) & 15]);
                } catch (org.ebpf4j.uapi.BpfException e) {
                    assertEquals(org.ebpf4j.uapi.Errno.ENOENT, e.errno());
                }
            }
            return null;
        }));
        fs.add(ex.submit(() -> {
            start.await();
            for (int n = 0; !stop.get(); n++) {
                int i = 12 + (n & 3);
                try {
                    a.updateOwner(socks[i], u64(0, 0), MapFlags.BPF_ANY);   // replacement: 12..15 not exact
                } catch (org.ebpf4j.uapi.BpfException e) {   // B's delete emptied the storage meanwhile
                    assertEquals(org.ebpf4j.uapi.Errno.EAGAIN, e.errno());
                }
            }
            return null;
        }));
        start.countDown();
        fs.get(0).get();
        fs.get(1).get();
        stop.set(true);
        fs.get(2).get();
        fs.get(3).get();
        ex.shutdown();
        for (int i = 0; i < 12; i++) {
            assertEquals(counted[i].get(), le32(a.lookupOwner(socks[i], 0), 0), "socket " + i);
        }
        t.quiesce();   // replaced and deleted values go back
        long afterRun = t.arena.allocatedBytes();   // includes the worker threads' program stacks
        int live = 0;
        int storages = 0;
        for (Owners.Sock sk : socks) {
            live += sk.bpfStorage().get() == null ? 0 : sk.bpfStorage().get().size();
            storages += sk.bpfStorage().get() == null ? 0 : 1;
        }
        // tear down: half the sockets die first, then the maps, then the rest
        for (int i = 0; i < 8; i++) {
            socks[i].destruct();
        }
        a.free();
        b.free();
        t.quiesce();
        for (int i = 0; i < 16; i++) {
            assertNull(socks[i].bpfStorage().get(), "socket " + i);
            assertEquals(0, socks[i].omemAlloc(), "socket " + i);
            t.owners.unregister(addrs[i]);
        }
        for (int i = 8; i < 16; i++) {
            socks[i].destruct();
        }
        t.quiesce();
        assertEquals(afterRun - live * 16L - storages * (long) LocalStorage.BLOCK_SIZE - 2 * 32 - 16 * OwnerTable.BLOCK,
                t.arena.allocatedBytes(),
                "every sdata (smap word + 8-byte value), storage cache block, map header (32) and owner block returned");
        assertTrue(afterRun > base);
    }

    /** Owner destruction and map free at the same time, many rounds: exactly one free per element. */
    @Test
    void ownerDeathAndMapFreeConcurrently() throws Exception {
        long base = t.arena.allocatedBytes();
        ExecutorService ex = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 200; round++) {
                LocalStorageMap[] maps = {t.create(MapType.SK_STORAGE, 16), t.create(MapType.SK_STORAGE, 16)};
                Owners.Sock[] socks = new Owners.Sock[32];
                for (int i = 0; i < socks.length; i++) {
                    socks[i] = new Owners.Sock();
                    for (LocalStorageMap m : maps) {
                        assertNotEquals(0, m.helperGet(socks[i], 0, LocalStorageMap.GET_F_CREATE));
                    }
                }
                maps[0].free();
                maps[1].free();
                CountDownLatch go = new CountDownLatch(1);
                Future<?> killer = ex.submit(() -> {
                    go.await();
                    for (Owners.Sock s : socks) {
                        s.destruct();
                    }
                    return null;
                });
                Future<?> freer = ex.submit(() -> {
                    go.await();
                    t.quiesce();   // runs both maps' map_free
                    return null;
                });
                go.countDown();
                killer.get();
                freer.get();
                t.quiesce();
                for (Owners.Sock s : socks) {
                    assertEquals(0, s.omemAlloc());
                    assertNull(s.bpfStorage().get());
                }
            }
        } finally {
            ex.shutdown();
        }
        assertEquals(base, t.arena.allocatedBytes());
    }
}
