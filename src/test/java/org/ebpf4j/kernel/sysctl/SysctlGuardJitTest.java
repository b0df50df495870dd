package org.ebpf4j.kernel.sysctl;

import java.util.Set;
import org.ebpf4j.kernel.prog.ProgEnv;
import org.ebpf4j.vm.jit.JitCompiler;

/** {@link SysctlGuardTest} with the program compiled by the JIT: helpers 101-104 and the context behave the same. */
class SysctlGuardJitTest extends SysctlGuardTest {
    @Override
    void engine(ProgEnv env) {
        env.registerEngine(ProgEnv.EngineKind.JIT, e -> new JitCompiler(e.runtime().arena(), e.helpers(), Set.of()));
        env.setDefaultEngine(ProgEnv.EngineKind.JIT);
    }
}
