// SPDX-License-Identifier: GPL-2.0
// Says hello on the trace pipe (`ebpf4j trace examples/hello/hello.bpf.o hello`) and counts its
// runs in a global. Returns XDP_PASS.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 runs;

SEC("xdp")
int hello(struct xdp_md *ctx)
{
	char comm[16];
	__u64 id = bpf_get_current_pid_tgid();
	int len = ctx->data_end - ctx->data;

	bpf_get_current_comm(comm, sizeof(comm));
	runs++;
	bpf_printk("hello from %s (pid %d): run %llu", comm, (int)id, runs);
	bpf_printk("packet of %d bytes", len);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
