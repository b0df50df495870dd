package org.ebpf4j.kernel.prog;

import static org.ebpf4j.isa.Opcodes.*;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.ebpf4j.isa.Insn;

/**
 * {@code prog->tag}: {@code bpf_prog_calc_tag()} of kernel/bpf/core.c, the first 8 bytes of a
 * digest of the instructions with the immediates of map-referencing ld_imm64 pairs zeroed (so the
 * tag does not depend on fd numbers). Linux 6.18 digests with SHA-256 (observed on this machine:
 * the sieve example's tag 77c50b5a686699db is the head of the SHA-256 of its 840 bytes; older
 * kernels used SHA-1).
 */
public final class ProgTag {
    private ProgTag() {}

    public static byte[] of(List<Insn> insns) {
        byte[] buf = new byte[insns.size() * 8];
        boolean wasLdMap = false;
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            boolean zeroImm;
            if (wasLdMap) {
                zeroImm = true;
                wasLdMap = false;
            } else if (in.opcode() == LD_IMM64 && (in.src() == BPF_PSEUDO_MAP_FD || in.src() == BPF_PSEUDO_MAP_VALUE
                    || in.src() == BPF_PSEUDO_MAP_IDX || in.src() == BPF_PSEUDO_MAP_IDX_VALUE)) {
                zeroImm = true;
                wasLdMap = true;
            } else {
                zeroImm = false;
            }
            long raw = (zeroImm ? in.withImm(0) : in).encode();
            for (int b = 0; b < 8; b++) {
                buf[i * 8 + b] = (byte) (raw >>> (8 * b));
            }
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(buf);
            return java.util.Arrays.copyOf(d, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public static String hex(byte[] tag) {
        StringBuilder sb = new StringBuilder();
        for (byte b : tag) {
            sb.append(String.format("%02x", b & 0xff));
        }
        return sb.toString();
    }
}
