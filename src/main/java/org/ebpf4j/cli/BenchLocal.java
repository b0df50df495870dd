package org.ebpf4j.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.ebpf4j.elf.MapSpec;
import org.ebpf4j.elf.ObjectSpec;
import org.ebpf4j.elf.ProgramSpec;
import org.ebpf4j.elf.Relocation;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.map.BpfMap;
import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapEnv;
import org.ebpf4j.map.MapHelpers;
import org.ebpf4j.map.MapRegistry;
import org.ebpf4j.map.MapTypes;
import org.ebpf4j.map.ProgArrayMap;
import org.ebpf4j.map.ProgRef;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.BaseHelpers;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.vm.helper.TailCallHelper;

/**
 * Our side of {@code ebpf4j bench}, until the program loader and BPF_PROG_TEST_RUN of the
 * {@code prog} work land: one arena, the maps a program uses, the program (and the tail-call
 * targets its PROG_ARRAYs name) loaded on one engine, and a {@code __sk_buff} over a packet in the
 * arena, as {@code bpf_prog_test_run_skb()} (net/bpf/test_run.c) builds one per call.
 *
 * <p>What the kernel's TEST_RUN gives that is modelled here: skb->len and cb[], a packet for
 * bpf_skb_load_bytes, and a fresh dummy socket per call ({@link #newCall()}: a new socket cookie
 * for bpf_get_socket_cookie). The helpers beyond the base and map ones (bpf_loop, bpf_tail_call,
 * bpf_skb_load_bytes, bpf_get_socket_cookie) are the bench's own small versions of
 * kernel/bpf/bpf_iter.c, kernel/bpf/core.c and net/core/filter.c; the program-type layer
 * replaces them when it lands. Single-threaded: one bench runs one program at a time.
 */
final class BenchLocal implements AutoCloseable {
    /** struct __sk_buff (include/uapi/linux/bpf.h): len at 0, cb[5] at 48; 192 bytes in 6.18. */
    static final int SKB_SIZE = 192, SKB_LEN = 0, SKB_CB = 48;
    static final int BPF_FUNC_skb_load_bytes = 26, BPF_FUNC_get_socket_cookie = 46;
    /** kernel/bpf/bpf_iter.c BPF_MAX_LOOPS: bpf_loop's nr_loops limit. */
    static final long BPF_MAX_LOOPS = 8L * 1024 * 1024;

    private final Arena arena;
    private final MapRegistry registry;
    private final MapEnv env;
    private final Engine engine;
    private final List<BpfMap> maps = new ArrayList<>();
    private final long skb;
    private long data;
    private int dataLen;
    private long socketCookie;

    /** {@code engineFactory} makes the engine (interpreter or JIT) on this arena and helper table. */
    BenchLocal(BiFunction<Arena, HelperTable, Engine> engineFactory) {
        arena = new Arena(64L << 20);
        registry = new MapRegistry(arena);
        env = new MapEnv(arena, Runtime.getRuntime().availableProcessors(), registry, Runnable::run);
        HelperTable helpers = HelperTable.base();
        MapHelpers.register(helpers, registry);
        registerBenchHelpers(helpers);
        engine = engineFactory.apply(arena, helpers);
        skb = arena.alloc(SKB_SIZE);
    }

    /** The map types a program of {@code spec} needs that this build of ebpf4j lacks, or empty. */
    static List<MapType> missingMapTypes(ObjectSpec spec, String program) {
        List<MapType> missing = new ArrayList<>();
        for (MapSpec m : usedMaps(spec, spec.program(program).orElseThrow())) {
            // local storage needs an owner (a socket, task or cgroup) this harness does not model
            boolean ownerKeyed = m.type() == MapType.SK_STORAGE || m.type() == MapType.TASK_STORAGE
                    || m.type() == MapType.CGRP_STORAGE || m.type() == MapType.INODE_STORAGE;
            if ((!MapTypes.supported(m.type()) || ownerKeyed) && !missing.contains(m.type())) {
                missing.add(m.type());
            }
        }
        return missing;
    }

    /** Loads {@code program} of {@code spec}: creates the maps it uses and the programs its PROG_ARRAYs name. */
    Executable load(ObjectSpec spec, String program) {
        return new Loading(spec).program(program);
    }

    /** Sets the packet of the next runs; returns the {@code __sk_buff} address to run with. */
    long packet(byte[] frame) {
        if (data != 0) {
            arena.free(data, Math.max(8, dataLen));
        }
        data = arena.alloc(Math.max(8, frame.length));
        dataLen = frame.length;
        arena.copyIn(data, frame);
        arena.fill(skb, SKB_SIZE, (byte) 0);
        arena.store32(skb + SKB_LEN, frame.length);
        return skb;
    }

    /** One TEST_RUN call starts: a fresh dummy socket (a new cookie), cb[] cleared. */
    void newCall() {
        socketCookie++;
        arena.fill(skb + SKB_CB, 20, (byte) 0);
    }

    /**
     * Deletes every key of the hash-family maps the loaded programs use. The warm-up runs on new
     * sockets too, so that HotSpot compiles the miss-and-insert path of a program like
     * {@code hash_count}: warmed on one socket only, the first insert of each timed call took
     * branches the compiled code had never seen, deoptimized it (HashTab.find and the generated
     * program class, -Xlog:deoptimization) and ran interpreted until recompiled, ~0.1–1 ms per
     * new key, while a hot insert costs ~0.2–0.4 µs. Clearing afterwards keeps the map from
     * filling up and starts the timed calls from an empty map, as the kernel's side does.
     */
    void clearHashMaps() {
        for (BpfMap m : maps) {
            MapType t = m.type();
            if (t != MapType.HASH && t != MapType.PERCPU_HASH && t != MapType.LRU_HASH && t != MapType.LRU_PERCPU_HASH) {
                continue;
            }
            try {
                for (byte[] k = m.getNextKey(null); k != null; k = m.getNextKey(null)) {
                    m.delete(k);
                }
            } catch (org.ebpf4j.uapi.BpfException e) {
                if (e.errno() != Errno.ENOENT) {   // ENOENT: no key left
                    throw e;
                }
            }
        }
    }

    @Override
    public void close() {
        for (BpfMap m : maps) {
            m.free();
        }
        arena.close();
    }

    private void registerBenchHelpers(HelperTable t) {
        t.register(new HelperProto(BaseHelpers.BPF_FUNC_loop, "bpf_loop", (s, nr, fn, ctx, flags, e) -> {
            if (flags != 0) {
                return Errno.EINVAL.negative();
            }
            if (nr > BPF_MAX_LOOPS) {
                return Errno.E2BIG.negative();
            }
            long i = 0;
            while (i < nr) {
                long r = s.callback(fn, i, ctx, 0, 0, 0);
                i++;
                if (r != 0) {
                    break;          // the verifier limits the callback's r0 to 0 or 1
                }
            }
            return i;
        }));
        t.register(new HelperProto(BaseHelpers.BPF_FUNC_tail_call, "bpf_tail_call", (TailCallHelper) (map, idx) ->
                registry.byAddress(map) instanceof ProgArrayMap pa && pa.progAt(idx) instanceof LoadedProg p ? p.exe : null));
        t.register(new HelperProto(BPF_FUNC_skb_load_bytes, "bpf_skb_load_bytes", (s, ctx, off, to, len, e) -> {
            // bpf_skb_load_bytes(): -EFAULT and a zeroed buffer when the range is outside the packet
            if (off < 0 || len <= 0 || off + len > dataLen) {
                if (len > 0) {
                    arena.fill(to, len, (byte) 0);
                }
                return Errno.EFAULT.negative();
            }
            arena.copy(to, data + off, len);
            return 0;
        }));
        t.register(new HelperProto(BPF_FUNC_get_socket_cookie, "bpf_get_socket_cookie",
                (s, ctx, b, c, d, e) -> socketCookie));
    }

    private static List<MapSpec> usedMaps(ObjectSpec spec, ProgramSpec p) {
        List<MapSpec> used = new ArrayList<>();
        for (Relocation r : p.relocations()) {
            if (r instanceof Relocation.MapRef ref) {
                MapSpec m = spec.map(ref.map()).orElseThrow();
                if (!used.contains(m)) {
                    used.add(m);
                }
            }
        }
        return used;
    }

    /** A program in a PROG_ARRAY slot. */
    private record LoadedProg(int id, Executable exe) implements ProgRef {
        @Override
        public void release() {}
    }

    /** One object's load: maps by name, programs by name, made as first needed. */
    private final class Loading {
        private final ObjectSpec spec;
        private final Map<String, BpfMap> byName = new HashMap<>();
        private final Map<String, Executable> progs = new LinkedHashMap<>();

        Loading(ObjectSpec spec) { this.spec = spec; }

        Executable program(String name) {
            Executable have = progs.get(name);
            if (have != null) {
                return have;
            }
            ProgramSpec p = spec.program(name).orElseThrow(() -> new IllegalArgumentException(
                    spec.name() + ": no program named '" + name + "'"));
            List<Insn> insns = new ArrayList<>(p.insns());
            for (Relocation r : p.relocations()) {
                if (!(r instanceof Relocation.MapRef ref)) {
                    throw new IllegalArgumentException(spec.name() + ": program " + name + " insn " + r.insn()
                            + ": kernel symbols are not supported by the bench");
                }
                BpfMap m = map(ref.map());
                long value = ref.kind() == Relocation.MapRefKind.MAP_FD ? m.address() : m.directValueAddress() + ref.offset();
                if (ref.kind() == Relocation.MapRefKind.MAP_VALUE && m.directValueAddress() == 0) {
                    throw new IllegalArgumentException(spec.name() + ": map " + ref.map() + " has no direct value address");
                }
                insns.set(ref.insn(), insns.get(ref.insn()).withSrc(0).withImm((int) value));
                insns.set(ref.insn() + 1, insns.get(ref.insn() + 1).withImm((int) (value >>> 32)));
            }
            Executable exe = engine.load(new ProgramImage(name, insns));
            progs.put(name, exe);
            for (Relocation r : p.relocations()) {
                if (r instanceof Relocation.MapRef ref && byName.get(ref.map()) instanceof ProgArrayMap pa) {
                    for (MapSpec.Slot s : spec.map(ref.map()).orElseThrow().initialSlots()) {
                        pa.updateObject(u32(s.index()), new LoadedProg(progs.size(), program(s.target())), 0);
                    }
                }
            }
            return exe;
        }

        private BpfMap map(String name) {
            BpfMap have = byName.get(name);
            if (have != null) {
                return have;
            }
            MapSpec s = spec.map(name).orElseThrow();
            // the object's BTF type ids, as libbpf passes them (local storage refuses a map without them)
            boolean btf = s.type() == MapType.SK_STORAGE || s.type() == MapType.TASK_STORAGE || s.type() == MapType.CGRP_STORAGE;
            BpfMap m = MapTypes.create(new MapAttr(s.type(), s.keySize(), s.valueSize(), s.maxEntries(), s.mapFlags(), null, 0,
                    s.name().length() > 15 ? s.name().substring(0, 15) : s.name(), 0, btf ? s.btfKeyTypeId() : 0,
                    btf ? s.btfValueTypeId() : 0, 0, 0, 0, -1), env);
            maps.add(m);
            byName.put(name, m);
            byte[] init = s.initialValue();
            if (init != null && s.isInternal()) {
                m.update(u32(0), init, 0);
            }
            return m;
        }
    }

    private static byte[] u32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
