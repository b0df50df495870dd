package org.ebpf4j.host;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.elf.ElfFile;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.elf.ObjectSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link HostLoader} with committed objects, against this machine's kernel. */
class HostLoaderTest {
    static HostBpf bpf;

    @BeforeAll
    static void open() {
        bpf = HostTests.hostOrSkip();
    }

    @Test
    void sieveRunsInTheKernel() {
        try (HostObject obj = new HostLoader(bpf).load(Path.of("examples/sieve/sieve.bpf.o"))) {
            TestRun.Result r = obj.testRun("sieve", new byte[64], null, 3);
            assertEquals(502, r.retval(), "primes below 3584");
        }
    }

    @Test
    void globalDataAndProgArrayFromTheBenchObjects() throws Exception {
        // tail_chain: .bss-free, a PROG_ARRAY initialised with the chain link; 33 tail calls
        try (HostObject obj = new HostLoader(bpf).load(Path.of("examples/bench/tail_chain.bpf.o"))) {
            TestRun.Result r = obj.testRun("chain_entry", HostTests.ipv4UdpFrame(64), null, 1);
            assertEquals(33, r.retval(), "MAX_TAIL_CALL_CNT tail calls, counted in skb->cb[0]");
        }
    }

    @Test
    void skStorageMapLoadsWithFixedBtf() {
        try (HostObject obj = new HostLoader(bpf).load(Path.of("examples/bench/sk_counter.bpf.o"))) {
            assertTrue(obj.hasBtf(), "SK_STORAGE needs BTF");
            TestRun.Result r = obj.testRun("sk_storage_count", HostTests.ipv4UdpFrame(64), null, 1);
            assertEquals(1, r.retval(), "a fresh socket per TEST_RUN call: the counter reads 1");
        }
    }

    @Test
    void datasecFixupSetsSizesAndOffsets() throws Exception {
        byte[] bytes = java.nio.file.Files.readAllBytes(Path.of("examples/bench/sk_counter.bpf.o"));
        ObjectSpec spec = ObjectReader.read(bytes, "sk_counter.bpf.o");
        ElfFile elf = ElfFile.parse(bytes, "sk_counter.bpf.o");
        Btf before = spec.btf();
        Btf after = Btf.parse(BtfFixup.fixDatasecs(before, elf));
        BtfType.DataSec maps = (BtfType.DataSec) after.findByName(".maps", BtfType.DataSec.class).orElseThrow();
        assertEquals(elf.section(".maps").size(), maps.size());
        assertTrue(maps.vars().size() >= 2);
        assertNotEquals(maps.vars().get(0).offset(), maps.vars().get(1).offset(), "each map at its own offset");
    }

    @Test
    void unknownProgramIsNamed() {
        try (HostObject obj = new HostLoader(bpf).load(Path.of("examples/sieve/sieve.bpf.o"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> obj.loadProgram("nope"));
            assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("sieve"), e.getMessage());
        }
    }

    /**
     * BTF-targeted programs load with attach_btf_id from /sys/kernel/btf/vmlinux (libbpf's
     * libbpf_find_attach_btf_id): tp_btf, fentry/fmod_ret/fexit, iter. Loaded only, never attached.
     */
    @Test
    void btfTargetedProgramsLoadWithAttachBtfIdFromVmlinux() {
        HostAttachBtf vmlinux = new HostAttachBtf();
        HostLoader loader = new HostLoader(bpf, vmlinux);
        for (String o : new String[] {"task_storage_tp_btf", "iter_sk_storage", "iter_targets"}) {
            try (HostObject obj = loader.load(Path.of("src/test/bpf/" + o + ".bpf.o"))) {
                for (org.ebpf4j.elf.ProgramSpec p : obj.spec().programs()) {
                    assertTrue(vmlinux.attachBtfId(p) > 0, o + "/" + p.name() + " names a vmlinux BTF target");
                    assertTrue(obj.loadProgram(p.name()) > 0, o + "/" + p.name());
                }
            }
        }
    }

    /**
     * fentry/fmod_ret/fexit resolve their FUNC, but this host may refuse trampolines at load: then
     * only EPERM is acceptable (a wrong attach_btf_id would be EINVAL/ESRCH/EACCES from the verifier).
     */
    @Test
    void fentryFamilyLoadsOrIsRefusedWithEpermOnly() {
        HostAttachBtf vmlinux = new HostAttachBtf();
        try (HostObject obj = new HostLoader(bpf, vmlinux).load(Path.of("src/test/bpf/tramp_modify_return.bpf.o"))) {
            for (org.ebpf4j.elf.ProgramSpec p : obj.spec().programs()) {
                assertEquals(vmlinux.vmlinux().findByName("bpf_modify_return_test", org.ebpf4j.btf.BtfType.Func.class)
                        .orElseThrow().id(), vmlinux.attachBtfId(p), p.name());
                try {
                    assertTrue(obj.loadProgram(p.name()) > 0, p.name());
                } catch (org.ebpf4j.uapi.BpfException e) {
                    assertEquals(org.ebpf4j.uapi.Errno.EPERM, e.errno(), e.getMessage());
                }
            }
        }
    }

    @Test
    void missingKernelTargetIsEsrchBeforeProgLoad() throws Exception {
        byte[] bytes = java.nio.file.Files.readAllBytes(Path.of("src/test/bpf/tramp_modify_return.bpf.o"));
        ObjectSpec spec = ObjectReader.read(bytes, "tramp_modify_return.bpf.o");
        org.ebpf4j.elf.ProgramSpec p = spec.programs().get(0);
        org.ebpf4j.elf.ProgramKind k = p.kind();
        org.ebpf4j.elf.ProgramSpec renamed = new org.ebpf4j.elf.ProgramSpec(p.name(), p.sectionName(),
                new org.ebpf4j.elf.ProgramKind(k.progType(), k.expectedAttachType(), "ebpf4j_no_such_fn", true,
                        k.sleepable(), k.xdpFrags(), k.autoload()), p.insns(), p.relocations(), p.funcInfo(),
                p.lineInfo(), p.coreFixups());
        org.ebpf4j.uapi.BpfException e = assertThrows(org.ebpf4j.uapi.BpfException.class,
                () -> new HostAttachBtf().attachBtfId(renamed));
        assertEquals(org.ebpf4j.uapi.Errno.ESRCH, e.errno());
        assertTrue(e.getMessage().contains("ebpf4j_no_such_fn"), e.getMessage());
    }
}
