package org.ebpf4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.Program;
import org.ebpf4j.kernel.helpers.TracePipe;
import org.ebpf4j.kernel.prog.TestRunException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ebpf4j trace OBJ.o PROG}: runs PROG and prints what it wrote to the trace pipe
 * ({@code bpf_trace_printk}), in the format of {@code /sys/kernel/tracing/trace_pipe}.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Run PROG of OBJ.o and print its bpf_trace_printk output (the trace pipe).")
final class TraceCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OBJ.o") Path obj;

    @Parameters(index = "1", paramLabel = "PROG") String prog;

    @Option(names = "--data-in", paramLabel = "FILE") Path dataIn;

    @Option(names = "--ctx-in", paramLabel = "FILE") Path ctxIn;

    @Option(names = "--repeat", defaultValue = "1") int repeat;

    @Option(names = "--engine", defaultValue = "interp", description = "Engine: ${COMPLETION-CANDIDATES}")
    EngineChoice engine;

    private java.io.PrintWriter out() { return spec.commandLine().getOut(); }

    @Override
    public Integer call() {
        try (BpfObject o = ObjectRun.open(obj, engine)) {
            Program p = o.program(prog);
            try {
                p.testRun(ObjectRun.attr(p, ObjectRun.read(dataIn, "--data-in"), ObjectRun.read(ctxIn, "--ctx-in"), repeat));
            } catch (TestRunException e) {
                // outputs too small: the run happened, its trace is what we show
            }
            for (TracePipe.Event e : o.tracePipe().read()) {
                out().println(e);
            }
            out().flush();
            return 0;
        }
    }
}
