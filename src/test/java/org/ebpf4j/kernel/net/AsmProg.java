package org.ebpf4j.kernel.net;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.ebpf4j.isa.TextAssembler;
import org.ebpf4j.kernel.cgroup.CgRunCtx;
import org.ebpf4j.kernel.cgroup.CgroupProg;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.ProgramImage;

/**
 * A real BPF program (bpf_conformance assembly, run by the interpreter) as the cgroup attach
 * code sees it, standing in for a PROG_LOAD'ed program. {@link #runs} counts runs from Java so
 * tests can check which hooks fired without a map.
 */
final class AsmProg implements CgroupProg {
    private static final AtomicInteger IDS = new AtomicInteger(100);   // test-only ids; fine across tests

    final AtomicLong runs = new AtomicLong();
    private final int id = IDS.incrementAndGet();
    private final ProgType type;
    private final AttachType eat;
    private final Executable exe;
    private final AtomicLong refs = new AtomicLong(1);

    AsmProg(Engine engine, ProgType type, AttachType eat, String asm) {
        this.type = type;
        this.eat = eat;
        this.exe = engine.load(new ProgramImage("t" + id, TextAssembler.assemble(asm)));
    }

    @Override public int id() { return id; }

    @Override public ProgType type() { return type; }

    @Override public AttachType expectedAttachType() { return eat; }

    @Override public String tagHex() { return "0000000000000000"; }

    @Override
    public long run(long ctx, CgRunCtx runCtx) {
        runs.incrementAndGet();
        return exe.run(ctx);
    }

    @Override public void inc() { refs.incrementAndGet(); }

    @Override public void put() { refs.decrementAndGet(); }
}
