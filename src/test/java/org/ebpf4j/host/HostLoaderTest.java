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
}
