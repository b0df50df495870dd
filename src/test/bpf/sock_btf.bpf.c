// SPDX-License-Identifier: GPL-2.0
/* struct sock as BTF-typed programs see it (the model kernel's include/net/sock.h subset):
 * fentry on bpf_sk_storage_free, the LSM socket hooks (struct socket *sock, sock->sk) and a
 * cgroup_skb program (bpf_sock view) read the same socket; the fields are read through CO-RE
 * (preserve_access_index below, as vmlinux.h would declare them), some with BPF_CORE_READ.
 * One SK_STORAGE element is created from the bpf_sock pointer (cgroup/setsockopt) and found
 * from the struct sock pointer (LSM) and again from bpf_sock (egress). */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

char _license[] SEC("license") = "GPL";

/* ---- the vmlinux.h subset ---- */
typedef struct { long long counter; } atomic64_t;
typedef struct { __u32 val; } kuid_t;

struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup {
	struct kernfs_node *kn;
} __attribute__((preserve_access_index));

struct in6_addr {
	union {
		__u8 u6_addr8[16];
	} in6_u;
} __attribute__((preserve_access_index));

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	int skc_bound_dev_if;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
	atomic64_t skc_cookie;
} __attribute__((preserve_access_index));

struct sock_cgroup_data {
	struct cgroup *cgroup;
} __attribute__((preserve_access_index));

struct socket;

struct sock {
	struct sock_common __sk_common;
	int sk_rcvbuf;
	int sk_sndbuf;
	__u32 sk_mark;
	__u32 sk_priority;
	__u16 sk_type;
	__u16 sk_protocol;
	struct sock_cgroup_data sk_cgrp_data;
	struct socket *sk_socket;
	kuid_t sk_uid;
} __attribute__((preserve_access_index));

typedef enum {
	SS_FREE = 0,
	SS_UNCONNECTED,
	SS_CONNECTING,
	SS_CONNECTED,
	SS_DISCONNECTING,
} socket_state;

struct socket {
	socket_state state;
	short type;
	struct sock *sk;
} __attribute__((preserve_access_index));

struct sockaddr;

/* ---- what the programs record ---- */
struct seen {
	__u64 count;
	__u64 cookie;
	__u64 cgroup_id;
	__u64 sk_socket_is_sock;   /* sk->sk_socket == the struct socket the hook got (LSM) */
	__u64 sk_socket_null;      /* sk->sk_socket == NULL */
	__u32 daddr, rcv_saddr;
	__u32 dport;               /* as stored: __be16 */
	__u32 num;
	__u32 family, state;
	__u32 mark, priority;
	__u32 type, protocol;
	__u32 rcvbuf, sndbuf;
	__u32 uid;
	__u32 sock_state, sock_type;   /* struct socket's (LSM only) */
	__u8 v6_daddr[16];
	__u8 v6_rcv_saddr[16];
};

struct seen post_create = {}, bound = {}, connected = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);   /* skc_num << 16 | ntohs(skc_dport) */
	__type(value, struct seen);
} freed SEC(".maps");

struct stor {
	__u64 created;       /* cgroup/setsockopt, through ctx->sk (bpf_sock) */
	__u64 seen_by_lsm;   /* LSM hooks, through sock->sk */
	__u64 egress;        /* cgroup_skb/egress, through bpf_sk_fullsock(skb->sk) */
	__u64 lsm_cookie;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct stor);
} sk_map SEC(".maps");

static __always_inline void record(struct seen *o, struct sock *sk)
{
	o->count++;
	o->cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	o->cgroup_id = BPF_CORE_READ(sk, sk_cgrp_data.cgroup, kn, id);
	o->sk_socket_null = sk->sk_socket == 0;
	o->daddr = sk->__sk_common.skc_daddr;
	o->rcv_saddr = sk->__sk_common.skc_rcv_saddr;
	o->dport = sk->__sk_common.skc_dport;
	o->num = sk->__sk_common.skc_num;
	o->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	o->state = sk->__sk_common.skc_state;
	o->mark = sk->sk_mark;
	o->priority = BPF_CORE_READ(sk, sk_priority);
	o->type = sk->sk_type;
	o->protocol = sk->sk_protocol;
	o->rcvbuf = sk->sk_rcvbuf;
	o->sndbuf = sk->sk_sndbuf;
	o->uid = BPF_CORE_READ(sk, sk_uid.val);
	BPF_CORE_READ_INTO(&o->v6_daddr, sk, __sk_common.skc_v6_daddr);
	BPF_CORE_READ_INTO(&o->v6_rcv_saddr, sk, __sk_common.skc_v6_rcv_saddr);
}

static __always_inline void record_socket(struct seen *o, struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct stor *v;

	record(o, sk);
	o->sk_socket_is_sock = sk->sk_socket == sock;
	o->sock_state = sock->state;
	o->sock_type = sock->type;
	v = bpf_sk_storage_get(&sk_map, sk, 0, 0);
	if (v) {
		v->seen_by_lsm++;
		v->lsm_cookie = o->cookie;
	}
}

SEC("fentry/bpf_sk_storage_free")
int BPF_PROG(on_free, struct sock *sk)
{
	struct seen o = {};
	__u32 key;

	record(&o, sk);
	key = (__u32)o.num << 16 | bpf_ntohs((__u16)o.dport);
	bpf_map_update_elem(&freed, &key, &o, BPF_ANY);
	return 0;
}

SEC("lsm/socket_post_create")
int BPF_PROG(on_post_create, struct socket *sock, int family, int type, int protocol, int kern)
{
	record_socket(&post_create, sock);
	return 0;
}

SEC("lsm/socket_bind")
int BPF_PROG(on_bind, struct socket *sock, struct sockaddr *address, int addrlen)
{
	record_socket(&bound, sock);
	return 0;
}

SEC("lsm/socket_connect")
int BPF_PROG(on_connect, struct socket *sock, struct sockaddr *address, int addrlen)
{
	record_socket(&connected, sock);
	return 0;
}

SEC("cgroup/setsockopt")
int create_storage(struct bpf_sockopt *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	struct stor *v;

	if (!sk)
		return 1;
	v = bpf_sk_storage_get(&sk_map, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (v)
		v->created++;
	return 1;
}

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	struct stor *v;

	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1;
	v = bpf_sk_storage_get(&sk_map, sk, 0, 0);
	if (v)
		__sync_fetch_and_add(&v->egress, 1);
	return 1;
}

/* ---- the sk storage map iterator: ctx->sk is the struct sock ---- */
struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_sk_storage_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
	struct sock *sk;
	void *value;
} __attribute__((preserve_access_index));

/* one line per element: family num dport state mark cookie rcv_saddr, and whether
 * bpf_sk_storage_get(ctx->sk) is the element the iterator is at */
SEC("iter/bpf_sk_storage_map")
int dump_socks(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct sock *sk = ctx->sk;
	void *found;

	if (!sk || !ctx->value)
		return 0;
	found = bpf_sk_storage_get(&sk_map, sk, 0, 0);
	BPF_SEQ_PRINTF(seq, "%u %u %u %u %u %llu %x %d\n",
		       sk->__sk_common.skc_family, sk->__sk_common.skc_num,
		       bpf_ntohs(sk->__sk_common.skc_dport), sk->__sk_common.skc_state, sk->sk_mark,
		       BPF_CORE_READ(sk, __sk_common.skc_cookie.counter),
		       bpf_ntohl(sk->__sk_common.skc_rcv_saddr), found == ctx->value);
	return 0;
}
