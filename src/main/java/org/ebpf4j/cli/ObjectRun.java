package org.ebpf4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.Program;
import org.ebpf4j.kernel.prog.ProgEnv;
import org.ebpf4j.kernel.prog.ProgTypes;
import org.ebpf4j.kernel.prog.TestRunAttr;
import org.ebpf4j.kernel.prog.TestRunKind;

/** What the running verbs share: opening an object on the chosen engine and building a test run's input. */
final class ObjectRun {
    private ObjectRun() {}

    /** Default frame for skb/xdp programs when no --data-in is given: 64 zero bytes. */
    static final int DEFAULT_FRAME = 64;

    static BpfObject open(Path obj, EngineChoice engine) {
        if (!Files.isRegularFile(obj)) {
            throw new IllegalArgumentException(obj + " is not a file");
        }
        return BpfObject.open(obj, env -> env.setDefaultEngine(
                engine == EngineChoice.interp ? ProgEnv.EngineKind.INTERPRETER : ProgEnv.EngineKind.JIT));
    }

    static byte[] read(Path p, String what) {
        if (p == null) {
            return null;
        }
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + what + " " + p + ": " + e.getMessage(), e);
        }
    }

    /** The attr for one test run: data for skb/xdp (default a zero frame), ctx for raw_tp/syscall. */
    static TestRunAttr attr(Program p, byte[] dataIn, byte[] ctxIn, int repeat) {
        TestRunKind kind = ProgTypes.row(p.spec().progType()).testRun();
        return switch (kind) {
            case RAW_TP -> TestRunAttr.ofCtx(p.fd(), ctxIn != null ? ctxIn : new byte[96]);
            case SYSCALL -> TestRunAttr.ofCtx(p.fd(), ctxIn != null ? ctxIn : new byte[64]);
            default -> {
                byte[] data = dataIn != null ? dataIn : new byte[DEFAULT_FRAME];
                TestRunAttr a = new TestRunAttr(p.fd(), data, 0, ctxIn, null, repeat, 0, 0, 0, 0);
                yield ctxIn == null ? a : a.withCtx(ctxIn, ctxIn.length);
            }
        };
    }

    /** bpftool-style hex dump: 16 bytes a line. */
    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        HexFormat h = HexFormat.of();
        for (int i = 0; i < b.length; i += 16) {
            sb.append(String.format("%04x: ", i));
            for (int j = i; j < Math.min(b.length, i + 16); j++) {
                sb.append(h.toHexDigits(b[j])).append(j + 1 < Math.min(b.length, i + 16) ? " " : "");
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
