package org.ebpf4j.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.elf.ProgramSpec;
import org.ebpf4j.kernel.prog.AttachBtf;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * attach_btf_id of BTF-targeted programs against the running kernel's vmlinux BTF, as libbpf's
 * {@code libbpf_find_attach_btf_id()} / {@code find_kernel_btf_id()} (tools/lib/bpf/libbpf.c)
 * computes it before BPF_PROG_LOAD: tp_btf names the TYPEDEF {@code btf_trace_<name>},
 * fentry/fexit/fmod_ret the FUNC {@code <name>}, lsm the FUNC {@code bpf_lsm_<name>} and iter the
 * FUNC {@code bpf_iter_<name>} ({@code btf_attach_type_prefix}). Only vmlinux is searched: module
 * BTF (attach_btf_obj_fd) is not, so a target living in a module is ESRCH here.
 *
 * <p>{@code /sys/kernel/btf/vmlinux} (~5 MB on 6.18) is read and parsed with {@link Btf} once, on
 * the first program that needs it, and kept for the instance's life (one per {@link HostLoader}).
 */
public final class HostAttachBtf {
    /** Where the kernel exposes its own BTF (CONFIG_DEBUG_INFO_BTF, kernel/bpf/sysfs_btf.c). */
    public static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    private final Path source;
    private Btf vmlinux;

    public HostAttachBtf() { this(VMLINUX); }

    /** Resolves against the raw BTF at {@code source} (tests use another file). */
    public HostAttachBtf(Path source) { this.source = source; }

    /**
     * The attach_btf_id {@code p} needs, 0 when its section names no kernel BTF target.
     *
     * @throws BpfException ESRCH naming the missing type, as libbpf's "failed to find kernel BTF
     *                      type ID of '...'"; ESRCH too when the kernel exposes no BTF
     */
    public int attachBtfId(ProgramSpec p) {
        AttachType eat = p.expectedAttachType();
        boolean rawTp = eat == AttachType.TRACE_RAW_TP;
        boolean iter = eat == AttachType.TRACE_ITER;
        boolean func = AttachBtf.funcTarget(p.progType(), eat);
        if (!p.kind().attachBtf() || !rawTp && !iter && !func) {
            return 0;   // lsm_cgroup and freplace targets are not resolved (as in BpfObject)
        }
        String target = p.attachTarget();
        if (target == null || target.isEmpty()) {
            throw new BpfException(Errno.ESRCH, "program '" + p.name() + "' (SEC(\"" + p.sectionName()
                    + "\")): no attach target named; libbpf needs bpf_program__set_attach_target()");
        }
        String prefix = rawTp ? "btf_trace_" : eat == AttachType.LSM_MAC ? AttachBtf.BPF_LSM_PREFIX
                : iter ? "bpf_iter_" : "";
        Class<? extends BtfType> kind = rawTp ? BtfType.Typedef.class : BtfType.Func.class;
        return vmlinux().findByName(prefix + target, kind).map(BtfType::id).orElseThrow(() -> new BpfException(
                Errno.ESRCH, "program '" + p.name() + "': failed to find kernel BTF type ID of '" + target
                        + "' (no " + (rawTp ? "TYPEDEF" : "FUNC") + " '" + prefix + target + "' in " + source + ")"));
    }

    /**
     * The BTF CO-RE relocations are applied against for host loads (libbpf's
     * {@code bpf_object__relocate_core()} uses vmlinux): the running kernel's, or the model
     * kernel's when the host exposes none (its offsets may then not match this kernel).
     */
    public Btf coreTarget() {
        return vmlinux != null || Files.isReadable(source) ? vmlinux() : Btf.modelKernel();
    }

    /** The parsed vmlinux BTF, read on first use. */
    public Btf vmlinux() {
        if (vmlinux == null) {
            if (!Files.isReadable(source)) {
                throw new BpfException(Errno.ESRCH, source + " is not readable: the kernel exposes no BTF "
                        + "(CONFIG_DEBUG_INFO_BTF), so BTF attach targets cannot be resolved");
            }
            try {
                vmlinux = Btf.parse(Files.readAllBytes(source));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + source + ": " + e.getMessage(), e);
            }
        }
        return vmlinux;
    }
}
