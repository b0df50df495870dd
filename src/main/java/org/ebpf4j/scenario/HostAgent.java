package org.ebpf4j.scenario;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ebpf4j.host.SockAgent;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * A scenario process on the host: a child JVM running {@link SockAgent} (the same java and class
 * path as this one), spoken to one line at a time. Its answers {@code err ERRNO} become
 * BpfExceptions, so a step fails on the host as it does in the model.
 */
final class HostAgent implements AutoCloseable {
    private final Process process;
    private final BufferedReader in;
    private final PrintStream out;
    final String name;

    private HostAgent(String name, Process process) {
        this.name = name;
        this.process = process;
        this.in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.out = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
    }

    /** Starts an agent and waits until it answers (so it can be moved into its cgroup before it opens anything). */
    static HostAgent start(String name) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xmx64m", "-cp", System.getProperty("java.class.path"), SockAgent.class.getName()));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            HostAgent a = new HostAgent(name, p);
            a.request("pid");
            return a;
        } catch (IOException e) {
            throw new ScenarioException("cannot start the host agent for process '" + name + "': " + e.getMessage());
        }
    }

    long pid() { return process.pid(); }

    /** One request; the value after {@code ok} (null if none); {@code err E} throws BpfException(E). */
    String request(String line) {
        out.println(line);
        String answer;
        try {
            answer = in.readLine();
        } catch (IOException e) {
            answer = null;
        }
        if (answer == null) {
            throw new ScenarioException("host agent '" + name + "' died (request: " + line + ")");
        }
        if (answer.startsWith("ok")) {
            return answer.length() > 3 ? answer.substring(3) : null;
        }
        if (answer.startsWith("err ")) {
            String e = answer.substring(4).strip();
            throw new BpfException(Errno.valueOf(e), line.split(" ")[0] + " in " + name + " on the host: " + e);
        }
        throw new ScenarioException("host agent '" + name + "': " + answer + " (request: " + line + ")");
    }

    /** Ends the agent: end of input first (it exits), then kill; waits so its cgroup is empty for rmdir. */
    @Override
    public void close() {
        out.close();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
