package org.ebpf4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ebpf4j} command, in the spirit of bpftool: one class per verb. A verb that meets
 * bad input prints one clear line and exits non-zero; a stack trace is never shown to a user
 * (set EBPF4J_DEBUG=1 to see one).
 */
@Command(name = "ebpf4j", mixinStandardHelpOptions = true, version = "ebpf4j 0.1.0",
        description = "The Linux BPF subsystem inside a JVM.",
        subcommands = {
            CommandLine.HelpCommand.class,
            BenchCommand.class,
            ConformanceCommand.class,
            DumpCommand.class,
            ScenarioCommand.class,
            TestRunCommand.class,
            MapCommand.class,
            TraceCommand.class,
            IterCommand.class,
            DemoCommand.class,
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (System.getenv("EBPF4J_DEBUG") != null) {
                ex.printStackTrace();
            }
            cmd.getErr().println("ebpf4j " + cmd.getCommandName() + ": " + describe(ex));
            return 1;
        });
        return cl;
    }

    static String describe(Throwable ex) {
        String msg = ex.getMessage();
        return msg != null && !msg.isBlank() ? msg : ex.getClass().getSimpleName();
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
