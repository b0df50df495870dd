// SPDX-License-Identifier: GPL-2.0
// A chain of tail calls through a PROG_ARRAY: chain_entry zeroes skb->cb[0] and tail-calls
// slot 0, chain_link, which counts itself in cb[0] and tail-calls slot 0 again until the
// kernel's MAX_TAIL_CALL_CNT (33) stops it. Returns the count: 33.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int chain_link(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int (struct __sk_buff *));
} jmp SEC(".maps") = {
	.values = { [0] = (void *)&chain_link },
};

SEC("tc")
int chain_link(struct __sk_buff *skb)
{
	skb->cb[0]++;
	bpf_tail_call(skb, &jmp, 0);
	return skb->cb[0];
}

SEC("tc")
int chain_entry(struct __sk_buff *skb)
{
	skb->cb[0] = 0;
	bpf_tail_call(skb, &jmp, 0);
	return -1;
}

char LICENSE[] SEC("license") = "GPL";
