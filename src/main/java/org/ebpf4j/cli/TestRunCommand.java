package org.ebpf4j.cli;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.Program;
import org.ebpf4j.kernel.prog.TestRunAttr;
import org.ebpf4j.kernel.prog.TestRunException;
import org.ebpf4j.kernel.prog.TestRunResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ebpf4j test-run OBJ.o PROG}: as {@code bpftool prog run}: loads the object, runs one
 * program through BPF_PROG_TEST_RUN and prints the return value, the mean duration and what
 * came back in data_out / ctx_out.
 */
@Command(name = "test-run", mixinStandardHelpOptions = true,
        description = "Load OBJ.o and run PROG once (or --repeat times) through BPF_PROG_TEST_RUN.")
final class TestRunCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OBJ.o") Path obj;

    @Parameters(index = "1", paramLabel = "PROG", description = "program (function) name") String prog;

    @Option(names = "--data-in", paramLabel = "FILE", description = "packet bytes (default: 64 zero bytes for skb/xdp programs)")
    Path dataIn;

    @Option(names = "--ctx-in", paramLabel = "FILE", description = "context bytes (__sk_buff, xdp_md, raw_tp args ...)")
    Path ctxIn;

    @Option(names = "--repeat", defaultValue = "1", description = "runs (default ${DEFAULT-VALUE})") int repeat;

    @Option(names = "--engine", defaultValue = "interp", description = "Engine: ${COMPLETION-CANDIDATES}")
    EngineChoice engine;

    @Option(names = "--json", description = "print JSON") boolean json;

    private java.io.PrintWriter out() { return spec.commandLine().getOut(); }

    @Override
    public Integer call() {
        try (BpfObject o = ObjectRun.open(obj, engine)) {
            Program p = o.program(prog);
            TestRunAttr attr = ObjectRun.attr(p, ObjectRun.read(dataIn, "--data-in"), ObjectRun.read(ctxIn, "--ctx-in"), repeat);
            TestRunResult r;
            try {
                r = p.testRun(attr);
            } catch (TestRunException e) {
                r = e.result();
            }
            out().print(json ? json(r) : text(r));
            out().flush();
            return 0;
        }
    }

    static String text(TestRunResult r) {
        StringBuilder sb = new StringBuilder();
        sb.append("Return value: ").append(r.retvalUnsigned()).append(", duration")
                .append(" (average): ").append(Integer.toUnsignedLong(r.duration())).append("ns\n");
        if (r.dataOut() != null && r.dataOut().length > 0) {
            sb.append("data_out (").append(r.dataSizeOut()).append(" bytes):\n").append(ObjectRun.hex(r.dataOut()));
        }
        if (r.ctxOut() != null && r.ctxOut().length > 0) {
            sb.append("ctx_out (").append(r.ctxSizeOut()).append(" bytes):\n").append(ObjectRun.hex(r.ctxOut()));
        }
        return sb.toString();
    }

    static String json(TestRunResult r) {
        HexFormat h = HexFormat.of();
        return "{\"retval\":" + r.retvalUnsigned() + ",\"duration\":" + Integer.toUnsignedLong(r.duration())
                + ",\"data_out\":" + (r.dataOut() == null ? "null" : "\"" + h.formatHex(r.dataOut()) + "\"")
                + ",\"ctx_out\":" + (r.ctxOut() == null ? "null" : "\"" + h.formatHex(r.ctxOut()) + "\"") + "}\n";
    }
}
