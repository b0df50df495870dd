// SPDX-License-Identifier: GPL-2.0
// Seed 1 (YiFei Zhu's "Make BPF CGROUP_STORAGE map usable by different programs at once"): one
// legacy CGROUP_STORAGE map used by an egress and an ingress program. Both reach the same
// per-(cgroup) storage with bpf_get_local_storage: egress counts in the first half, ingress in
// the second. The key has no attach type (8 bytes: the cgroup id), so the storage is shared.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct counters {
	__u64 egress;
	__u64 ingress;
};

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
	__type(key, __u64);
	__type(value, struct counters);
} traffic SEC(".maps");

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb)
{
	struct counters *c = bpf_get_local_storage(&traffic, 0);

	__sync_fetch_and_add(&c->egress, 1);
	bpf_printk("count_egress: %u bytes out, egress now %llu", skb->len, c->egress);
	return 1;
}

SEC("cgroup_skb/ingress")
int count_ingress(struct __sk_buff *skb)
{
	struct counters *c = bpf_get_local_storage(&traffic, 0);

	__sync_fetch_and_add(&c->ingress, 1);
	bpf_printk("count_ingress: %u bytes in, ingress now %llu", skb->len, c->ingress);
	return 1;
}

char _license[] SEC("license") = "GPL";
