package org.ebpf4j.cli;

import java.util.function.BiFunction;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.helper.HelperTable;

/** The {@code --engine} option: which of our execution engines runs programs. */
public enum EngineChoice {
    interp(Interpreter::new);

    private final BiFunction<Arena, HelperTable, Engine> factory;

    EngineChoice(BiFunction<Arena, HelperTable, Engine> factory) { this.factory = factory; }

    public BiFunction<Arena, HelperTable, Engine> factory() { return factory; }
}
