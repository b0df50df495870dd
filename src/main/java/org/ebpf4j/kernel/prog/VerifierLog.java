package org.ebpf4j.kernel.prog;

import java.nio.charset.StandardCharsets;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * The verifier log ({@code struct bpf_verifier_log}, kernel/bpf/log.c): {@code bpf_vlog_init}'s
 * attribute rules and {@code bpf_vlog_finalize}'s truncation. By default the log rotates (the
 * buffer ends up with the <em>last</em> {@code log_size - 1} bytes); with BPF_LOG_FIXED it keeps
 * the first ones. Either way a log that did not fit makes the load fail with ENOSPC, which
 * replaces any verifier error (observed on 6.18: a rejected program with a 10-byte buffer gives
 * ENOSPC, not EACCES).
 */
final class VerifierLog {
    static final int BPF_LOG_LEVEL1 = 1;
    static final int BPF_LOG_LEVEL2 = 2;
    static final int BPF_LOG_STATS = 4;
    static final int BPF_LOG_FIXED = 8;
    static final int BPF_LOG_MASK = BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2 | BPF_LOG_STATS | BPF_LOG_FIXED;

    private final int level;
    private final byte[] buf;
    private final int size;
    private final StringBuilder text = new StringBuilder();

    /** {@code bpf_vlog_init} + {@code bpf_verifier_log_attr_valid}: EINVAL for a bad combination. */
    VerifierLog(int level, byte[] buf, int size) {
        if ((buf != null) != (size != 0)) {
            throw new BpfException(Errno.EINVAL, "log_buf and log_size must be given together (log_size " + size + ")");
        }
        if (buf != null && level == 0) {
            throw new BpfException(Errno.EINVAL, "log_buf without log_level");
        }
        if ((level & ~BPF_LOG_MASK) != 0) {
            throw new BpfException(Errno.EINVAL, "log_level 0x" + Integer.toHexString(level) + " has unknown bits");
        }
        if (Integer.toUnsignedLong(size) > (0xffffffffL >>> 2)) {
            throw new BpfException(Errno.EINVAL, "log_size " + Integer.toUnsignedString(size) + " is over UINT_MAX >> 2");
        }
        if (buf != null && Integer.toUnsignedLong(size) > buf.length) {
            throw new BpfException(Errno.EFAULT, "log_size " + size + " is larger than the " + buf.length + "-byte log_buf");
        }
        this.level = level;
        this.buf = buf;
        this.size = size;
    }

    boolean enabled() { return level != 0; }

    void append(String s) {
        if (level != 0) {
            text.append(s);
        }
    }

    String text() { return text.toString(); }

    /** {@code bpf_vlog_finalize}: copies into the user buffer; ENOSPC if it did not fit. */
    Errno finalizeLog() {
        if (buf == null) {
            return null;
        }
        byte[] all = text.toString().getBytes(StandardCharsets.UTF_8);
        int room = size - 1;
        boolean fits = all.length <= room;
        int n = Math.min(all.length, room);
        int from = fits || (level & BPF_LOG_FIXED) != 0 ? 0 : all.length - n;
        System.arraycopy(all, from, buf, 0, n);
        buf[n] = 0;
        return fits ? null : Errno.ENOSPC;
    }

    /** The line every log ends with ({@code print_verification_stats}). */
    static String statsLine(int processed) {
        return "processed " + processed + " insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n";
    }
}
