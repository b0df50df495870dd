package org.ebpf4j.cli;

import org.ebpf4j.conformance.EngineFactory;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.jit.JitCompiler;

/** The {@code --engine} option: which of our execution engines runs programs. */
public enum EngineChoice {
    interp(Interpreter::new),
    jit(JitCompiler::new);

    private final EngineFactory factory;

    EngineChoice(EngineFactory factory) { this.factory = factory; }

    public EngineFactory factory() { return factory; }
}
