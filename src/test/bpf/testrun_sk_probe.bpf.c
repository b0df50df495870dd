// SPDX-License-Identifier: GPL-2.0
// What BPF_PROG_TEST_RUN's dummy socket looks like to a cgroup_skb program (net/bpf/test_run.c
// bpf_prog_test_run_skb: sk_alloc + sock_init_data(NULL, sk), family and addresses from the IP
// header). Each run writes what it sees into `seen` (slot = field below) and counts its runs per
// socket in sk storage, so a test can compare one call of N repeats with the kernel's.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum {
	SKB_FAMILY, SKB_LOCAL_IP4, SKB_REMOTE_IP4, SKB_LOCAL_PORT, SKB_REMOTE_PORT,
	SK_NULL, SK_FAMILY, SK_TYPE, SK_PROTOCOL, SK_STATE, SK_SRC_IP4, SK_DST_IP4, SK_SRC_PORT,
	SK_DST_PORT, SK_RX_QUEUE, SK_BOUND_DEV_IF, SK_MARK, SK_PRIORITY, FULLSOCK, COOKIE,
	SOCKET_UID, SKB_CGROUP_IS_CURRENT, SK_CGROUP_IS_CURRENT, STORAGE_COUNT,
	NR_SEEN
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_SEEN);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} runs SEC(".maps");

static __always_inline void put(__u32 slot, __u64 v)
{
	bpf_map_update_elem(&seen, &slot, &v, BPF_ANY);
}

SEC("cgroup_skb/egress")
int probe(struct __sk_buff *skb)
{
	struct bpf_sock *sk;
	__u64 *cnt;

	put(SKB_FAMILY, skb->family);
	put(SKB_LOCAL_IP4, skb->local_ip4);
	put(SKB_REMOTE_IP4, skb->remote_ip4);
	put(SKB_LOCAL_PORT, skb->local_port);
	put(SKB_REMOTE_PORT, skb->remote_port);
	put(COOKIE, bpf_get_socket_cookie(skb));
	put(SOCKET_UID, bpf_get_socket_uid(skb));
	put(SKB_CGROUP_IS_CURRENT, bpf_skb_cgroup_id(skb) == bpf_get_current_cgroup_id());
	sk = skb->sk;
	put(SK_NULL, sk == 0);
	if (!sk)
		return 0;
	sk = bpf_sk_fullsock(sk);
	put(FULLSOCK, sk != 0);
	if (!sk)
		return 0;
	put(SK_FAMILY, sk->family);
	put(SK_TYPE, sk->type);
	put(SK_PROTOCOL, sk->protocol);
	put(SK_STATE, sk->state);
	put(SK_SRC_IP4, sk->src_ip4);
	put(SK_DST_IP4, sk->dst_ip4);
	put(SK_SRC_PORT, sk->src_port);
	put(SK_DST_PORT, sk->dst_port);
	put(SK_RX_QUEUE, sk->rx_queue_mapping);
	put(SK_BOUND_DEV_IF, sk->bound_dev_if);
	put(SK_MARK, sk->mark);
	put(SK_PRIORITY, sk->priority);
	put(SK_CGROUP_IS_CURRENT, bpf_sk_cgroup_id(sk) == bpf_get_current_cgroup_id());
	cnt = bpf_sk_storage_get(&runs, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!cnt)
		return 0;
	*cnt += 1;
	put(STORAGE_COUNT, *cnt);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
