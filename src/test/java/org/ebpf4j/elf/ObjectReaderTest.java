package org.ebpf4j.elf;

import static org.ebpf4j.isa.Opcodes.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.Test;

class ObjectReaderTest {

    private static ObjectSpec read(String name) {
        return ObjectReader.read(Corpus.object(name));
    }

    private static List<Relocation.MapRef> mapRefs(ProgramSpec p) {
        return p.relocations().stream().filter(r -> r instanceof Relocation.MapRef)
                .map(r -> (Relocation.MapRef) r).toList();
    }

    @Test
    void skStorageCounterReadsAsLibbpf() {
        ObjectSpec o = read("sk_storage_counter");
        assertEquals("sk_storage_counter", o.name());
        assertEquals("GPL", o.license());
        ProgramSpec p = o.program("count_egress").orElseThrow();
        assertEquals(ProgType.CGROUP_SKB, p.progType());
        assertEquals(AttachType.CGROUP_INET_EGRESS, p.expectedAttachType());
        MapSpec m = o.map("pkt_count").orElseThrow();
        assertEquals(MapType.SK_STORAGE, m.type());
        assertEquals(4, m.keySize());
        assertEquals(8, m.valueSize());
        assertEquals(1, m.mapFlags(), "BPF_F_NO_PREALLOC");
        List<Relocation.MapRef> refs = mapRefs(p);
        assertEquals(1, refs.size());
        assertEquals("pkt_count", refs.getFirst().map());
        Insn ld = p.insns().get(refs.getFirst().insn());
        assertTrue(ld.isLdImm64());
        assertEquals(BPF_PSEUDO_MAP_FD, ld.src());
        assertFalse(p.lineInfo().isEmpty(), "line_info from .BTF.ext");
        assertEquals(0, p.funcInfo().getFirst().insnOff());
    }

    @Test
    void oneCgroupStorageSharedByEgressAndIngress() {
        ObjectSpec o = read("cgroup_storage_shared");
        ProgramSpec eg = o.program("egress").orElseThrow();
        ProgramSpec in = o.program("ingress").orElseThrow();
        assertEquals(AttachType.CGROUP_INET_EGRESS, eg.expectedAttachType());
        assertEquals(AttachType.CGROUP_INET_INGRESS, in.expectedAttachType());
        assertEquals("cg_storage", mapRefs(eg).getFirst().map());
        assertEquals("cg_storage", mapRefs(in).getFirst().map());
        MapSpec m = o.map("cg_storage").orElseThrow();
        assertEquals(MapType.CGROUP_STORAGE, m.type());
        assertEquals(16, m.keySize(), "struct bpf_cgroup_storage_key is u64 + u32, padded");
    }

    @Test
    void tpBtfNamesItsAttachTarget() {
        ProgramSpec p = read("cgrp_storage_tp_btf").program("on_enter").orElseThrow();
        assertEquals(ProgType.TRACING, p.progType());
        assertEquals(AttachType.TRACE_RAW_TP, p.expectedAttachType());
        assertEquals("sys_enter", p.attachTarget());
        assertTrue(p.kind().attachBtf());
        assertFalse(p.sleepable());
    }

    @Test
    void subprogramsAreAppendedToEveryCallerAndCallsRetargeted() {
        ObjectSpec o = read("subprogs");
        assertEquals(List.of("xdp_one", "xdp_two", "tc_uses_twice"), o.programs().stream().map(ProgramSpec::name).toList());
        // add = 3 insns, loop_cb = 7, twice = 3 (see subprogs.bpf.c compiled with -O2)
        ProgramSpec one = o.program("xdp_one").orElseThrow();
        ProgramSpec two = o.program("xdp_two").orElseThrow();
        ProgramSpec tc = o.program("tc_uses_twice").orElseThrow();
        assertEquals(10 + 3, one.insns().size());
        assertEquals(24 + 7 + 3 + 3, two.insns().size());
        assertEquals(3 + 3 + 3, tc.insns().size());
        for (ProgramSpec p : o.programs()) {
            for (int i = 0; i < p.insns().size(); i++) {
                Insn insn = p.insns().get(i);
                if (insn.isPseudoCall() || insn.isLdImm64() && insn.src() == BPF_PSEUDO_FUNC) {
                    int target = i + insn.imm() + 1;
                    assertTrue(target > 0 && target < p.insns().size(), p.name() + " insn " + i + " -> " + target);
                    assertTrue(p.funcInfo().stream().anyMatch(f -> f.insnOff() == target),
                            p.name() + ": call target " + target + " starts a function in func_info");
                }
            }
            assertEquals(p.funcInfo().size(), p.funcInfo().stream().map(FuncInfo::insnOff).distinct().count());
        }
        // add's body "r0 = r2; r0 += r1; exit" is the target of xdp_one's call
        int call = indexOf(one, Insn::isPseudoCall);
        Insn first = one.insns().get(call + one.insns().get(call).imm() + 1);
        assertEquals(BPF_ALU64 | BPF_MOV | BPF_X, first.opcode());
        assertEquals(2, first.src());
        // bpf_loop's callback: ld_imm64 src=BPF_PSEUDO_FUNC
        int cb = indexOf(two, i -> i.isLdImm64() && i.src() == BPF_PSEUDO_FUNC);
        assertTrue(cb >= 0, "callback address marked BPF_PSEUDO_FUNC");
        // the .bss global 'sum' is a MAP_VALUE reference
        Relocation.MapRef sum = mapRefs(two).getFirst();
        assertEquals("subprogs.bss", sum.map());
        assertEquals(Relocation.MapRefKind.MAP_VALUE, sum.kind());
        assertEquals(BPF_PSEUDO_MAP_VALUE, two.insns().get(sum.insn()).src());
    }

    private static int indexOf(ProgramSpec p, java.util.function.Predicate<Insn> pred) {
        for (int i = 0; i < p.insns().size(); i++) {
            if (pred.test(p.insns().get(i))) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void mapsOfEveryKind() {
        ObjectSpec o = read("maps_all");
        record E(String name, MapType type, int key, int value, int max) {}
        List<E> expected = List.of(
                new E("m_hash", MapType.HASH, 4, 8, 128), new E("m_array", MapType.ARRAY, 4, 4, 4),
                new E("m_pcpu_hash", MapType.PERCPU_HASH, 4, 8, 16), new E("m_pcpu_array", MapType.PERCPU_ARRAY, 4, 8, 1),
                new E("m_lru", MapType.LRU_HASH, 8, 8, 32), new E("m_lru_pcpu", MapType.LRU_PERCPU_HASH, 4, 4, 32),
                new E("m_progs", MapType.PROG_ARRAY, 4, 4, 8), new E("m_ringbuf", MapType.RINGBUF, 0, 0, 4096),
                new E("m_lpm", MapType.LPM_TRIE, 8, 4, 64), new E("m_queue", MapType.QUEUE, 0, 4, 16),
                new E("m_stack", MapType.STACK, 0, 8, 16), new E("m_bloom", MapType.BLOOM_FILTER, 0, 4, 100),
                new E("m_sk_storage", MapType.SK_STORAGE, 4, 8, 0), new E("m_cgrp_storage", MapType.CGRP_STORAGE, 4, 8, 0),
                new E("m_task_storage", MapType.TASK_STORAGE, 4, 4, 0),
                new E("m_cgroup_storage", MapType.CGROUP_STORAGE, 16, 8, 0),
                new E("m_outer_array", MapType.ARRAY_OF_MAPS, 4, 4, 4), new E("m_outer_hash", MapType.HASH_OF_MAPS, 4, 4, 4),
                new E("m_jmp", MapType.PROG_ARRAY, 4, 4, 2));
        for (E e : expected) {
            MapSpec m = o.map(e.name).orElseThrow(() -> new AssertionError("no map " + e.name));
            assertEquals(e, new E(m.name(), m.type(), m.keySize(), m.valueSize(), m.maxEntries()));
            assertEquals(MapSpec.Origin.BTF, m.origin());
        }
        assertEquals(MapSpec.Pinning.BY_NAME, o.map("m_hash").orElseThrow().pinning());
        assertEquals(MapSpec.Pinning.NONE, o.map("m_array").orElseThrow().pinning());
        assertEquals(3, o.map("m_bloom").orElseThrow().mapExtra());
        assertEquals(2, o.map("m_lru").orElseThrow().mapFlags(), "BPF_F_NO_COMMON_LRU");
        assertEquals(4, o.map("m_numa").orElseThrow().mapFlags(), "BPF_F_NUMA_NODE");
        MapSpec outer = o.map("m_outer_array").orElseThrow();
        assertEquals(List.of(new MapSpec.Slot(0, "inner_a"), new MapSpec.Slot(2, "inner_b")), outer.initialSlots());
        assertEquals("m_outer_array.inner", outer.innerMap().name());
        assertEquals(MapType.ARRAY, outer.innerMap().type());
        MapSpec outerHash = o.map("m_outer_hash").orElseThrow();
        assertEquals(MapType.HASH, outerHash.innerMap().type());
        assertEquals(2, outerHash.innerMap().maxEntries());
        assertEquals(8, outerHash.innerMap().valueSize());
        assertTrue(outerHash.initialSlots().isEmpty());
        assertEquals(List.of(new MapSpec.Slot(1, "tail_target")), o.map("m_jmp").orElseThrow().initialSlots());
        assertNotEquals(0, o.map("m_hash").orElseThrow().btfKeyTypeId());
    }

    @Test
    void globalDataBecomesInternalMapsNamedAsLibbpf() {
        ObjectSpec o = read("global_data");
        assertEquals("Dual BSD/GPL", o.license());
        assertEquals(0x060c00, o.kernVersion());
        MapSpec data = o.map("global_d.data").orElseThrow();
        assertEquals(MapSpec.Origin.DATA, data.origin());
        assertEquals(3, ByteBuffer.wrap(data.initialValue()).order(ByteOrder.LITTLE_ENDIAN).getInt(0), "int counter = 3");
        MapSpec ro = o.map("global_d.rodata").orElseThrow();
        assertEquals(InternalMaps.BPF_F_RDONLY_PROG, ro.mapFlags() & InternalMaps.BPF_F_RDONLY_PROG);
        assertEquals(42, ByteBuffer.wrap(ro.initialValue()).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        MapSpec bss = o.map("global_d.bss").orElseThrow();
        assertEquals(8, bss.valueSize());
        assertArrayEquals(new byte[8], bss.initialValue());
        assertEquals(7, o.map(".data.custom").orElseThrow().initialValue()[0]);
        assertEquals("hello", new String(o.map(".rodata.str").orElseThrow().initialValue(), 0, 5));
        assertEquals(16, o.map(".data.scratch").orElseThrow().valueSize());
        for (MapSpec m : o.maps()) {
            assertTrue(m.name().length() <= 15, m.name());
            assertEquals(MapType.ARRAY, m.type());
            assertEquals(1, m.maxEntries());
        }
        // .kconfig: three externs laid out by alignment desc, size asc, name
        MapSpec kcfg = o.map("global_.kconfig").orElseThrow();
        assertEquals(MapSpec.Origin.KCONFIG, kcfg.origin());
        ProgramSpec p = o.program("use_globals").orElseThrow();
        ByteBuffer kv = ByteBuffer.wrap(kcfg.initialValue()).order(ByteOrder.LITTLE_ENDIAN);
        List<Relocation.MapRef> kcfgRefs = mapRefs(p).stream().filter(r -> r.map().equals(kcfg.name())).toList();
        assertFalse(kcfgRefs.isEmpty());
        java.util.Set<Long> offsets = new java.util.HashSet<>();
        kcfgRefs.forEach(r -> offsets.add(r.offset()));
        // CONFIG_HZ (4 bytes, align 4) and LINUX_KERNEL_VERSION (4) come first by name, then the bool
        assertEquals(1000, kv.getInt(0), "CONFIG_HZ");
        assertEquals(Kconfig.kernelVersion(6, 18, 0), kv.getInt(4), "LINUX_KERNEL_VERSION");
        assertEquals(1, kv.get(8), "CONFIG_BPF_SYSCALL=y");
        assertEquals(9, kcfg.valueSize());
        assertEquals(java.util.Set.of(0L, 4L, 8L), offsets);
    }

    private static long modelOffset(String struct, String member) {
        org.ebpf4j.btf.Btf k = org.ebpf4j.btf.Btf.modelKernel();
        var st = (org.ebpf4j.btf.BtfType.Struct) k.findByName(struct, org.ebpf4j.btf.BtfType.Struct.class).orElseThrow();
        return st.members().stream().filter(m -> m.name().equals(member)).findFirst().orElseThrow().bitOffset() / 8;
    }

    @Test
    void coreRelocationsAreAppliedAgainstTheModelKernel() {
        ProgramSpec p = read("core").program("core_reads").orElseThrow();
        List<CoreFixup> fx = p.coreFixups();
        assertFalse(fx.isEmpty());
        CoreFixup pid = fx.stream().filter(f -> f.kind().equals("field_byte_offset") && f.accessor().startsWith("task_struct")
                && f.newValue() == modelOffset("task_struct", "pid")).findFirst().orElseThrow(() -> new AssertionError(fx.toString()));
        assertFalse(pid.poisoned());
        List<CoreFixup> exists = fx.stream().filter(f -> f.kind().equals("field_exists")).toList();
        assertEquals(2, exists.size(), fx.toString());
        assertTrue(exists.stream().anyMatch(f -> f.accessor().startsWith("task_struct:") && f.newValue() == 1 && !f.poisoned()));
        assertTrue(exists.stream().anyMatch(f -> f.accessor().startsWith("task_struct___future") && f.newValue() == 0),
                "a field the model lacks does not exist (libbpf: no candidate → 0)");
        // the fixed-up instruction carries the new value
        Insn at = p.insns().get(pid.insnOff());
        assertEquals(pid.newValue(), at.isLdImm64() ? at.imm() : (at.cls() == BPF_LDX ? at.off() : at.imm()));
        // tp_btf seed: task->cgroups->dfl_cgrp through the model's layout
        ProgramSpec seed = read("cgrp_storage_tp_btf").program("on_enter").orElseThrow();
        assertTrue(seed.coreFixups().stream().anyMatch(f -> f.accessor().startsWith("css_set")
                && f.newValue() == modelOffset("css_set", "dfl_cgrp")), seed.coreFixups().toString());
        assertTrue(seed.coreFixups().stream().anyMatch(f -> f.accessor().startsWith("task_struct")
                && f.newValue() == modelOffset("task_struct", "cgroups")), seed.coreFixups().toString());
    }

    @Test
    void legacyMapsSectionIsStillRead() {
        ObjectSpec o = read("legacy_maps");
        MapSpec h = o.map("legacy_hash").orElseThrow();
        assertEquals(new MapSpec("legacy_hash", MapSpec.Origin.LEGACY, "maps", MapType.HASH, 4, 8, 64, 0,
                MapSpec.Pinning.NONE, 0, 0, 0, 0, null, null, List.of()), h);
        assertEquals(MapType.ARRAY, o.map("legacy_array").orElseThrow().type());
        ProgramSpec p = o.program("legacy_user").orElseThrow();
        assertEquals(ProgType.SOCKET_FILTER, p.progType());
        assertNull(p.expectedAttachType());
        assertEquals(List.of("legacy_hash", "legacy_array"), mapRefs(p).stream().map(Relocation.MapRef::map).toList());
    }

    @Test
    void everySectionFormOfTheCorpus() {
        ObjectSpec o = read("sections");
        assertEquals(62, o.programs().size());
        assertKind(o, "p_skb_egress", ProgType.CGROUP_SKB, AttachType.CGROUP_INET_EGRESS);
        assertKind(o, "p_cgroup_skb", ProgType.CGROUP_SKB, null);
        assertKind(o, "p_sock", ProgType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE);
        assertKind(o, "p_sock_release", ProgType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_RELEASE);
        assertKind(o, "p_connect6", ProgType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_CONNECT);
        assertKind(o, "p_getsockname4", ProgType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_GETSOCKNAME);
        assertKind(o, "p_setsockopt", ProgType.CGROUP_SOCKOPT, AttachType.CGROUP_SETSOCKOPT);
        assertKind(o, "p_sysctl", ProgType.CGROUP_SYSCTL, AttachType.CGROUP_SYSCTL);
        assertKind(o, "p_dev", ProgType.CGROUP_DEVICE, AttachType.CGROUP_DEVICE);
        assertKind(o, "p_sockops", ProgType.SOCK_OPS, AttachType.CGROUP_SOCK_OPS);
        assertKind(o, "p_sk_skb", ProgType.SK_SKB, null);
        assertKind(o, "p_fmod_ret", ProgType.TRACING, AttachType.MODIFY_RETURN);
        assertKind(o, "p_lsm_cgroup", ProgType.LSM, AttachType.LSM_CGROUP);
        assertKind(o, "p_raw_tracepoint", ProgType.RAW_TRACEPOINT, null);
        assertKind(o, "p_tp", ProgType.TRACEPOINT, null);
        assertKind(o, "p_kretprobe", ProgType.KPROBE, null);
        assertKind(o, "p_tcx_egress", ProgType.SCHED_CLS, AttachType.TCX_EGRESS);
        assertKind(o, "p_classifier", ProgType.SCHED_CLS, null);
        assertKind(o, "p_iter", ProgType.TRACING, AttachType.TRACE_ITER);
        assertKind(o, "p_syscall", ProgType.SYSCALL, null);
        assertKind(o, "p_sk_lookup", ProgType.SK_LOOKUP, AttachType.SK_LOOKUP);
        assertKind(o, "p_netfilter", ProgType.NETFILTER, AttachType.NETFILTER);
        assertKind(o, "p_xdp_frags", ProgType.XDP, AttachType.XDP);
        assertTrue(o.program("p_xdp_frags").orElseThrow().kind().xdpFrags());
        assertTrue(o.program("p_syscall").orElseThrow().sleepable());
        assertTrue(o.program("p_lsm_s").orElseThrow().sleepable());
        assertTrue(o.program("p_fentry_s").orElseThrow().sleepable());
        assertTrue(o.program("p_uprobe_s").orElseThrow().sleepable());
        assertTrue(o.program("p_iter_s").orElseThrow().sleepable());
        assertFalse(o.program("p_fentry").orElseThrow().sleepable());
        assertEquals("bpf_fentry_test2", o.program("p_fexit").orElseThrow().attachTarget());
        assertEquals("sched/sched_switch", o.program("p_tracepoint").orElseThrow().attachTarget());
        assertFalse(o.program("p_no_autoload").orElseThrow().kind().autoload());
        assertKind(o, "p_no_autoload_connect4", ProgType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_CONNECT);
        assertTrue(o.program("p_xdp").orElseThrow().kind().autoload());
    }

    private static void assertKind(ObjectSpec o, String prog, ProgType type, AttachType attach) {
        ProgramSpec p = o.program(prog).orElseThrow(() -> new AssertionError("no program " + prog));
        assertEquals(type, p.progType(), prog);
        assertEquals(attach, p.expectedAttachType(), prog);
    }

    @Test
    void negativeObjectsFailWithClearMessages() {
        ObjectFormatException e = assertThrows(ObjectFormatException.class,
                () -> ObjectReader.read(Corpus.DIR.resolve("invalid/bad_section.bpf.o")));
        assertTrue(e.getMessage().contains("no_such_kind/foo"), e.getMessage());
        assertEquals("no_such_kind/foo", e.section());
        e = assertThrows(ElfFormatException.class, () -> ObjectReader.read(Corpus.DIR.resolve("invalid/big_endian.bpf.o")));
        assertTrue(e.getMessage().contains("big-endian"), e.getMessage());
        e = assertThrows(ElfFormatException.class, () -> ObjectReader.read(Corpus.DIR.resolve("invalid/bad_map_type.bpf.o")));
        assertTrue(e.getMessage().contains("map 'bad': attr 'max_entries': expected PTR"), e.getMessage());
        assertEquals(".maps", e.section());
    }

    @Test
    void specsAreImmutableCopies() {
        ObjectSpec o = read("global_data");
        MapSpec data = o.map("global_d.data").orElseThrow();
        data.initialValue()[0] = 99;
        assertEquals(3, data.initialValue()[0]);
        assertThrows(UnsupportedOperationException.class, () -> o.programs().clear());
        ObjectSpec again = read("global_data");
        assertEquals(o.programs(), again.programs(), "reading is deterministic");
        assertEquals(o.maps(), again.maps());
    }
}
