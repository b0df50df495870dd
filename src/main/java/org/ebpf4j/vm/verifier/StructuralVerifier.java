package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.EnumSet;
import java.util.Set;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.VerifierException;
import org.ebpf4j.vm.VerifierOption;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.vm.helper.KfuncProto;

/**
 * The load-time checks that need no value tracking, in the order kernel/bpf/verifier.c
 * bpf_check() runs them, so that the first complaint is the kernel's (order checked against
 * Linux 6.18 with programs carrying two faults):
 * <ol>
 *   <li>size (syscall.c bpf_prog_load(): empty or over BPF_COMPLEXITY_LIMIT_INSNS);</li>
 *   <li>{@link Subprogs}: call targets, kfuncs, jumps confined to their subprogram, last insn;</li>
 *   <li>{@link LdImmPass}: LDX fields, ld_imm64 pairs, unknown opcodes;</li>
 *   <li>{@link Cfg}: unreachable code, jumps into an ld_imm64;</li>
 *   <li>{@link InsnChecks}: reserved fields, register numbers, frame pointer, helper ids (unless
 *       {@link VerifierOption#HELPER_IDS_ON_PATHS} leaves them to {@link TypeVerifier});</li>
 *   <li>{@link InitDataflow}: reads of registers never written;</li>
 *   <li>{@link Cfg#checkCallDepth}: at most 8 call frames.</li>
 * </ol>
 * What it does not do (the full verifier, later): pointer types, bounds, stack-slot tracking,
 * helper argument types, loop termination.
 */
public final class StructuralVerifier {
    /** kernel/bpf/verifier.c BPF_COMPLEXITY_LIMIT_INSNS: the most slots a privileged load takes. */
    public static final int BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;

    private final HelperTable helpers;
    private final Set<VerifierOption> options;

    public StructuralVerifier(HelperTable helpers, Set<VerifierOption> options) {
        this.helpers = helpers;
        this.options = options.isEmpty() ? EnumSet.noneOf(VerifierOption.class) : EnumSet.copyOf(options);
    }

    public StructuralVerifier(HelperTable helpers) {
        this(helpers, Set.of());
    }

    /** @throws VerifierException naming the first offending slot in the kernel's words */
    public VerifiedProgram verify(ProgramImage image) {
        int len = image.insns().size();
        if (len == 0) {
            throw new VerifierException(0, Errno.E2BIG, "program is empty");
        }
        if (len > BPF_COMPLEXITY_LIMIT_INSNS) {
            throw new VerifierException(BPF_COMPLEXITY_LIMIT_INSNS, Errno.E2BIG, "program too large (" + len
                    + " insns, at most " + BPF_COMPLEXITY_LIMIT_INSNS + ")");
        }
        Slots s = new Slots(image.insns());
        int[] starts = Subprogs.find(s, helpers.kfuncs());
        LdImmPass.run(s);
        Cfg cfg = new Cfg(s, starts);
        cfg.checkReachable(options.contains(VerifierOption.ALLOW_UNREACHABLE));
        new InsnChecks(s, helpers, !options.contains(VerifierOption.ALLOW_CONSTANT_TRAPS),
                !options.contains(VerifierOption.HELPER_IDS_ON_PATHS)).run();
        int entry = 1 << 1;
        if (options.contains(VerifierOption.ENTRY_R2_INITIALISED)) {
            entry |= 1 << 2;
        }
        int mainEnd = !options.contains(VerifierOption.MAIN_EXIT_R0_UNCHECKED) ? 0 : starts.length > 1 ? starts[1] : len;
        new InitDataflow(s, cfg, mainEnd).run(entry);
        cfg.checkCallDepth();

        HelperProto[] helperAt = new HelperProto[len];
        KfuncProto[] kfuncAt = new KfuncProto[len];
        for (int i = 0; i < len; i++) {
            if (!s.second[i] && s.isHelperCall(i)) {
                helperAt[i] = helpers.lookup(s.imm[i]);
            } else if (!s.second[i] && s.code[i] == (BPF_JMP | BPF_CALL) && s.src[i] == BPF_PSEUDO_KFUNC_CALL) {
                kfuncAt[i] = helpers.kfuncs().lookup(s.imm[i]);   // Subprogs checked it resolves
                helperAt[i] = kfuncAt[i].asCallTarget();
            }
        }
        return new VerifiedProgram(image, starts, helperAt, kfuncAt);
    }
}
