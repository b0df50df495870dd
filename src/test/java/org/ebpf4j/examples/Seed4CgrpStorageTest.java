package org.ebpf4j.examples;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The seed 4 example (examples/seed4-cgrp-storage) counts each cgroup's syscalls exactly. */
class Seed4CgrpStorageTest {
    @Test
    void countsPerCgroup() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertTrue(Seed4CgrpStorage.run(new PrintStream(buf, true, StandardCharsets.UTF_8), Seed4CgrpStorage.OBJECT));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("/app") && out.contains("12 syscalls counted"), out);
        assertTrue(out.contains("/batch") && out.contains("6 syscalls counted"), out);
    }
}
