package org.ebpf4j.conformance;

import java.util.Set;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.VerifierOption;
import org.ebpf4j.vm.helper.HelperTable;

/** Makes an engine (interpreter, JIT) over an arena, a helper table and load-time options. */
@FunctionalInterface
public interface EngineFactory {
    Engine create(Arena arena, HelperTable helpers, Set<VerifierOption> options);
}
