// SPDX-License-Identifier: GPL-2.0
/* Global variables in every section libbpf turns into an internal map, and .kconfig externs. */
#include "common.h"

int counter = 3;                                       /* .data */
const volatile __u32 limit = 42;                       /* .rodata */
__u64 total;                                           /* .bss */
int custom_data SEC(".data.custom") = 7;               /* .data.custom */
const volatile char greeting[8] SEC(".rodata.str") = "hello"; /* .rodata.str */
char scratch[16] SEC(".data.scratch");                 /* .data.scratch, zeroes */

extern __u32 LINUX_KERNEL_VERSION __kconfig;
extern __u32 CONFIG_HZ __kconfig __weak;
extern _Bool CONFIG_BPF_SYSCALL __kconfig;

SEC("xdp")
int use_globals(struct xdp_md *ctx)
{
	counter++;
	total += limit + custom_data + greeting[1];
	scratch[0] = 1;
	if (LINUX_KERNEL_VERSION > 0 && CONFIG_BPF_SYSCALL)
		total += CONFIG_HZ;
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
__u32 _version SEC("version") = 0x060c00;
