package org.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ebpf4j.host.HostBpf;
import org.ebpf4j.host.HostUnavailableException;
import org.junit.jupiter.api.Test;

/** {@code ebpf4j bench}: our PROG_TEST_RUN on both engines beside the kernel's, three columns, ratios, agreed retvals. */
class BenchCommandTest {

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    private static boolean hostAvailable() {
        try {
            HostBpf.open();
            return true;
        } catch (HostUnavailableException e) {
            return false;
        }
    }

    /** The table row of {@code name}: the three ns/run columns, the three ratios, the agreed retval. */
    private static Matcher row(String out, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)$")
                .matcher(out);
        assertTrue(m.find(), out);
        return m;
    }

    /**
     * Three numeric columns (the kernel's only where this machine lets us load programs), the
     * ratios computed from them, and the retval the three sides agreed on before timing.
     */
    private static void assertRow(String out, String name, String retval) {
        assertFalse(out.contains("MISMATCH"), out);
        Matcher m = row(out, name);
        double interp = Double.parseDouble(m.group(1));
        double jit = Double.parseDouble(m.group(2));
        assertTrue(interp > 0 && jit > 0, out);
        assertEquals(retval, m.group(7), "the retval every side agreed on");
        assertEquals(interp / jit, Double.parseDouble(m.group(6)), 0.01 + interp / jit * 0.01, out);
        if (hostAvailable()) {
            double kernel = Double.parseDouble(m.group(3));
            assertTrue(kernel > 0, out);
            assertEquals(interp / kernel, Double.parseDouble(m.group(4)), 0.01 + interp / kernel * 0.01, out);
            assertEquals(jit / kernel, Double.parseDouble(m.group(5)), 0.01 + jit / kernel * 0.01, out);
        } else {
            assertEquals("n/a", m.group(3), out);
            assertTrue(out.contains("kernel: "), out);
        }
    }

    @Test
    void tailChainPrintsTheThreeColumnsAndRatios() {
        String[] r = run("bench", "--repeat", "200", "--only", "tail_chain_33");
        assertEquals("0", r[0], r[1] + r[2]);
        String out = r[1];
        assertTrue(out.contains("interp ns/run") && out.contains("jit ns/run") && out.contains("kernel ns/run"), out);
        assertRow(out, "tail_chain_33", "33");   // MAX_TAIL_CALL_CNT: the 34th tail call falls through
    }

    @Test
    void aPingPongOfTwoProgramsStopsAt33Too() {
        // two different programs tail-calling each other: the direct-call path, not the self-restart
        String[] r = run("bench", "--repeat", "200", "--only", "tail_pingpong_33");
        assertEquals("0", r[0], r[1] + r[2]);
        assertRow(r[1], "tail_pingpong_33", "33");
    }

    /**
     * The socket programs run on our own TEST_RUN's dummy socket: sk storage created on the
     * first run of a call, the hash keyed by its cookie; a call of one run returns 1 on every side.
     */
    @Test
    void socketProgramsAgreeWithTheKernel() {
        String[] r = run("bench", "--repeat", "200", "--only", "sk_storage");
        assertEquals("0", r[0], r[1] + r[2]);
        assertRow(r[1], "sk_storage", "1");
        r = run("bench", "--repeat", "200", "--only", "hash_cookie");
        assertEquals("0", r[0], r[1] + r[2]);
        assertRow(r[1], "hash_cookie", "1");
    }

    @Test
    void aSlowProgramRunsFewerTimesPerCallWithinTheBudget() {
        String[] r = run("bench", "--repeat", "20000", "--call-budget-ms", "50", "--only", "sieve_loop");
        assertEquals("0", r[0], r[1] + r[2]);
        assertRow(r[1], "sieve_loop", "502");
        Matcher note = Pattern.compile("interp: (\\d+) runs per call, not 20000").matcher(r[1]);
        assertTrue(note.find(), r[1]);
        assertTrue(Integer.parseInt(note.group(1)) < 20000, r[1]);
    }

    @Test
    void unknownProgramIsAClearError() {
        String[] r = run("bench", "--only", "nope");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("--only nope: no such bench program"), r[2]);
    }
}
