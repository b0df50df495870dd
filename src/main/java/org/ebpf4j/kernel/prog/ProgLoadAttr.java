package org.ebpf4j.kernel.prog;

import java.util.List;
import org.ebpf4j.isa.Insn;

/**
 * BPF_PROG_LOAD's part of {@code union bpf_attr} (include/uapi/linux/bpf.h), raw as user space
 * passes it: numbers are numbers (an unknown program type gets EINVAL), fds are the loading
 * task's. {@code insns} or {@code license} null stand for a bad user pointer (EFAULT).
 *
 * @param logBuf   the user's log buffer, or null; the loader writes the verifier log into it
 *                 (NUL-terminated) as the kernel writes into user memory
 * @param logSize  {@code log_size}: how much of {@code logBuf} the kernel may use
 * @param fdArray  {@code fd_array}: map fds for BPF_PSEUDO_MAP_IDX / MAP_IDX_VALUE, or null
 */
public record ProgLoadAttr(int progType, List<Insn> insns, String license, int logLevel, byte[] logBuf,
                           int logSize, int kernVersion, int progFlags, String progName, int progIfindex,
                           int expectedAttachType, int progBtfFd, int attachBtfId, int attachProgFd,
                           int[] fdArray) {

    public ProgLoadAttr {
        insns = insns == null ? null : List.copyOf(insns);
        progName = progName == null ? "" : progName;
    }

    /** The common case: no log, no flags, no BTF. */
    public static ProgLoadAttr of(int progType, List<Insn> insns, String license) {
        return new ProgLoadAttr(progType, insns, license, 0, null, 0, 0, 0, "", 0, 0, 0, 0, 0, null);
    }

    public ProgLoadAttr withName(String name) {
        return new ProgLoadAttr(progType, insns, license, logLevel, logBuf, logSize, kernVersion, progFlags, name,
                progIfindex, expectedAttachType, progBtfFd, attachBtfId, attachProgFd, fdArray);
    }

    public ProgLoadAttr withExpectedAttachType(int eat) {
        return new ProgLoadAttr(progType, insns, license, logLevel, logBuf, logSize, kernVersion, progFlags, progName,
                progIfindex, eat, progBtfFd, attachBtfId, attachProgFd, fdArray);
    }

    public ProgLoadAttr withLog(int level, byte[] buf, int size) {
        return new ProgLoadAttr(progType, insns, license, level, buf, size, kernVersion, progFlags, progName,
                progIfindex, expectedAttachType, progBtfFd, attachBtfId, attachProgFd, fdArray);
    }

    public ProgLoadAttr withProgFlags(int flags) {
        return new ProgLoadAttr(progType, insns, license, logLevel, logBuf, logSize, kernVersion, flags, progName,
                progIfindex, expectedAttachType, progBtfFd, attachBtfId, attachProgFd, fdArray);
    }

    public ProgLoadAttr withFdArray(int[] fds) {
        return new ProgLoadAttr(progType, insns, license, logLevel, logBuf, logSize, kernVersion, progFlags, progName,
                progIfindex, expectedAttachType, progBtfFd, attachBtfId, attachProgFd, fds);
    }
}
