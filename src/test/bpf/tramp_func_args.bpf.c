// SPDX-License-Identifier: GPL-2.0
/* bpf_get_func_arg / bpf_get_func_ret / bpf_get_func_arg_cnt from fentry and fexit on
 * bpf_fentry_test2(int a, u64 b), after the upstream selftest progs/get_func_args_test.c. */
#include "common.h"
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

__u64 fentry_cnt = 0, fentry_a = 0, fentry_b = 0;
__s64 fentry_past = 0, fentry_ret_err = 0;
__u64 fexit_cnt = 0, fexit_ret = 0;
__s64 fexit_ret_err = 1;

SEC("fentry/bpf_fentry_test2")
int fentry_args(__u64 *ctx)
{
	__u64 v = 0;

	fentry_cnt = bpf_get_func_arg_cnt(ctx);
	bpf_get_func_arg(ctx, 0, &v);
	fentry_a = v;
	bpf_get_func_arg(ctx, 1, &v);
	fentry_b = v;
	fentry_past = bpf_get_func_arg(ctx, 2, &v);
	fentry_ret_err = bpf_get_func_ret(ctx, &v);
	return 0;
}

SEC("fexit/bpf_fentry_test2")
int fexit_args(__u64 *ctx)
{
	__u64 v = 0;

	fexit_cnt = bpf_get_func_arg_cnt(ctx);
	fexit_ret_err = bpf_get_func_ret(ctx, &v);
	fexit_ret = v;
	return 0;
}
