/**
 * NETLINK_SOCK_DIAG for the modelled network: what iproute2's {@code ss -e --bpf-maps} talks to
 * (net/netlink/af_netlink.c, net/core/sock_diag.c, net/ipv4/inet_diag.c, tcp_diag.c,
 * udp_diag.c, and the diag side of net/core/bpf_sk_storage.c).
 *
 * <ul>
 * <li>{@link org.ebpf4j.kernel.net.diag.NlBuf} / {@link org.ebpf4j.kernel.net.diag.Netlink}: the
 *     wire format (nlmsghdr, nlattr, nests, alignment), encoding with a capacity (the skb) and
 *     decoding.</li>
 * <li>{@link org.ebpf4j.kernel.net.diag.InetDiagReq}, {@link org.ebpf4j.kernel.net.diag.DiagSock}:
 *     a request and a decoded reply, typed.</li>
 * <li>{@link org.ebpf4j.kernel.net.diag.SockDiag}: socket/sendmsg/recvmsg as bytes, and
 *     {@code dump} typed; reached as {@code runtime.net().diag()} or through
 *     {@code Net.socket(task, AF_NETLINK, ...)}.</li>
 * <li>{@link org.ebpf4j.kernel.net.diag.SockDiagSocket}: one netlink socket, its queue and its
 *     running dump; {@code InetDiagDump} and {@code InetDiagFill} the dump and one socket's
 *     message.</li>
 * </ul>
 * The map side ({@code bpf_sk_storage_diag}: which values, copied under the spin lock) is
 * {@link org.ebpf4j.map.storage.SkStorageDiag}.
 */
package org.ebpf4j.kernel.net.diag;
