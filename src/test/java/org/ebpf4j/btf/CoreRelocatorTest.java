package org.ebpf4j.btf;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.Test;

/**
 * CO-RE relocations of src/test/bpf/btf/core.bpf.c against the model kernel and against
 * target_alt.bpf.c. Expected offsets follow from the C layouts of model-kernel.c and
 * target_alt.bpf.c (x86-64/BPF alignment: pointers and u64 on 8 bytes).
 */
class CoreRelocatorTest {
    private final Btf local = TestObjects.btf("core");
    private final List<BtfExt.CoreRelo> relos = TestObjects.ext("core", local).coreRelos("raw_tp/core");
    private final Btf model = Btf.modelKernel();
    private final Btf alt = TestObjects.btf("target_alt");

    private BtfExt.CoreRelo relo(CoreReloKind kind, String type, String access) {
        return relos.stream().filter(r -> r.kind() == kind && local.type(r.typeId()).name().equals(type)
                        && r.accessStr().equals(access)).findFirst()
                .orElseThrow(() -> new AssertionError("no relo " + kind + " " + type + " " + access));
    }

    private static long value(Btf local, Btf target, BtfExt.CoreRelo r) {
        CoreResult res = new CoreRelocator(local, target).relocate(r);
        return assertInstanceOf(CoreResult.Value.class, res, () -> r + " -> " + res).newValue();
    }

    private long model(CoreReloKind kind, String type, String access) {
        return value(local, model, relo(kind, type, access));
    }

    private long alt(CoreReloKind kind, String type, String access) {
        return value(local, alt, relo(kind, type, access));
    }

    @Test
    void fieldOffsetsFollowTheTargetLayout() {
        // local task_struct {cgroups @0; comm @8; tgid @24; pid @28}
        var pid = (CoreResult.Value) new CoreRelocator(local, model).relocate(relo(CoreReloKind.FIELD_BYTE_OFFSET, "task_struct", "0:3"));
        assertEquals(24, pid.newValue(), "model: __state, flags, prio @0..12, start_time @16, pid @24");
        assertEquals(28, pid.origValue());
        assertEquals(4, pid.origSize());
        assertEquals(4, pid.newSize());
        assertFalse(pid.failMemSizeAdjust());
        assertEquals(8, alt(CoreReloKind.FIELD_BYTE_OFFSET, "task_struct", "0:3"), "alt: long state @0, pid @8");
        assertEquals(88, model(CoreReloKind.FIELD_BYTE_OFFSET, "task_struct", "0:0"));
        assertEquals(48, alt(CoreReloKind.FIELD_BYTE_OFFSET, "task_struct", "0:0"));
        assertEquals(112, model(CoreReloKind.FIELD_BYTE_OFFSET, "css_set", "0:0"), "after subsys[12], refcount, dom_cset");
        assertEquals(32, alt(CoreReloKind.FIELD_BYTE_OFFSET, "css_set", "0:0"));
        assertEquals(56, model(CoreReloKind.FIELD_BYTE_OFFSET, "cgroup", "0:0"), "kn after self(32), flags, level, max_depth, nr_descendants");
        assertEquals(32, model(CoreReloKind.FIELD_BYTE_OFFSET, "kernfs_node", "0:0"));
        // array element: comm[3]
        assertEquals(75, model(CoreReloKind.FIELD_BYTE_OFFSET, "task_struct", "0:1:3"));
        assertEquals(15, alt(CoreReloKind.FIELD_BYTE_OFFSET, "task_struct", "0:1:3"));
    }

    @Test
    void existsAndSize() {
        assertEquals(1, model(CoreReloKind.FIELD_EXISTS, "task_struct", "0:2"));
        assertEquals(0, alt(CoreReloKind.FIELD_EXISTS, "task_struct", "0:2"), "alt has no tgid");
        assertEquals(0, model(CoreReloKind.FIELD_EXISTS, "task_struct___v5", "0:0"), "model has no state");
        assertEquals(1, alt(CoreReloKind.FIELD_EXISTS, "task_struct___v5", "0:0"), "flavor stripped, state found");
        assertEquals(16, model(CoreReloKind.FIELD_BYTE_SIZE, "task_struct", "0:1"));
        assertEquals(32, alt(CoreReloKind.FIELD_BYTE_SIZE, "task_struct", "0:1"));
    }

    @Test
    void missingFieldPoisonsTheLoad() {
        BtfExt.CoreRelo state = relo(CoreReloKind.FIELD_BYTE_OFFSET, "task_struct___v5", "0:0");
        CoreResult res = new CoreRelocator(local, model).relocate(state);
        assertInstanceOf(CoreResult.Poison.class, res);
        assertEquals(0, value(local, alt, state));
    }

    @Test
    void bitfieldsGetOffsetSizeShiftsAndSignedness() {
        // model sock_common: 8+4+4 bytes of unions, skc_family u16 @16, skc_state @18, skc_reuse:4 @bit 152, skc_reuseport:1 @156
        assertEquals(0, model(CoreReloKind.FIELD_BYTE_OFFSET, "sock", "0:0"));
        assertEquals(19, model(CoreReloKind.FIELD_BYTE_OFFSET, "sock", "0:0:1"));
        assertEquals(1, model(CoreReloKind.FIELD_BYTE_SIZE, "sock", "0:0:1"));
        assertEquals(64 - (156 + 1 - 152), model(CoreReloKind.FIELD_LSHIFT_U64, "sock", "0:0:1"));
        assertEquals(63, model(CoreReloKind.FIELD_RSHIFT_U64, "sock", "0:0:1"));
        assertEquals(0, model(CoreReloKind.FIELD_SIGNED, "sock", "0:0:1"));
        assertEquals(0, model(CoreReloKind.FIELD_SIGNED, "sock", "0:0:2"), "unsigned short skc_family");
        // alt: sock {u64 pad; sock_common @8}; skc_reuse:3 @bit 56, skc_reuseport:1 @59 of sock_common
        assertEquals(8, alt(CoreReloKind.FIELD_BYTE_OFFSET, "sock", "0:0"));
        assertEquals(15, alt(CoreReloKind.FIELD_BYTE_OFFSET, "sock", "0:0:1"));
        assertEquals(64 - (123 + 1 - 120), alt(CoreReloKind.FIELD_LSHIFT_U64, "sock", "0:0:1"));
        assertEquals(1, alt(CoreReloKind.FIELD_SIGNED, "sock", "0:0:2"), "short skc_family");
    }

    @Test
    void typeIdsExistenceSizeAndMatches() {
        int localTask = local.findByName("task_struct", BtfType.Struct.class).orElseThrow().id();
        assertEquals(localTask, model(CoreReloKind.TYPE_ID_LOCAL, "task_struct", "0"));
        assertEquals(model.findByName("task_struct", BtfType.Struct.class).orElseThrow().id(),
                model(CoreReloKind.TYPE_ID_TARGET, "task_struct", "0"));
        assertEquals(alt.findByName("task_struct", BtfType.Struct.class).orElseThrow().id(),
                alt(CoreReloKind.TYPE_ID_TARGET, "task_struct", "0"));
        assertEquals(0, model(CoreReloKind.TYPE_EXISTS, "not_in_kernel", "0"));
        assertEquals(1, model(CoreReloKind.TYPE_EXISTS, "cgroup___flavored", "0"));
        assertEquals(96, model(CoreReloKind.TYPE_SIZE, "task_struct", "0"));
        assertEquals(56, alt(CoreReloKind.TYPE_SIZE, "task_struct", "0"));
        assertEquals(0, model(CoreReloKind.TYPE_SIZE, "not_in_kernel", "0"), "type relos give 0 without a target");
        assertEquals(1, model(CoreReloKind.TYPE_MATCHES, "kernfs_node", "0"));
        assertEquals(1, alt(CoreReloKind.TYPE_MATCHES, "kernfs_node", "0"), "both flavors match: no ambiguity");
    }

    @Test
    void enumValues() {
        assertEquals(1, model(CoreReloKind.ENUMVAL_EXISTS, "pid_type", "3"));
        assertEquals(3, model(CoreReloKind.ENUMVAL_VALUE, "pid_type", "3"));
        assertEquals(7, alt(CoreReloKind.ENUMVAL_VALUE, "pid_type", "3"));
        assertEquals(0, model(CoreReloKind.ENUMVAL_EXISTS, "pid_type___future", "1"), "no PIDTYPE_NEW in the model");
        assertEquals(1, alt(CoreReloKind.ENUMVAL_EXISTS, "pid_type___future", "1"));
        assertEquals(2, model(CoreReloKind.ENUMVAL_VALUE, "pid_type___future", "0"), "PIDTYPE_PGID___future is PIDTYPE_PGID");
        assertEquals(-5, alt(CoreReloKind.ENUMVAL_VALUE, "pid_type___future", "0"), "negative values sign-extend");
        BtfExt.CoreRelo newVal = new BtfExt.CoreRelo(0, relo(CoreReloKind.ENUMVAL_EXISTS, "pid_type___future", "1").typeId(),
                "1", CoreReloKind.ENUMVAL_VALUE);
        assertInstanceOf(CoreResult.Poison.class, new CoreRelocator(local, model).relocate(newVal));
    }

    @Test
    void flavorsAgreeOrFailAsAmbiguous() {
        assertEquals(40, model(CoreReloKind.FIELD_BYTE_OFFSET, "cgroup___flavored", "0:0"));
        assertEquals(8, alt(CoreReloKind.FIELD_BYTE_OFFSET, "cgroup___flavored", "0:0"), "cgroup and cgroup___2 agree");
        assertEquals(16, alt(CoreReloKind.FIELD_BYTE_OFFSET, "cgroup", "0:0"), "cgroup___2 has no kn: only cgroup matches");
        CoreResult id = new CoreRelocator(local, alt).relocate(relo(CoreReloKind.FIELD_BYTE_OFFSET, "kernfs_node", "0:0"));
        CoreResult.Failed f = assertInstanceOf(CoreResult.Failed.class, id);
        assertEquals(Errno.EINVAL, f.errno());
        assertTrue(f.reason().contains("ambiguity"), f.reason());
    }

    @Test
    void memorySizeChangeOfANonIntegerIsFlagged() {
        int task = local.findByName("task_struct", BtfType.Struct.class).orElseThrow().id();
        BtfExt.CoreRelo comm = new BtfExt.CoreRelo(0, task, "0:1", CoreReloKind.FIELD_BYTE_OFFSET);
        var same = (CoreResult.Value) new CoreRelocator(local, model).relocate(comm);
        assertFalse(same.failMemSizeAdjust());
        var grown = (CoreResult.Value) new CoreRelocator(local, alt).relocate(comm);
        assertEquals(16, grown.origSize());
        assertEquals(32, grown.newSize());
        assertTrue(grown.failMemSizeAdjust(), "char[16] -> char[32] cannot be loaded by resizing");
    }

    @Test
    void malformedRelocationsFailWithErrno() {
        int task = local.findByName("task_struct", BtfType.Struct.class).orElseThrow().id();
        CoreRelocator rel = new CoreRelocator(local, model);
        for (String bad : List.of("", ":1", "0:x", "0:99", "0::1", "0:-1")) {
            var f = assertInstanceOf(CoreResult.Failed.class, rel.relocate(new BtfExt.CoreRelo(0, task, bad, CoreReloKind.FIELD_BYTE_OFFSET)), bad);
            assertEquals(Errno.EINVAL, f.errno(), bad);
        }
        assertInstanceOf(CoreResult.Failed.class, rel.relocate(new BtfExt.CoreRelo(0, task, "1", CoreReloKind.TYPE_SIZE)));
        assertInstanceOf(CoreResult.Failed.class, rel.relocate(new BtfExt.CoreRelo(0, local.typeCount(), "0", CoreReloKind.TYPE_SIZE)));
        var onArray = assertInstanceOf(CoreResult.Failed.class,
                rel.relocate(new BtfExt.CoreRelo(0, task, "0:1:3", CoreReloKind.FIELD_SIGNED)));
        assertTrue(onArray.reason().contains("array access"), onArray.reason());
        Btf types = TestObjects.btf("types");   // struct everything has an anonymous struct member
        BtfType anon = types.types().stream().filter(t -> t instanceof BtfType.Struct && t.name().isEmpty()).findFirst().orElseThrow();
        var anonFail = assertInstanceOf(CoreResult.Failed.class,
                new CoreRelocator(types, model).relocate(new BtfExt.CoreRelo(0, anon.id(), "0", CoreReloKind.TYPE_EXISTS)));
        assertEquals(Errno.EOPNOTSUPP, anonFail.errno());
        String deep = "0" + ":0".repeat(64);
        var tooLong = assertInstanceOf(CoreResult.Failed.class, rel.relocate(new BtfExt.CoreRelo(0, task, deep, CoreReloKind.FIELD_BYTE_OFFSET)));
        assertEquals(Errno.E2BIG, tooLong.errno());
    }

    @Test
    void essentialNames() {
        assertEquals("task_struct".length(), CoreRelocator.essentialNameLen("task_struct___v5"));
        assertEquals("a___b".length(), CoreRelocator.essentialNameLen("a___b___c"));
        assertEquals("x____y".length(), CoreRelocator.essentialNameLen("x____y"), "four underscores are no separator");
        assertEquals("___x".length(), CoreRelocator.essentialNameLen("___x"));
    }
}
