package org.ebpf4j.host;

import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.elf.ProgramKind;
import org.ebpf4j.elf.ProgramSpec;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HostAttachBtf}'s libbpf_find_attach_btf_id() rules, against the model kernel's BTF
 * written to a file (runs everywhere; the host loads are in {@link HostLoaderTest}).
 */
class HostAttachBtfTest {
    @TempDir
    Path dir;

    private HostAttachBtf modelKernel() throws Exception {
        Path f = dir.resolve("vmlinux");
        try (InputStream in = Btf.class.getResourceAsStream(Btf.MODEL_KERNEL_RESOURCE)) {
            Files.write(f, in.readAllBytes());
        }
        return new HostAttachBtf(f);
    }

    private static ProgramSpec prog(ProgType type, AttachType eat, String target) {
        return new ProgramSpec("p", "sec/" + target, new ProgramKind(type, eat, target, true, false, false, true),
                List.of(), List.of(), List.of(), List.of(), List.of());
    }

    @Test
    void prefixesPerAttachType() throws Exception {
        HostAttachBtf a = modelKernel();
        Btf k = a.vmlinux();
        int tp = k.findByName("btf_trace_sys_enter", BtfType.Typedef.class).orElseThrow().id();
        assertEquals(tp, a.attachBtfId(prog(ProgType.TRACING, AttachType.TRACE_RAW_TP, "sys_enter")),
                "tp_btf/X: TYPEDEF btf_trace_X");
        int lsm = k.findByName("bpf_lsm_socket_bind", BtfType.Func.class).orElseThrow().id();
        assertEquals(lsm, a.attachBtfId(prog(ProgType.LSM, AttachType.LSM_MAC, "socket_bind")), "lsm/X: FUNC bpf_lsm_X");
        int fentry = k.findByName("bpf_fentry_test1", BtfType.Func.class).orElseThrow().id();
        assertEquals(fentry, a.attachBtfId(prog(ProgType.TRACING, AttachType.TRACE_FENTRY, "bpf_fentry_test1")),
                "fentry/X: FUNC X");
        int iter = k.findByName("bpf_iter_task", BtfType.Func.class).orElseThrow().id();
        assertEquals(iter, a.attachBtfId(prog(ProgType.TRACING, AttachType.TRACE_ITER, "task")), "iter/X: FUNC bpf_iter_X");
        assertSame(k, a.vmlinux(), "parsed once per instance");
    }

    @Test
    void missingTargetIsEsrchNamingIt() throws Exception {
        BpfException e = assertThrows(BpfException.class,
                () -> modelKernel().attachBtfId(prog(ProgType.TRACING, AttachType.TRACE_FENTRY, "no_such_function")));
        assertEquals(Errno.ESRCH, e.errno());
        assertTrue(e.getMessage().contains("'no_such_function'"), e.getMessage());
    }

    @Test
    void programsWithoutBtfTargetNeedNone() throws Exception {
        ProgramSpec xdp = new ProgramSpec("x", "xdp", new ProgramKind(ProgType.XDP, null, "", false, false, false, true),
                List.of(), List.of(), List.of(), List.of(), List.of());
        assertEquals(0, new HostAttachBtf(dir.resolve("absent")).attachBtfId(xdp), "vmlinux not even read");
    }

    @Test
    void noKernelBtfIsEsrch() {
        BpfException e = assertThrows(BpfException.class, () -> new HostAttachBtf(dir.resolve("absent"))
                .attachBtfId(prog(ProgType.TRACING, AttachType.TRACE_RAW_TP, "sys_enter")));
        assertEquals(Errno.ESRCH, e.errno());
    }
}
