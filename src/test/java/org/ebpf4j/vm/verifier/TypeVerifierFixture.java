package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * Runs the structural pass and then the type verifier the way PROG_LOAD does: map ld_imm64s
 * (BPF_PSEUDO_MAP_IDX / _IDX_VALUE naming {@code maps[idx]}) become plain addresses first, and the
 * verifier learns the maps by instruction index.
 */
final class TypeVerifierFixture {
    private TypeVerifierFixture() {}

    /** Every helper id Linux 6.18 defines, so the structural pass never objects to an id. */
    static HelperTable allHelpers() {
        HelperTable t = new HelperTable();
        // the generic kfuncs, bound to the model kernel BTF (their bodies are never run here)
        new org.ebpf4j.kernel.kfunc.GenericKfuncs(id -> 0, addr -> false, pid -> null).registerInto(t.kfuncs(), org.ebpf4j.btf.Btf.modelKernel());
        for (int id = 1; id < 212; id++) {
            t.register(new HelperProto(id, "helper" + id, (s, a, b, c, d, e) -> 0));
        }
        return t;
    }

    /** Context rules close enough to the kernel's for the test programs (prog owns the real tables). */
    static CtxRules ctxRules(ProgType type) {
        return switch (type) {
            case SOCKET_FILTER, SCHED_CLS, SCHED_ACT, CGROUP_SKB -> CtxFields.typed(type, (off, size, write) -> {
                if (off < 0 || off + size > 192 || off % size != 0) {
                    return false;
                }
                boolean cb = off >= 48 && off < 68;
                if (write) {
                    return cb || (type != ProgType.SOCKET_FILTER && (off == 8 || off == 32));
                }
                if (type == ProgType.SOCKET_FILTER && (off == 76 || off == 80 || off == 140)) {
                    return false;
                }
                return true;
            });
            case XDP -> CtxFields.typed(type, (off, size, write) -> !write && off >= 0 && off + size <= 24 && size == 4
                    && off % 4 == 0);
            case KPROBE -> CtxFields.typed(type, (off, size, write) -> !write && off >= 0 && off + size <= 168
                    && off % size == 0);
            case CGROUP_SOCK -> CtxFields.typed(type, (off, size, write) -> off >= 0 && off + size <= 80 && off % size == 0);
            case CGROUP_SOCK_ADDR -> CtxFields.typed(type, (off, size, write) -> off >= 0 && off + size <= 72
                    && off % size == 0);
            case CGROUP_SOCKOPT -> CtxFields.typed(type, (off, size, write) -> off >= 0 && off + size <= 40
                    && off % size == 0);
            case TRACING, LSM, RAW_TRACEPOINT -> CtxFields.typed(type, (off, size, write) -> !write && off >= 0
                    && off < 96 && off % size == 0);
            default -> CtxFields.typed(type, (off, size, write) -> off >= 0 && off + size <= 4096 && off % size == 0);
        };
    }

    record Prepared(VerifiedProgram prog, ProgContext ctx) {}

    static Prepared prepare(String name, ProgType type, AttachType attach, List<Insn> insns, List<MapDesc> maps,
                            Btf btf) {
        return prepare(name, type, attach, insns, maps, btf, ctxRules(type));
    }

    /** As above with the context rules given (a fentry/fexit/lsm program's, typed from its target's BTF). */
    static Prepared prepare(String name, ProgType type, AttachType attach, List<Insn> insns, List<MapDesc> maps,
                            Btf btf, CtxRules rules) {
        List<Insn> out = new ArrayList<>(insns);
        Map<Integer, MapDesc> mapAt = new HashMap<>();
        Map<Integer, Integer> valueOff = new HashMap<>();
        for (int i = 0; i + 1 < out.size(); i++) {
            Insn in = out.get(i);
            if (in.opcode() != LD_IMM64) {
                continue;
            }
            int src = in.src();
            if (src == BPF_PSEUDO_MAP_IDX || src == BPF_PSEUDO_MAP_IDX_VALUE || src == BPF_PSEUDO_MAP_FD
                    || src == BPF_PSEUDO_MAP_VALUE) {
                if (in.imm() < 0 || in.imm() >= maps.size()) {
                    throw new IllegalArgumentException(name + ": insn " + i + " names map " + in.imm() + " of " + maps.size());
                }
                mapAt.put(i, maps.get(in.imm()));
                if (src == BPF_PSEUDO_MAP_IDX_VALUE || src == BPF_PSEUDO_MAP_VALUE) {
                    valueOff.put(i, out.get(i + 1).imm());
                }
                long addr = 0x1000_0000L + 0x1000L * in.imm();
                out.set(i, Insn.of(LD_IMM64, in.dst(), 0, 0, (int) addr));
                out.set(i + 1, Insn.of(0, 0, 0, 0, (int) (addr >>> 32)));
            }
            i++;
        }
        // Helper ids are checked on the paths the type verifier walks (as the kernel does), so
        // libbpf's CO-RE poison calls (0xbad2310) in dead code are no error.
        VerifiedProgram vp = new StructuralVerifier(allHelpers(), java.util.Set.of(org.ebpf4j.vm.VerifierOption.HELPER_IDS_ON_PATHS))
                .verify(new ProgramImage(name, out));
        ProgContext pc = new ProgContext(type, attach, rules, mapAt, valueOff, btf, 1);
        return new Prepared(vp, pc);
    }

    static TypeVerifier.Result verify(Prepared p) { return TypeVerifier.verify(p.prog(), p.ctx()); }
}
