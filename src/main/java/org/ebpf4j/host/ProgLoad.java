package org.ebpf4j.host;

import java.util.List;
import java.util.Objects;
import org.ebpf4j.elf.FuncInfo;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;

/**
 * The BPF_PROG_LOAD fields ebpf4j passes to the host kernel. The verifier log is always
 * requested on failure: {@link HostBpf#progLoad} retries with log_level 1 when the first attempt
 * (log_level 0, as libbpf does for speed) is refused, and puts the log in the exception.
 *
 * @param expectedAttachType null for 0 (the kernel's default for types that need none)
 * @param progBtfFd          the object's BTF fd, 0 for none
 * @param funcInfo           bpf_func_info records (need progBtfFd); the verifier demands them for
 *                           callbacks such as bpf_loop's ("missing btf func_info")
 * @param attachBtfId        the target's type id in the running kernel's vmlinux BTF (tp_btf,
 *                           fentry/fexit/fmod_ret, lsm, iter), 0 for none; see {@link HostAttachBtf}
 */
public record ProgLoad(ProgType type, List<Insn> insns, String license, String name,
                       AttachType expectedAttachType, int progFlags, int kernVersion, int progBtfFd,
                       List<FuncInfo> funcInfo, int attachBtfId) {
    public ProgLoad {
        Objects.requireNonNull(type, "type");
        insns = List.copyOf(insns);
        license = license == null ? "" : license;
        name = name == null ? "" : name;
        funcInfo = funcInfo == null ? List.of() : List.copyOf(funcInfo);
        if (!funcInfo.isEmpty() && progBtfFd <= 0) {
            throw new IllegalArgumentException("prog_load " + name + ": func_info needs a prog_btf_fd");
        }
    }

    /** A program that names no kernel BTF target (attach_btf_id 0). */
    public ProgLoad(ProgType type, List<Insn> insns, String license, String name, AttachType expectedAttachType,
                    int progFlags, int kernVersion, int progBtfFd, List<FuncInfo> funcInfo) {
        this(type, insns, license, name, expectedAttachType, progFlags, kernVersion, progBtfFd, funcInfo, 0);
    }

    public static ProgLoad of(ProgType type, List<Insn> insns, String license) {
        return new ProgLoad(type, insns, license, "", null, 0, 0, 0, List.of());
    }
}
