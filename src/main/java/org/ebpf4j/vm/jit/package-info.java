/**
 * The JIT (issue 8): each verified program, with its bpf-to-bpf subprograms, becomes a hidden class
 * written with {@code java.lang.classfile}, which HotSpot then compiles to native code.
 *
 * <p>{@link org.ebpf4j.vm.jit.JitCompiler} is the engine; {@code ClassGen} writes the class with the
 * help of one emitter per instruction family ({@code AluEmitter}, {@code MemEmitter},
 * {@code FlowEmitter}); {@code Plan} decides which subprograms are split into regions to stay under
 * HotSpot's 8000-byte HugeMethodLimit; {@code JitContext} is the per-thread run state (stack frames
 * shared in shape with the interpreter's, tail-call trampoline, callbacks). The interpreter is the
 * reference: the differential tests hold the two engines to the same r0, memory, helper calls and
 * faults.
 */
package org.ebpf4j.vm.jit;
