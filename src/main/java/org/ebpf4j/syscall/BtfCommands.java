package org.ebpf4j.syscall;

import org.ebpf4j.btf.Btf;
import org.ebpf4j.kernel.BtfObject;
import org.ebpf4j.kernel.Cap;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/** BPF_BTF_LOAD ({@code bpf_btf_load} in kernel/bpf/syscall.c, {@code btf_parse} in btf.c). */
final class BtfCommands {
    /** {@code BTF_MAX_SIZE}: 16 MiB. */
    static final int BTF_MAX_SIZE = 16 << 20;
    /** {@code BPF_LOG_MASK}: LEVEL1 | LEVEL2 | STATS | FIXED. */
    static final int BPF_LOG_MASK = 0xf;

    private final Runtime rt;

    BtfCommands(Runtime rt) { this.rt = rt; }

    int load(Task task, BtfLoadAttr a) {
        if ((a.btfFlags() & ~MapFlags.BPF_F_TOKEN_FD) != 0) {
            throw new BpfException(Errno.EINVAL, "btf_flags 0x" + Integer.toHexString(a.btfFlags()) + ": unknown bits");
        }
        if ((a.btfFlags() & MapFlags.BPF_F_TOKEN_FD) != 0) {
            throw new BpfException(Errno.EINVAL, "btf_flags BPF_F_TOKEN_FD: BPF tokens are not modelled");
        }
        if (!task.capable(Cap.BPF)) {
            throw new BpfException(Errno.EPERM, "BPF_BTF_LOAD needs CAP_BPF (uid " + task.uid() + ")");
        }
        // bpf_vlog_init
        if (a.logSize() < 0 || (a.logSize() > 0 && a.logLevel() == 0)) {
            throw new BpfException(Errno.EINVAL, "btf_log_size " + a.logSize() + " with btf_log_level " + a.logLevel());
        }
        if ((a.logLevel() & ~BPF_LOG_MASK) != 0) {
            throw new BpfException(Errno.EINVAL, "btf_log_level 0x" + Integer.toHexString(a.logLevel()) + ": unknown bits");
        }
        if (a.logLevel() != 0 && a.logSize() == 0) {
            throw new BpfException(Errno.EINVAL, "btf_log_level " + a.logLevel() + " without a log buffer");
        }
        byte[] data = a.btf();
        if (data == null || data.length == 0) {
            throw new BpfException(Errno.EINVAL, "btf: no data (btf_size 0)");
        }
        if (data.length > BTF_MAX_SIZE) {
            throw new BpfException(Errno.E2BIG, "btf_size " + data.length + " > BTF_MAX_SIZE " + BTF_MAX_SIZE);
        }
        Btf btf;
        try {
            btf = Btf.parse(data);
        } catch (RuntimeException e) {   // BtfFormatException and the parser's range checks
            String log = String.valueOf(e.getMessage());
            if (a.logSize() > 0 && log.length() > a.logSize() - 1) {
                log = log.substring(0, Math.max(0, a.logSize() - 1));
            }
            throw new BpfException(Errno.EINVAL, "BTF rejected; log: " + log);
        }
        BtfObject obj = rt.newBtf(btf, data, task.origin("BPF_BTF_LOAD"));
        return Fds.install(task, new File.BtfFile(obj, File.FMODE_RDWR));
    }
}
