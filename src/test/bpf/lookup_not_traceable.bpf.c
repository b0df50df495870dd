// SPDX-License-Identifier: GPL-2.0
/* The upstream task_ls_recursion on_lookup program: fentry on bpf_local_storage_lookup, which
 * Linux 6.18 inlines (no FUNC in vmlinux BTF), so libbpf cannot resolve its target (ESRCH). */
#include "common.h"
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("fentry/bpf_local_storage_lookup")
int BPF_PROG(on_lookup)
{
	return 0;
}
