package org.ebpf4j.vm.verifier;

import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.VerifierException;

/**
 * check_return_code() of kernel/bpf/verifier.c: the values r0 may hold when a program (or a
 * callback) exits, per program type and expected attach type. Types not listed are unchecked.
 */
final class ReturnRanges {
    private ReturnRanges() {}

    /**
     * {@code struct bpf_retval_range}; {@code return32}: the hook returns an int, so only R0's
     * 32-bit subregister is checked ({@code retval_range_within(range, reg, return_32bit)}: an
     * {@code int} program returning -1 leaves 0xffffffff in R0, a {@code w0 = -1} move).
     */
    record Range(long min, long max, boolean return32) {
        Range(long min, long max) { this(min, max, false); }
    }

    /** The allowed r0 range at the main program's exit, or null when any value is fine. */
    static Range of(ProgType type, AttachType eat) {
        return switch (type) {
            case CGROUP_SKB -> eat == AttachType.CGROUP_INET_EGRESS ? new Range(0, 3) : new Range(0, 1);
            case CGROUP_SOCK_ADDR -> {
                if (eat == null) {
                    yield new Range(0, 1);
                }
                yield switch (eat) {
                    case CGROUP_UDP4_RECVMSG, CGROUP_UDP6_RECVMSG, CGROUP_UNIX_RECVMSG, CGROUP_INET4_GETPEERNAME,
                         CGROUP_INET6_GETPEERNAME, CGROUP_UNIX_GETPEERNAME, CGROUP_INET4_GETSOCKNAME,
                         CGROUP_INET6_GETSOCKNAME, CGROUP_UNIX_GETSOCKNAME -> new Range(1, 1);
                    case CGROUP_INET4_BIND, CGROUP_INET6_BIND -> new Range(0, 3);
                    default -> new Range(0, 1);
                };
            }
            // check_return_code: fentry/fexit programs return 0, an iterator program 0 (next object)
            // or 1 (retry it); fmod_ret and tp_btf any value
            case TRACING -> eat == AttachType.TRACE_FENTRY || eat == AttachType.TRACE_FEXIT ? new Range(0, 0)
                    : eat == AttachType.TRACE_ITER ? new Range(0, 1) : null;
            // bpf_lsm_get_retval_range: 0 or -errno for the int hooks ebpf4j models (none is void or bool)
            case LSM -> eat == AttachType.LSM_MAC ? new Range(-4095, 0, true) : null;
            case CGROUP_SOCK, SOCK_OPS, CGROUP_DEVICE, CGROUP_SYSCTL, CGROUP_SOCKOPT, SK_LOOKUP, NETFILTER -> new Range(0, 1);
            default -> null;
        };
    }

    /** verbose_invalid_scalar() wording. */
    static void check(int insn, RegState r0, Range range, String where) {
        if (range == null) {
            return;
        }
        if (r0.type != RegType.SCALAR) {
            throw new VerifierException(insn, where + " the register R0 is not a known value (" + r0.type.kernelName + ")");
        }
        if (range.return32() && r0.s32min >= range.min() && r0.s32max <= range.max()) {
            return;
        }
        if (!range.return32() && r0.smin >= range.min() && r0.smax <= range.max()) {
            return;
        }
        StringBuilder b = new StringBuilder(where).append(" the register R0 has");
        if (range.return32()) {
            b.append(" smin=").append(r0.s32min).append(" smax=").append(r0.s32max)
                    .append(" should have been in [").append(range.min()).append(", ").append(range.max()).append("]");
            throw new VerifierException(insn, b.toString());
        }
        if (r0.smin > Long.MIN_VALUE) {
            b.append(" smin=").append(r0.smin);
        }
        if (r0.smax < Long.MAX_VALUE) {
            b.append(" smax=").append(r0.smax);
        }
        if (r0.smin == Long.MIN_VALUE && r0.smax == Long.MAX_VALUE) {
            b.append(" unknown scalar value");
        }
        b.append(" should have been in [").append(range.min()).append(", ").append(range.max()).append("]");
        throw new VerifierException(insn, b.toString());
    }
}
