// SPDX-License-Identifier: GPL-2.0
/* fentry on bpf_sk_storage_free, which __sk_destruct calls for every socket: counts the
 * destructed sockets (and reads through the struct sock pointer, which must verify). */
#include "common.h"
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct sock_common {
	unsigned short skc_family;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

__u64 freed = 0;
__u64 last_family = 0;

SEC("fentry/bpf_sk_storage_free")
int BPF_PROG(on_free, struct sock *sk)
{
	freed++;
	last_family = sk->__sk_common.skc_family;
	return 0;
}
