/**
 * Helpers: {@link org.ebpf4j.vm.helper.HelperProto} = {@code struct bpf_func_proto}, a
 * {@link org.ebpf4j.vm.helper.HelperTable} per runtime, and the base helpers of
 * kernel/bpf/helpers.c that need nothing but clocks, randomness and the CPU id. kfuncs:
 * {@link org.ebpf4j.vm.helper.KfuncProto} (a FUNC of the kernel BTF with its {@code KF_*} flags)
 * in the {@link org.ebpf4j.vm.helper.KfuncTable} each helper table carries, by BTF id; the
 * engines call them exactly as helpers.
 */
package org.ebpf4j.vm.helper;
