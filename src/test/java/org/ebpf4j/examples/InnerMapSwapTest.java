package org.ebpf4j.examples;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The seed 5 example (examples/seed5-inner-map-swap) does what its README says; spec §7.7, §7.8. */
class InnerMapSwapTest {
    @Test
    void oldInnerMapGoesQuietAndIsFreed() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        InnerMapSwap.Result r = InnerMapSwap.run(new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(r.aAfterUpdate() >= 1000, out);
        assertTrue(r.quiet(), out);
        assertTrue(r.aIdGone(), out);
        assertTrue(r.aFreed(), out);
        assertTrue(out.contains("quiet"), out);
    }
}
