/**
 * Helpers: {@link org.ebpf4j.vm.helper.HelperProto} = {@code struct bpf_func_proto}, a
 * {@link org.ebpf4j.vm.helper.HelperTable} per runtime, and the base helpers of
 * kernel/bpf/helpers.c that need nothing but clocks, randomness and the CPU id.
 */
package org.ebpf4j.vm.helper;
