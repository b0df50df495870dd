package org.ebpf4j.vm.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class HelperTableTest {
    @Test
    void baseHasTheTrivialHelpersUnderBpfHIds() {
        HelperTable t = HelperTable.base();
        // ids from include/uapi/linux/bpf.h __BPF_FUNC_MAPPER
        Map<Integer, String> expected = Map.of(5, "bpf_ktime_get_ns", 7, "bpf_get_prandom_u32",
                8, "bpf_get_smp_processor_id", 42, "bpf_get_numa_node_id", 118, "bpf_jiffies64",
                125, "bpf_ktime_get_boot_ns", 160, "bpf_ktime_get_coarse_ns");
        expected.forEach((id, name) -> {
            HelperProto p = t.lookup(id);
            assertEquals(name, p == null ? null : p.name(), "helper " + id);
            assertEquals((int) id, p.id());
        });
        assertNull(t.lookup(1), "map helpers are not base helpers");
        assertNull(t.lookup(181), "bpf_loop needs the engine's callback, not registered by base()");
        assertNull(t.lookup(0));
        assertNull(t.lookup(-1));
        assertNull(t.lookup(1 << 20));
    }

    @Test
    void baseReturnsANewTableEachTime() {
        HelperTable a = HelperTable.base();
        HelperTable b = HelperTable.base();
        assertNotSame(a, b);
        a.register(new HelperProto(5, "replaced", (s, r1, r2, r3, r4, r5) -> 1));
        assertEquals("bpf_ktime_get_ns", b.lookup(5).name(), "tables are independent");
    }

    @Test
    void registerAddsReplacesAndGrows() {
        HelperTable t = new HelperTable();
        HelperProto big = new HelperProto(5000, "far", (s, r1, r2, r3, r4, r5) -> r1);
        assertSame(t, t.register(big));
        assertSame(big, t.lookup(5000));
        HelperProto other = new HelperProto(5000, "far2", (s, r1, r2, r3, r4, r5) -> r2);
        t.register(other);
        assertSame(other, t.lookup(5000));
    }

    @Test
    void protoRejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new HelperProto(0, "unspec", (s, a, b, c, d, e) -> 0));
        assertThrows(NullPointerException.class, () -> new HelperProto(3, null, (s, a, b, c, d, e) -> 0));
        assertThrows(NullPointerException.class, () -> new HelperProto(3, "x", null));
    }
}
