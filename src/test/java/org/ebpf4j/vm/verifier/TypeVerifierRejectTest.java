package org.ebpf4j.vm.verifier;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.ebpf4j.vm.VerifierException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The catalogue (rejects.txt) against what Linux 6.18 said about each program (kernel-6.18.txt,
 * recorded by src/test/bpf/verifier/verifier_oracle.py on this machine's kernel): the same verdict,
 * the same message and, where the kernel printed one, the same instruction.
 */
class TypeVerifierRejectTest {
    private static final Map<String, RejectCatalogue.KernelVerdict> KERNEL = RejectCatalogue.kernelVerdicts();

    @Test
    void everyCaseHasAKernelVerdictAndTheCatalogueIsLarge() {
        List<RejectCatalogue.Case> cases = RejectCatalogue.cases();
        for (RejectCatalogue.Case c : cases) {
            assertTrue(KERNEL.containsKey(c.name()), "no kernel verdict for " + c.name() + ": rerun verifier_oracle.py");
        }
        long rejected = cases.stream().filter(c -> !KERNEL.get(c.name()).errno().equals("OK")).count();
        assertTrue(rejected >= 40, "only " + rejected + " rejected cases");
    }

    @TestFactory
    Stream<DynamicTest> sameVerdictAsLinux() {
        return RejectCatalogue.cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            RejectCatalogue.KernelVerdict k = KERNEL.get(c.name());
            List<MapDesc> maps = c.maps().stream().map(RejectCatalogue.MapDef::desc).toList();
            if (k.errno().equals("OK")) {
                TypeVerifierFixture.verify(TypeVerifierFixture.prepare(c.name(), c.progType(), c.attachType(),
                        c.insns(), maps, null));
                return;
            }
            VerifierException e = assertThrows(VerifierException.class, () -> TypeVerifierFixture.verify(
                    TypeVerifierFixture.prepare(c.name(), c.progType(), c.attachType(), c.insns(), maps, null)),
                    c.name() + ": Linux refuses with " + k.errno() + " \"" + k.message() + "\"");
            assertEquals(k.message(), e.reason(), c.name() + " message");
            if (k.insn() >= 0) {
                assertEquals(k.insn(), e.insnIndex(), c.name() + " insn index");
            }
            assertEquals(k.errno(), e.errno().name(), c.name() + " errno");
        }));
    }
}
