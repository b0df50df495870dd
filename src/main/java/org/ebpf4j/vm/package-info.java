/**
 * Loading and running BPF programs: the {@link org.ebpf4j.vm.Engine} seam (interpreter now, JIT
 * later), {@link org.ebpf4j.vm.ProgramImage} in, {@link org.ebpf4j.vm.Executable} out, and the
 * two ways a program can fail: refused at load ({@link org.ebpf4j.vm.VerifierException}, in the
 * kernel verifier's words) or aborted at run time ({@link org.ebpf4j.vm.ProgramFault}).
 *
 * <pre>{@code
 * try (Arena arena = new Arena(1 << 20)) {
 *     Engine vm = new Interpreter(arena, HelperTable.base());
 *     Executable prog = vm.load(new ProgramImage("answer", List.of(
 *             Insn.of(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 42),
 *             Insn.of(BPF_JMP | BPF_EXIT, 0, 0, 0, 0))));
 *     long r0 = prog.run(ctxAddress);
 * }
 * }</pre>
 *
 * Kernel counterparts: kernel/bpf/verifier.c (subpackage {@code verifier}), kernel/bpf/core.c
 * (subpackage {@code interp}), kernel/bpf/helpers.c (subpackage {@code helper}).
 */
package org.ebpf4j.vm;
