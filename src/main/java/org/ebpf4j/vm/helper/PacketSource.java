package org.ebpf4j.vm.helper;

/**
 * The packet behind an skb context, as a helper remembers it for the rest of a run
 * ({@link org.ebpf4j.vm.RunState#ctxObject}): where {@code skb->data} points in the arena and how
 * many bytes follow (the linear data; ebpf4j packets have no fragments). On Linux the context of
 * an skb program is the {@code struct sk_buff} itself; this is the part of it that
 * {@link PacketLoadHelper} reads. Read afresh at every use: a helper may move or resize the packet.
 */
public interface PacketSource {
    /** Arena address of the packet's first byte, or 0 if the context has no packet. */
    long pkt();

    /** Bytes of packet at {@link #pkt()}. */
    int pktLen();
}
