package org.ebpf4j.kernel.net;

import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.StructLayout;

/**
 * Where the fields of {@code struct sock} (with its {@code struct sock_common}) and
 * {@code struct socket} sit in the model kernel's BTF ({@code src/main/btf/model-kernel.c};
 * Linux's include/net/sock.h and include/linux/net.h), and how one socket's arena block is laid
 * out. A program relocated with CO-RE against that BTF loads exactly these offsets, so
 * {@link SockMirror} writes there. A field missing from the BTF fails at construction, naming it.
 *
 * <p>One arena block per socket holds everything a program can be handed for it:
 * <pre>
 *  0              80             96                         96 + align8(sizeof sock)
 *  +--------------+--------------+--------------------------+----------------------+
 *  | bpf_sock     | owner block  | struct sock              | struct socket        |
 *  | (ctx mirror) | (sk storage) | (what BTF programs get)  | (LSM socket hooks)   |
 *  +--------------+--------------+--------------------------+----------------------+
 * </pre>
 * The kernel has one {@code struct sock *} that cgroup programs see through {@code bpf_sock}'s
 * converted accesses and BTF-typed programs see as itself; here the two views are two addresses
 * around one owner block, so {@code bpf_sk_storage_get} finds the socket's storage from either
 * without a lookup: the block is at {@code bpf_sock + 80} and at {@code sk - 16}.
 */
public final class SockLayout {
    /** Offset of the {@code struct sock} in the block. */
    public static final int SK = SockLayouts.Sock.OWNER_BLOCK + org.ebpf4j.map.storage.OwnerTable.BLOCK_SIZE;
    /** Where the owner block lies relative to the {@code struct sock} ({@code sk - 16}). */
    public static final int SK_TO_OWNER_BLOCK = SockLayouts.Sock.OWNER_BLOCK - SK;

    /** {@code enum socket_state} (include/uapi/linux/net.h). */
    static final int SS_UNCONNECTED = 1, SS_CONNECTED = 3;

    // struct sock_common (as sk->__sk_common.*)
    final int skSize, daddr, rcvSaddr, dport, num, family, state, boundDevIf, v6Daddr, v6RcvSaddr, cookie;
    // struct sock
    final int rcvbuf, sndbuf, mark, priority, type, protocol, cgroup, userData, socket, uid;
    // struct socket
    final int socketSize, socketState, socketType, socketFlags, socketSk;
    /** Offset of the {@code struct socket} in the block, and the block's size. */
    final int socketAt, alloc;

    public SockLayout(Btf btf) {
        StructLayout s = StructLayout.of(btf, "sock");
        skSize = s.size();
        daddr = s.offset("__sk_common.skc_daddr");
        rcvSaddr = s.offset("__sk_common.skc_rcv_saddr");
        dport = s.offset("__sk_common.skc_dport");
        num = s.offset("__sk_common.skc_num");
        family = s.offset("__sk_common.skc_family");
        state = s.offset("__sk_common.skc_state");
        boundDevIf = s.offset("__sk_common.skc_bound_dev_if");
        v6Daddr = s.offset("__sk_common.skc_v6_daddr");
        v6RcvSaddr = s.offset("__sk_common.skc_v6_rcv_saddr");
        cookie = s.offset("__sk_common.skc_cookie");
        rcvbuf = s.offset("sk_rcvbuf");
        sndbuf = s.offset("sk_sndbuf");
        mark = s.offset("sk_mark");
        priority = s.offset("sk_priority");
        type = s.offset("sk_type");
        protocol = s.offset("sk_protocol");
        cgroup = s.offset("sk_cgrp_data.cgroup");
        userData = s.offset("sk_user_data");
        socket = s.offset("sk_socket");
        uid = s.offset("sk_uid");
        StructLayout k = StructLayout.of(btf, "socket");
        socketSize = k.size();
        socketState = k.offset("state");
        socketType = k.offset("type");
        socketFlags = k.offset("flags");
        socketSk = k.offset("sk");
        socketAt = SK + align8(skSize);
        alloc = socketAt + socketSize;
        checkProbeWord(s);
    }

    /**
     * The program path looks for a {@code bpf_sock}'s owner block at {@code ptr + 80} (magic word
     * at +84) before it tries {@code ptr - 16}, and a {@code struct sock} pointer goes through that
     * first probe too: the word at {@code sk + 84} must never look like an owner block's magic.
     * It holds sk_type/sk_protocol (small numbers) or padding (zero); anything else there is a
     * model BTF change this code must follow.
     */
    private void checkProbeWord(StructLayout s) {
        int probe = SockLayouts.Sock.OWNER_BLOCK + 4;
        boolean typeAndProtocol = type <= probe && protocol + 2 >= probe + 4 && s.fieldSize("sk_type") == 2;
        boolean padding = protocol + 2 <= probe && cgroup >= probe + 4 && rcvbuf < probe && mark < probe && priority < probe;
        if (!typeAndProtocol && !padding || skSize <= probe) {
            throw new IllegalStateException("struct sock: bytes " + probe + ".." + (probe + 3)
                    + " must be padding or sk_type/sk_protocol (SockLayout's owner-block probe)");
        }
    }

    private static int align8(int n) { return (n + 7) & ~7; }

    /** {@code sizeof(struct sock)} in the model kernel. */
    public int sockSize() { return skSize; }

    /** The arena block one socket allocates. */
    public int alloc() { return alloc; }

    /** Offset of {@code sk_cgrp_data.cgroup} (tests). */
    public int cgroupOffset() { return cgroup; }
}
