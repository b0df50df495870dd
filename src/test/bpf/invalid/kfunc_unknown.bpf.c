// SPDX-License-Identifier: GPL-2.0
/* Negative: a kfunc the model kernel's BTF does not have (libbpf: ESRCH at load). */
#include "../common.h"

extern void bpf_rcu_read_lock(void) __ksym;

SEC("cgroup_skb/egress")
int unknown_kfunc(struct __sk_buff *skb)
{
	bpf_rcu_read_lock();
	return 1;
}

char _license[] SEC("license") = "GPL";
