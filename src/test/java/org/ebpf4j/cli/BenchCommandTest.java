package org.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ebpf4j.host.HostBpf;
import org.ebpf4j.host.HostUnavailableException;
import org.junit.jupiter.api.Test;

/** {@code ebpf4j bench}: the three columns and the ratios, on one small program. */
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

    @Test
    void tailChainPrintsTheThreeColumnsAndRatios() {
        String[] r = run("bench", "--repeat", "200", "--only", "tail_chain_33");
        assertEquals("0", r[0], r[1] + r[2]);
        String out = r[1];
        assertTrue(out.contains("interp ns/run") && out.contains("jit ns/run") && out.contains("kernel ns/run"), out);
        Matcher m = Pattern.compile("(?m)^tail_chain_33\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)$")
                .matcher(out);
        assertTrue(m.find(), out);
        double interp = Double.parseDouble(m.group(1));
        double jit = Double.parseDouble(m.group(2));
        assertTrue(interp > 0 && jit > 0, out);
        assertEquals("33", m.group(7), "the retval both sides agreed on");
        assertEquals(interp / jit, Double.parseDouble(m.group(6)), 0.01 + interp / jit * 0.01, out);
        if (hostAvailable()) {
            double kernel = Double.parseDouble(m.group(3));
            assertTrue(kernel > 0, out);
            assertEquals(interp / kernel, Double.parseDouble(m.group(4)), 0.01 + interp / kernel * 0.01, out);
        } else {
            assertEquals("n/a", m.group(3), out);
            assertTrue(out.contains("host kernel unavailable"), out);
        }
    }

    @Test
    void skStorageSaysWhatOursLacks() {
        String[] r = run("bench", "--repeat", "10", "--only", "sk_storage");
        assertEquals("0", r[0], r[1] + r[2]);
        // the stand-in bench harness has no socket behind skb->sk, so it declines local-storage programs
        assertTrue(r[1].contains("n/a: needs SK_STORAGE"), r[1]);
    }

    @Test
    void unknownProgramIsAClearError() {
        String[] r = run("bench", "--only", "nope");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("--only nope: no such bench program"), r[2]);
    }
}
