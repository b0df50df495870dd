// SPDX-License-Identifier: GPL-2.0
// The cheapest program: what one run costs with nothing in it (kernel: ~21 ns under TEST_RUN).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup_skb/egress")
int empty(struct __sk_buff *skb)
{
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
