// SPDX-License-Identifier: GPL-2.0
/* .text subprograms shared by two programs, a bpf_loop callback (ld_imm64 of a function),
 * and several programs in one section. */
#include "common.h"

__u64 sum;

static __noinline int add(int a, int b)
{
	return a + b;
}

static __noinline int twice(int a)
{
	return add(a, a);
}

static int loop_cb(__u32 index, void *ctx)
{
	__u64 *acc = ctx;

	*acc += index;
	return 0;
}

SEC("xdp")
int xdp_one(struct xdp_md *ctx)
{
	return add(1, 2) == 3 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_two(struct xdp_md *ctx)
{
	__u64 acc = 0;

	bpf_loop(10, loop_cb, &acc, 0);
	sum += acc;
	return twice(1) == 2 ? XDP_PASS : XDP_DROP;
}

SEC("tc")
int tc_uses_twice(struct __sk_buff *skb)
{
	return twice(skb->len);
}

char _license[] SEC("license") = "GPL";
