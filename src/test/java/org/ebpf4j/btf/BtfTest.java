package org.ebpf4j.btf;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Parsing clang-19 BTF of src/test/bpf/btf/types.bpf.c; every expectation follows from that C. */
class BtfTest {
    private final Btf btf = TestObjects.btf("types");

    private <T extends BtfType> T named(String name, Class<T> kind) {
        return kind.cast(btf.findByName(name, kind).orElseThrow(() -> new AssertionError("no " + name)));
    }

    private static Map<String, BtfType.Member> members(BtfType.Composite c) {
        return c.members().stream().collect(Collectors.toMap(BtfType.Member::name, m -> m, (a, b) -> a));
    }

    @Test
    void sectionFromTheObjectIsTheCommittedBlob() {
        assertArrayEquals(TestObjects.bytes("types.bpf.btf"), TestObjects.elfSection("types.bpf.o", ".BTF"));
        assertArrayEquals(TestObjects.bytes("types.bpf.btf"), btf.raw());
    }

    @Test
    void structLayoutFollowsCAlignmentRules() {
        BtfType.Struct ev = named("everything", BtfType.Struct.class);
        Map<String, BtfType.Member> m = members(ev);
        // int i @0, u32 u @4, s8 sc @8, struct inner (align 2) @10, inner arr[3] @14, char name[16] @26,
        // int matrix[2][3] (align 4) @44, pointers (align 8) from @72.
        assertEquals(0, m.get("i").bitOffset());
        assertEquals(32, m.get("u").bitOffset());
        assertEquals(64, m.get("sc").bitOffset());
        assertEquals(80, m.get("in").bitOffset());
        assertEquals(112, m.get("arr").bitOffset());
        assertEquals(208, m.get("name").bitOffset());
        assertEquals(352, m.get("matrix").bitOffset());
        assertEquals(576, m.get("next").bitOffset());
        assertEquals(ev.size(), btf.sizeOf(ev.id()));
        assertEquals(4, btf.sizeOf(named("inner", BtfType.Struct.class).id()));
        assertEquals(12, btf.sizeOf(m.get("arr").type()));
        assertEquals(16, btf.sizeOf(m.get("name").type()));
        assertEquals(24, btf.sizeOf(m.get("matrix").type()));
        assertEquals(8, btf.sizeOf(m.get("next").type()));
        assertEquals(0, btf.sizeOf(m.get("flex").type()), "flexible array has no size");
        // the flexible array ends the struct: its offset is the struct size rounded to 8
        assertEquals(ev.size() * 8, m.get("flex").bitOffset());
    }

    @Test
    void typedefsModifiersAndPointersResolve() {
        BtfType.Typedef u32 = named("u32", BtfType.Typedef.class);
        BtfType.Int ui = assertInstanceOf(BtfType.Int.class, btf.resolve(u32.id()));
        assertEquals("unsigned int", ui.name());
        assertFalse(ui.signed());
        assertEquals(4, btf.sizeOf(u32.id()));
        Map<String, BtfType.Member> m = members(named("everything", BtfType.Struct.class));
        BtfType.Ptr cvp = assertInstanceOf(BtfType.Ptr.class, btf.type(m.get("cvp").type()));
        BtfType.Const c = assertInstanceOf(BtfType.Const.class, btf.type(cvp.type()));
        assertInstanceOf(BtfType.Volatile.class, btf.type(c.type()));
        assertEquals("int", btf.resolve(cvp.type()).name());
        BtfType.Ptr fn = assertInstanceOf(BtfType.Ptr.class, btf.type(m.get("fn").type()));
        BtfType.FuncProto proto = assertInstanceOf(BtfType.FuncProto.class, btf.type(fn.type()));
        assertEquals(2, proto.params().size());
        assertEquals("int", btf.type(proto.ret()).name());
        BtfType.Int bool = assertInstanceOf(BtfType.Int.class, btf.type(m.get("flag").type()));
        assertTrue(bool.isBool());
        assertEquals(1, bool.size());
        assertInstanceOf(BtfType.Float.class, btf.type(m.get("ld").type()));
        BtfType.Fwd node = assertInstanceOf(BtfType.Fwd.class, btf.type(((BtfType.Ptr) btf.type(m.get("next").type())).type()));
        assertFalse(node.union());
        BtfType.Fwd unode = assertInstanceOf(BtfType.Fwd.class, btf.type(((BtfType.Ptr) btf.type(m.get("un").type())).type()));
        assertTrue(unode.union(), "kind_flag of FWD means union");
    }

    @Test
    void bitfieldsUseKindFlagOffsets() {
        BtfType.Struct flags = named("flags", BtfType.Struct.class);
        Map<String, BtfType.Member> m = members(flags);
        assertEquals(List.of(0L, 3L, 8L, 15L, 56L), flags.members().stream().map(BtfType.Member::bitOffset).toList());
        assertEquals(List.of(3, 5, 7, 40, 0), flags.members().stream().map(BtfType.Member::bitfieldSize).toList());
        assertEquals(8, flags.size());
        assertTrue(((BtfType.Int) btf.resolve(m.get("c").type())).signed());
    }

    @Test
    void enumsCarrySignednessAndWidth() {
        BtfType.Enum color = named("color", BtfType.Enum.class);
        assertTrue(color.signed());
        assertEquals(List.of(0L, 5L, -1L), color.values().stream().map(BtfType.EnumValue::value).toList());
        BtfType.Enum64 big = named("big", BtfType.Enum64.class);
        assertFalse(big.signed());
        assertEquals(0x123456789aL, big.values().get(1).value());
        assertEquals(8, big.size());
        BtfType.Enum tiny = named("tiny", BtfType.Enum.class);
        assertEquals(1, tiny.size());
        assertEquals(200, tiny.values().get(1).value());
        assertEquals(1, btf.sizeOf(tiny.id()));
    }

    @Test
    void tagsFuncsVarsAndDatasecs() {
        BtfType.Struct tagged = named("tagged", BtfType.Struct.class);
        List<BtfType.DeclTag> tags = btf.types().stream().filter(t -> t instanceof BtfType.DeclTag)
                .map(t -> (BtfType.DeclTag) t).toList();
        assertEquals(2, tags.size());
        BtfType.DeclTag onStruct = tags.stream().filter(t -> t.name().equals("tagged_struct")).findFirst().orElseThrow();
        assertEquals(tagged.id(), onStruct.type());
        assertEquals(-1, onStruct.componentIdx(), "tags the struct itself");
        BtfType.DeclTag member = tags.stream().filter(t -> t.name().equals("tagged_member")).findFirst().orElseThrow();
        assertEquals(1, member.componentIdx(), "tags member #1 'val'");
        BtfType.Ptr uptr = (BtfType.Ptr) btf.type(tagged.members().get(0).type());
        BtfType.TypeTag user = assertInstanceOf(BtfType.TypeTag.class, btf.type(uptr.type()));
        assertEquals("user", user.name());
        assertEquals("int", btf.resolve(user.id()).name(), "resolve skips type tags");

        BtfType.Func prog = named("prog", BtfType.Func.class);
        assertEquals(BtfKind.LINKAGE_GLOBAL, prog.linkage());
        assertEquals(BtfKind.LINKAGE_STATIC, named("helper", BtfType.Func.class).linkage());
        BtfType.FuncProto proto = (BtfType.FuncProto) btf.type(prog.type());
        assertEquals("ctx", proto.params().getFirst().name());

        BtfType.Var counter = named("global_counter", BtfType.Var.class);
        assertEquals(4, btf.sizeOf(counter.id()));
        BtfType.DataSec bss = named(".bss", BtfType.DataSec.class);
        assertEquals(List.of("ev_bss", "tg", "fl"), bss.vars().stream().map(v -> btf.type(v.type()).name()).toList());
        assertEquals(List.of(184L, 16L, 8L), bss.vars().stream().map(BtfType.VarSecInfo::size).toList());
    }

    @Test
    void lookupsAndBadIds() {
        assertTrue(btf.findByName("everything", BtfType.Composite.class).isPresent());
        assertTrue(btf.findByName("everything", BtfType.Union.class).isEmpty());
        assertTrue(btf.findByName("nope", BtfType.class).isEmpty());
        assertInstanceOf(BtfType.Void.class, btf.type(0));
        var e = assertThrows(IllegalArgumentException.class, () -> btf.type(btf.typeCount()));
        assertTrue(e.getMessage().contains("out of range"));
        var noSize = assertThrows(BtfFormatException.class, () -> btf.sizeOf(named("prog", BtfType.Func.class).id()));
        assertTrue(noSize.getMessage().contains("FUNC"), noSize.getMessage());
    }

    @Test
    void modelKernelHasTheUapiContextsAtTheirLinuxSizes() {
        Btf k = Btf.modelKernel();
        assertNotSame(k, Btf.modelKernel(), "a fresh instance per call");
        // sizeof() of the UAPI context structs on x86-64 Linux 6.18
        assertEquals(192, k.sizeOf(k.findByName("__sk_buff", BtfType.Struct.class).orElseThrow().id()));
        assertEquals(80, k.sizeOf(k.findByName("bpf_sock", BtfType.Struct.class).orElseThrow().id()));
        assertEquals(72, k.sizeOf(k.findByName("bpf_sock_addr", BtfType.Struct.class).orElseThrow().id()));
        assertEquals(40, k.sizeOf(k.findByName("bpf_sockopt", BtfType.Struct.class).orElseThrow().id()));
        assertEquals(224, k.sizeOf(k.findByName("bpf_sock_ops", BtfType.Struct.class).orElseThrow().id()));
        for (String s : List.of("task_struct", "css_set", "cgroup", "kernfs_node", "sock", "sock_common", "cgroup_subsys_state")) {
            assertTrue(k.findByName(s, BtfType.Struct.class).isPresent(), s);
        }
        BtfType.Struct task = (BtfType.Struct) k.findByName("task_struct", BtfType.Struct.class).orElseThrow();
        assertEquals(List.of("__state", "flags", "prio", "start_time", "pid", "tgid", "real_parent", "parent",
                "group_leader", "real_cred", "cred", "comm", "cgroups"), task.members().stream().map(BtfType.Member::name).toList());
    }
}
