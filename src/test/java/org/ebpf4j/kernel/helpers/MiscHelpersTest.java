package org.ebpf4j.kernel.helpers;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The helper name table; the helpers themselves are tested by running programs (kernel.prog.HelperRunTest). */
class MiscHelpersTest {
    @Test
    void helperNamesAreTheKernels() {
        assertEquals("bpf_map_lookup_elem", HelperNames.name(1));
        assertEquals("bpf_loop", HelperNames.name(181));
        assertEquals("bpf_cgrp_storage_delete", HelperNames.name(211));
        assertEquals("unknown", HelperNames.name(250));
        assertEquals(212, HelperNames.MAX_ID);
    }
}
