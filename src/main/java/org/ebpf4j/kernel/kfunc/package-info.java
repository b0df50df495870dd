/**
 * kfuncs: kernel functions a program calls by the BTF id of their FUNC ({@code call} with
 * {@code src_reg = BPF_PSEUDO_KFUNC_CALL}). {@link org.ebpf4j.kernel.kfunc.GenericKfuncs} holds
 * the implementations of kernel/bpf/helpers.c's generic set that ebpf4j models and binds them to
 * the model kernel BTF; {@link org.ebpf4j.kernel.kfunc.KfuncSets} says which program types may
 * call them. The loader ({@code kernel.prog.ProgLoader}) resolves calls against the runtime's
 * {@link org.ebpf4j.vm.helper.KfuncTable}; the engines call a kfunc as they call a helper.
 */
package org.ebpf4j.kernel.kfunc;
