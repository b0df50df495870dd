// SPDX-License-Identifier: GPL-2.0
/* Negative: a SEC() name libbpf's section_defs does not know. */
#include "../common.h"

SEC("no_such_kind/foo")
int unknown_kind(void *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
