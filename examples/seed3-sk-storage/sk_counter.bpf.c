// SPDX-License-Identifier: GPL-2.0
// Seed 3 (Martin KaFai Lau's "bpf sk local storage"): counts egress packets per socket in
// SK_STORAGE. The count lives with the socket: no 4-tuple key, and it goes when the socket does.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} pkts SEC(".maps");

SEC("cgroup_skb/egress")
int count_per_socket(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	__u64 *n;

	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1;
	n = bpf_sk_storage_get(&pkts, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (n) {
		__sync_fetch_and_add(n, 1);
		bpf_printk("count_per_socket: port %u has sent %llu", sk->src_port, *n);
	}
	return 1;
}

char _license[] SEC("license") = "GPL";
