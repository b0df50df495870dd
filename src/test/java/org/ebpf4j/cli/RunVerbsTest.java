package org.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The running verbs: test-run, map dump, trace, demo. */
class RunVerbsTest {
    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void testRunPrintsLikeBpftool() {
        Run r = run("test-run", "examples/sieve/sieve.bpf.o", "sieve", "--repeat", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Return value: 502, duration (average): "), r.out());
        assertTrue(r.out().contains("data_out (64 bytes):"), r.out());
        Run j = run("test-run", "src/test/bpf/subprogs.bpf.o", "tc_uses_twice", "--json");
        assertEquals(0, j.code(), j.err());
        assertTrue(j.out().startsWith("{\"retval\":128,"), j.out());
    }

    @Test
    void testRunWithInputFiles(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("pkt");
        Files.write(data, new byte[100]);
        Run r = run("test-run", "src/test/bpf/subprogs.bpf.o", "tc_uses_twice", "--data-in", data.toString(), "--json");
        assertTrue(r.out().startsWith("{\"retval\":200,"), r.out() + r.err());
        Run bad = run("test-run", "src/test/bpf/subprogs.bpf.o", "nope");
        assertNotEquals(0, bad.code());
        assertTrue(bad.err().contains("has no loaded program 'nope'"), bad.err());
        Run missing = run("test-run", dir.resolve("none.o").toString(), "x");
        assertNotEquals(0, missing.code());
        assertTrue(missing.err().contains("is not a file"), missing.err());
    }

    @Test
    void mapDumpAfterRuns() {
        Run r = run("map", "dump", "src/test/bpf/subprogs.bpf.o", "--run", "xdp_two", "--run", "xdp_two");
        assertEquals(0, r.code(), r.err());
        // bpf_loop sums 0..9 = 45 per run: 90 = 0x5a
        assertTrue(r.out().contains("subprogs.bss (ARRAY, key 4 B, value 8 B):\n  key: 00 00 00 00  value: 5a 00 00 00 00 00 00 00"), r.out());
        Run j = run("map", "dump", "examples/hello/hello.bpf.o", "--run", "hello", "--json");
        assertTrue(j.out().contains("{\"name\":\"hello.bss\",\"type\":\"ARRAY\",\"entries\":[{\"key\":\"00000000\",\"value\":\"0100000000000000\"}]}"), j.out());
    }

    @Test
    void traceShowsTheTracePipe() {
        Run r = run("trace", "examples/hello/hello.bpf.o", "hello", "--repeat", "2");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals(4, lines.length, r.out());
        assertTrue(lines[0].endsWith("bpf_trace_printk: hello from ebpf4j (pid 1000): run 1"), lines[0]);
        assertTrue(lines[2].endsWith("run 2"), lines[2]);
        assertTrue(lines[1].endsWith("bpf_trace_printk: packet of 64 bytes"), lines[1]);
        assertTrue(lines[0].trim().startsWith("ebpf4j-1000"), lines[0]);
    }

    /** {@code ebpf4j iter}: bpftool iter pin + cat on the embedded runtime (kernel/bpf/bpf_iter.c). */
    @Test
    void iterPrintsWhatReadingTheIteratorReturns() {
        Run c = run("iter", "src/test/bpf/iter_targets.bpf.o", "cgroup_walk", "--cgroup", "/a/b", "--order", "ancestors_up");
        assertEquals(0, c.code(), c.err());
        assertEquals("2 3\n1 2\n0 1\nstop\n", c.out());   // level and id from /a/b up to the root
        Run self = run("iter", "src/test/bpf/iter_targets.bpf.o", "cgroup_walk", "--cgroup", "/x", "--order", "self_only");
        assertEquals("1 2\nstop\n", self.out(), self.err());
        // the program runs as the reader: the CLI's loader task
        Run who = run("iter", "src/test/bpf/iter_targets.bpf.o", "whoami", "--chunk", "3");
        assertEquals(0, who.code(), who.err());
        assertTrue(who.out().matches("tgid \\d+ comm \\S+ btf_pid \\d+\n"), who.out());
        Run sk = run("iter", "src/test/bpf/iter_sk_storage.bpf.o", "dump_sk_storage", "--map", "sk_stg_map");
        assertEquals("stop 0\n", sk.out(), sk.err());   // an empty map: only the stop call
        Run bad = run("iter", "src/test/bpf/iter_targets.bpf.o", "dump_u32_u64", "--map", "iter_tar.data");
        assertEquals(1, bad.code());
        assertTrue(bad.err().startsWith("ebpf4j iter: EACCES: "), bad.err());
        Run none = run("iter", "src/test/bpf/iter_sk_storage.bpf.o", "dump_sk_storage");
        assertTrue(none.err().startsWith("ebpf4j iter: EBADF: "), none.err());
        Run noTask = run("iter", "src/test/bpf/iter_targets.bpf.o", "task_pids", "--tid", "999999");
        assertEquals("end\n", noTask.out(), noTask.err());   // a tid naming no task: only the stop call
        Run all = run("iter", "src/test/bpf/iter_targets.bpf.o", "task_pids");
        assertTrue(all.out().matches("(\\d+\n)+end\n"), all.out());
        Run both = run("iter", "src/test/bpf/iter_targets.bpf.o", "task_pids", "--map", "iter_tar.data", "--pid", "1");
        assertTrue(both.err().contains("give one"), both.err());
    }

    @Test
    void demoRunsTheSieveAndTheOtherExamples() {
        Run r = run("demo", "--seconds", "0.2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("sieve (examples/sieve/sieve.bpf.o, XDP, jit): 502 primes below 3584\n"), r.out());
        Run i = run("demo", "--seconds", "0.2", "--engine", "interp");
        assertTrue(i.out().startsWith("sieve (examples/sieve/sieve.bpf.o, XDP, interp): 502 primes below 3584\n"), i.out());
        assertTrue(r.out().matches("(?s).*\n  \\d+ ns per run \\(\\d+ runs measured after \\d+ warm-up runs.*"), r.out());
        assertTrue(r.out().contains("hello/hello.bpf.o hello (XDP): retval 2"), r.out());
    }
}
