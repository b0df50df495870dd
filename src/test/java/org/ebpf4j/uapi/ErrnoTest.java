package org.ebpf4j.uapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Errno covers every asm-generic number, so an errno a program chose reaches the caller as is. */
class ErrnoTest {
    @Test
    void everyAsmGenericNumberResolvesToItself() {
        for (int n = 1; n <= 133; n++) {
            if (n == 41 || n == 58) {          // unused numbers in include/uapi/asm-generic/errno.h
                assertNull(Errno.of(n), "errno " + n);
                continue;
            }
            Errno e = Errno.of(n);
            assertNotNull(e, "errno " + n + " is missing");
            assertEquals(n, e.value());
            assertEquals(e, Errno.of(-n));
        }
    }

    @Test
    void namesOfTheNumbersSetRetvalSelftestsUse() {
        assertEquals(Errno.EUNATCH, Errno.of(-49));   // cgroup_getset_retval's set_eunatch
        assertEquals(Errno.EISCONN, Errno.of(106));
        assertEquals(Errno.EOPNOTSUPP, Errno.of(95));
        assertEquals(Errno.ENOTSUPP, Errno.of(524));
        assertNull(Errno.of(200));
    }
}
