// SPDX-License-Identifier: GPL-2.0
// Seed 2 (Andrii Nakryiko's "cgroup bpf_link" series): four cgroup_skb/egress programs that say
// on the trace pipe that they ran and count their runs in `runs` (one slot each). The scenario
// cgroup_link.yaml attaches them to a cgroup pair with bpf_links and legacy attachments.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} runs SEC(".maps");

static __always_inline int ran(__u32 slot, int verdict)
{
	__u64 *n = bpf_map_lookup_elem(&runs, &slot);

	if (n)
		__sync_fetch_and_add(n, 1);
	return verdict;
}

SEC("cgroup_skb/egress")
int parent_count(struct __sk_buff *skb)
{
	bpf_printk("parent_count: %u bytes leave", skb->len);
	return ran(0, 1);
}

SEC("cgroup_skb/egress")
int child_count(struct __sk_buff *skb)
{
	bpf_printk("child_count: %u bytes leave", skb->len);
	return ran(1, 1);
}

SEC("cgroup_skb/egress")
int child_count_v2(struct __sk_buff *skb)
{
	bpf_printk("child_count_v2: %u bytes leave", skb->len);
	return ran(2, 1);
}

SEC("cgroup_skb/egress")
int drop_all(struct __sk_buff *skb)
{
	bpf_printk("drop_all: dropping %u bytes", skb->len);
	return ran(3, 0);
}

char _license[] SEC("license") = "GPL";
