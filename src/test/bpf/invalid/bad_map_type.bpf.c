// SPDX-License-Identifier: GPL-2.0
/* Negative: a BTF-defined map whose attribute is not an array-encoded integer (libbpf:
 * "map 'bad': attr 'max_entries': expected PTR, got int."). */
#include "../common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	int max_entries;
	__type(key, __u32);
	__type(value, __u32);
} bad SEC(".maps");

SEC("xdp")
int uses_bad(struct xdp_md *ctx)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&bad, &k) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
