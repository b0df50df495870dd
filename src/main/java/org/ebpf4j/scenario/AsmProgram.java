package org.ebpf4j.scenario;

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
 * A scenario's inline program ({@code prog: NAME, asm: ...}): bpf_conformance assembly run by
 * the runtime's engine, attachable to cgroups. Counts its runs, which {@code runs:} steps read.
 * Stands in for PROG_LOAD'ed programs until scenario steps load ELF objects.
 */
final class AsmProgram implements CgroupProg {
    final String name;
    final AtomicLong runs = new AtomicLong();
    private final int id;
    private final ProgType type;
    private final AttachType eat;
    private final Executable exe;
    private final AtomicLong refs = new AtomicLong(1);

    AsmProgram(int id, String name, ProgType type, AttachType eat, Engine engine, String asm) {
        this.id = id;
        this.name = name;
        this.type = type;
        this.eat = eat;
        this.exe = engine.load(new ProgramImage(name, TextAssembler.assemble(asm)));
    }

    @Override public int id() { return id; }

    @Override public ProgType type() { return type; }

    @Override public AttachType expectedAttachType() { return eat; }

    @Override public String tagHex() { return String.format("%016x", (long) name.hashCode()); }

    @Override
    public long run(long ctx, CgRunCtx runCtx) {
        runs.incrementAndGet();
        return exe.run(ctx);
    }

    @Override public void inc() { refs.incrementAndGet(); }

    @Override public void put() { refs.decrementAndGet(); }
}
