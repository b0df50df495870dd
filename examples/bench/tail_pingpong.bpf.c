// SPDX-License-Identifier: GPL-2.0
// A chain of tail calls between two *different* programs: chain_ping (slot 0) and chain_pong
// (slot 1) count themselves in skb->cb[0] and tail-call each other until the kernel's
// MAX_TAIL_CALL_CNT (33) stops the chain; pingpong_entry zeroes cb[0] and tail-calls slot 0.
// Returns the count: 33. (tail_chain.bpf.c is the same chain of one program calling itself.)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int chain_ping(struct __sk_buff *skb);
int chain_pong(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int (struct __sk_buff *));
} pp SEC(".maps") = {
	.values = { [0] = (void *)&chain_ping, [1] = (void *)&chain_pong },
};

SEC("tc")
int chain_ping(struct __sk_buff *skb)
{
	skb->cb[0]++;
	bpf_tail_call(skb, &pp, 1);
	return skb->cb[0];
}

SEC("tc")
int chain_pong(struct __sk_buff *skb)
{
	skb->cb[0]++;
	bpf_tail_call(skb, &pp, 0);
	return skb->cb[0];
}

SEC("tc")
int pingpong_entry(struct __sk_buff *skb)
{
	skb->cb[0] = 0;
	bpf_tail_call(skb, &pp, 0);
	return -1;
}

char LICENSE[] SEC("license") = "GPL";
