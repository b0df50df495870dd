package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.elf.Kconfig;
import org.ebpf4j.elf.MapSpec;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.elf.ObjectSpec;
import org.ebpf4j.elf.ProgramSpec;
import org.ebpf4j.elf.Relocation;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.VerifierException;

/**
 * A timing harness, not a test: verifies every program of the corpus objects (the ones
 * {@link TypeVerifierCorpusTest} checks) {@code rounds} times and prints, per program, the best
 * thread CPU time (wall time on the shared 2-vCPU machine counts other processes' turns) and the
 * processed-instruction count, tab-separated. Run with
 * {@code java -cp target/classes:target/test-classes:<deps> org.ebpf4j.vm.verifier.VerifierTiming [rounds] [filter] [log_level]}
 * (a log level prints each log; use one round).
 */
public final class VerifierTiming {
    private VerifierTiming() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String filter = args.length > 1 ? args[1] : "";
        int logLevel = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        Btf btf = Btf.modelKernel();
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        System.out.println("object\tsection\tprogram\tinsns\tprocessed\tstates\tbest_cpu_ms");
        for (Path obj : TypeVerifierCorpusTest.objects()) {
            if (!obj.toString().contains(filter)) {
                continue;
            }
            ObjectSpec spec = ObjectReader.read(Files.readAllBytes(obj), obj.toString(), Kconfig.model(), btf);
            for (ProgramSpec p : spec.programs()) {
                if (p.progType() == null || p.progType() == ProgType.UNSPEC) {
                    continue;
                }
                TypeVerifierFixture.Prepared prep = prepare(spec, p, btf);
                long best = Long.MAX_VALUE;
                String outcome = "";
                for (int r = 0; r < rounds; r++) {
                    long t0 = cpu.getCurrentThreadCpuTime();
                    try {
                        TypeVerifier.Result res = TypeVerifierFixture.verify(new TypeVerifierFixture.Prepared(prep.prog(),
                                prep.ctx().withLogLevel(logLevel)));
                        if (logLevel != 0) {
                            System.out.print(res.log());
                        }
                        outcome = res.processedInsns() + "\t" + res.totalStates();
                    } catch (VerifierException e) {
                        outcome = "REJECT " + e.getMessage() + "\t-";
                    }
                    best = Math.min(best, cpu.getCurrentThreadCpuTime() - t0);
                }
                System.out.printf("%s\t%s\t%s\t%d\t%s\t%.3f%n", obj, p.sectionName(), p.name(), p.insns().size(), outcome,
                        best / 1e6);
            }
        }
    }

    static TypeVerifierFixture.Prepared prepare(ObjectSpec spec, ProgramSpec p, Btf btf) {
        List<MapDesc> maps = new ArrayList<>();
        List<Insn> insns = new ArrayList<>(p.insns());
        for (Relocation r : p.relocations()) {
            if (!(r instanceof Relocation.MapRef ref)) {
                continue;
            }
            MapSpec m = spec.map(ref.map()).orElseThrow();
            int idx = maps.size();
            MapSpec in = m.innerMap();
            maps.add(new MapDesc(m.type().value(), m.name(), m.keySize(), m.valueSize(), m.maxEntries(),
                    in == null ? null : new MapDesc(in.type().value(), in.name(), in.keySize(), in.valueSize(), in.maxEntries())));
            Insn old = insns.get(ref.insn());
            boolean value = ref.kind() == Relocation.MapRefKind.MAP_VALUE;
            insns.set(ref.insn(), Insn.of(LD_IMM64, old.dst(), value ? BPF_PSEUDO_MAP_IDX_VALUE : BPF_PSEUDO_MAP_IDX, 0, idx));
            insns.set(ref.insn() + 1, Insn.of(0, 0, 0, 0, value ? (int) ref.offset() : 0));
        }
        return TypeVerifierFixture.prepare(p.name(), p.progType(), p.expectedAttachType(), insns, maps, btf);
    }
}
