// SPDX-License-Identifier: GPL-2.0
// A compute-bound BPF program: the sieve of Eratosthenes over a bitmap on the BPF stack.
// Returns the number of primes below SIEVE_N. The main job of ebpf4j runs it on the embedded
// runtime and prints the result and the time per run.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SIEVE_WORDS 56                  /* 56 * 64 = 3584 numbers, 448 bytes of stack */
#define SIEVE_N (SIEVE_WORDS * 64)

SEC("xdp")
int sieve(struct xdp_md *ctx)
{
	__u64 composite[SIEVE_WORDS];
	__u32 count = 0;

	for (int w = 0; w < SIEVE_WORDS; w++)
		composite[w] = 0;

	for (__u32 i = 2; i < SIEVE_N; i++) {
		if (composite[i / 64] & (1ULL << (i % 64)))
			continue;
		count++;
		for (__u32 j = i * i; j < SIEVE_N; j += i)
			composite[j / 64] |= 1ULL << (j % 64);
	}
	return count;
}

char LICENSE[] SEC("license") = "GPL";
