package org.ebpf4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** idr_alloc_cyclic semantics (spec-cgroup-attach-link §10). */
class IdTableTest {
    @Test
    void idsStartAtOneIncreaseAndAreNotReusedAtOnce() {
        IdTable<String> t = new IdTable<>("test");
        int a = t.alloc("a");
        int b = t.alloc("b");
        assertEquals(1, a);
        assertEquals(2, b);
        t.remove(a, "a");
        assertNull(t.get(a));
        assertEquals(3, t.alloc("c"));   // cyclic: 1 is free but the cursor is past it
        assertEquals(2, t.nextId(1));
        assertEquals(3, t.nextId(2));
        assertEquals(0, t.nextId(3));
    }

    @Test
    void removeOnlyRemovesTheSameObject() {
        IdTable<String> t = new IdTable<>("test");
        int a = t.alloc("a");
        assertEquals(false, t.remove(a, "other"));
        assertEquals("a", t.get(a));
    }

    @Test
    void wrapsAfterIntMaxSkippingLiveIds() {
        IdTable<String> t = new IdTable<>("test");
        int one = t.alloc("one");
        t.insert(IdTable.MAX_ID - 1, "last");
        assertEquals(2, t.alloc("wrapped"));   // cursor wrapped to 1, which is live: 2
        assertEquals(1, one);
        assertThrows(IllegalStateException.class, () -> t.insert(2, "dup"));
        assertThrows(IllegalArgumentException.class, () -> t.insert(IdTable.MAX_ID, "x"));
    }
}
