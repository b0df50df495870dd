package org.ebpf4j.vm.helper;

import org.ebpf4j.vm.RunState;

/**
 * {@code bpf_skb_load_bytes(skb, offset, to, len)} (net/core/filter.c): copies {@code len} bytes
 * of the packet at {@code offset} to {@code to}; -EFAULT (and {@code to} zeroed) when they are not
 * all in the packet. A helper of this type promises that whenever
 * {@code state.ctxObject(skb)} is a {@link PacketSource} {@code p} with {@code p.pkt() != 0},
 * {@code 0 <= offset <= p.pktLen() - len}, {@code len > 0} and {@code [to, to + len)} in the
 * arena, the call copies those bytes and returns 0, and does nothing else. An engine may then
 * compile a call with a small constant {@code len} as that check and a load and a store, calling
 * the helper only when the check fails (the first call of a run, which finds the packet, and
 * every failing one), as the kernel's JITs inline a direct packet access.
 */
@FunctionalInterface
public interface PacketLoadHelper extends Helper {
}
