/**
 * The interpreter: pre-decoded arrays and one switch, after uBPF's vm/ubpf_vm.c and with the
 * semantics of kernel/bpf/core.c ___bpf_prog_run(). Only {@link org.ebpf4j.vm.interp.InterpEngine}
 * is public; {@link org.ebpf4j.vm.Interpreter} is the usual way in.
 */
package org.ebpf4j.vm.interp;
