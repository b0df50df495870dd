// SPDX-License-Identifier: GPL-2.0
/* The pre-BTF map definition: struct bpf_map_def in SEC("maps"). libbpf 1.0 dropped support
 * (libbpf.c bpf_object__init_user_maps is gone; it fails with "legacy map definitions in 'maps'
 * section are not supported by libbpf v1.0+"); ebpf4j still reads them (see LegacyMaps). */
#include "common.h"

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 64,
};

struct bpf_map_def SEC("maps") legacy_array = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 2,
	.map_flags = 0,
};

SEC("socket")
int legacy_user(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&legacy_hash, &k);

	if (v)
		*v += 1;
	__u32 *a = bpf_map_lookup_elem(&legacy_array, &k);
	return a ? *a : 0;
}

char _license[] SEC("license") = "GPL";
