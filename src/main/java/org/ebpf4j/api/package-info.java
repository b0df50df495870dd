/**
 * The friendly layer, in the shape of libbpf and cilium/ebpf: an object file (inert
 * {@link org.ebpf4j.elf.ObjectSpec}) becomes a live {@link org.ebpf4j.api.BpfObject} with
 * {@link org.ebpf4j.api.MapHandle}s and {@link org.ebpf4j.api.Program}s, all through the
 * {@link org.ebpf4j.syscall.Bpf} command surface, as libbpf goes through bpf(2).
 *
 * <pre>{@code
 * try (BpfObject obj = BpfObject.open(Path.of("examples/sieve/sieve.bpf.o"))) {
 *     System.out.println(obj.program("sieve").testRun(new byte[64], 1).retval());   // 502
 * }
 * }</pre>
 */
package org.ebpf4j.api;
