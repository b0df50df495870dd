// SPDX-License-Identifier: GPL-2.0
/* One map of each kind libbpf can declare in .maps, including map-in-map with initial slots. */
#include "common.h"

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 128); __type(key, __u32); __type(value, __u64);
	 __uint(pinning, LIBBPF_PIN_BY_NAME); } m_hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } m_array SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_HASH); __uint(max_entries, 16); __type(key, __u32); __type(value, __u64); } m_pcpu_hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } m_pcpu_array SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 32); __type(key, __u64); __type(value, __u64);
	 __uint(map_flags, BPF_F_NO_COMMON_LRU); } m_lru SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH); __uint(max_entries, 32); __type(key, __u32); __type(value, __u32); } m_lru_pcpu SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 8); __uint(key_size, 4); __uint(value_size, 4); } m_progs SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } m_ringbuf SEC(".maps");

struct lpm_key { __u32 prefixlen; __u32 addr; };
struct { __uint(type, BPF_MAP_TYPE_LPM_TRIE); __uint(max_entries, 64); __type(key, struct lpm_key); __type(value, __u32);
	 __uint(map_flags, BPF_F_NO_PREALLOC); } m_lpm SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_QUEUE); __uint(max_entries, 16); __type(value, __u32); } m_queue SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK); __uint(max_entries, 16); __type(value, __u64); } m_stack SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_BLOOM_FILTER); __uint(max_entries, 100); __type(value, __u32);
	 __uint(map_extra, 3); } m_bloom SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_SK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, __u64); } m_sk_storage SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_CGRP_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, __u64); } m_cgrp_storage SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_TASK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, __u32); } m_task_storage SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_CGROUP_STORAGE); __type(key, struct bpf_cgroup_storage_key); __type(value, __u64); } m_cgroup_storage SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, __u32); __type(value, __u32);
	 __uint(numa_node, 0); __uint(map_flags, BPF_F_NUMA_NODE); } m_numa SEC(".maps");

struct inner { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u32); };
struct inner inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} m_outer_array SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 2); __type(key, __u32); __type(value, __u64); });
} m_outer_hash SEC(".maps");

SEC("tc")
int tail_target(struct __sk_buff *skb)
{
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, 4);
	__array(values, int (void *));
} m_jmp SEC(".maps") = {
	.values = { [1] = (void *)&tail_target },
};

SEC("tc")
int use_maps(struct __sk_buff *skb)
{
	__u32 k = 0, *v;
	__u64 *d;

	v = bpf_map_lookup_elem(&m_array, &k);
	if (v)
		*v += 1;
	d = bpf_map_lookup_elem(&m_hash, &k);
	if (d)
		*d += 1;
	bpf_map_push_elem(&m_queue, &k, 0);
	bpf_map_push_elem(&m_bloom, &k, 0);
	void *in = bpf_map_lookup_elem(&m_outer_array, &k);
	if (in) {
		v = bpf_map_lookup_elem(in, &k);
		if (v)
			*v = 7;
	}
	bpf_ringbuf_output(&m_ringbuf, &k, sizeof(k), 0);
	bpf_tail_call(skb, &m_jmp, 1);
	bpf_tail_call(skb, &m_progs, 0);
	return 0;
}

char _license[] SEC("license") = "GPL";
