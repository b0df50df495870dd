package org.ebpf4j.kernel.prog;

import java.util.List;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.function.Executable;

/** A small runtime with one root task and the bpf(2) surface, for program tests. */
final class ProgFixture implements AutoCloseable {
    final Runtime rt;
    final Task task;
    final KernelBpf bpf;

    ProgFixture() {
        rt = Runtime.builder().arenaSize(64L << 20).cpus(2).build();
        task = rt.spawn("progtest", 0, 0);
        bpf = new KernelBpf(rt);
    }

    int load(ProgType type, List<Insn> insns) {
        return bpf.progLoad(task, ProgLoadAttr.of(type.value(), insns, "GPL"));
    }

    BpfProg prog(int fd) {
        return (BpfProg) ((org.ebpf4j.kernel.File.ProgFile) task.fds().get(fd)).prog();
    }

    static BpfException expect(Errno errno, Executable body) {
        BpfException e = Assertions.assertThrows(BpfException.class, body);
        Assertions.assertEquals(errno, e.errno(), e.getMessage());
        return e;
    }

    static byte[] le32(int v) { return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)}; }

    static byte[] le64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    static long u64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }

    @Override
    public void close() { rt.close(); }
}
