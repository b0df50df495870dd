// SPDX-License-Identifier: GPL-2.0
// The sieve of Eratosthenes with bpf_loop: for each prime p the callback marks p*p, p*p+p, ...
// in a bitmap held in .bss. Returns the number of primes below SIEVE_N (502).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SIEVE_WORDS 56                  /* 56 * 64 = 3584 numbers */
#define SIEVE_N (SIEVE_WORDS * 64)

__u64 composite[SIEVE_WORDS];

struct mark_ctx {
	__u32 p;
	__u32 next;
};

static long mark(__u64 index, struct mark_ctx *c)
{
	__u32 j = c->next;

	if (j >= SIEVE_N)
		return 1;
	composite[j / 64] |= 1ULL << (j % 64);
	c->next = j + c->p;
	return 0;
}

SEC("tc")
int sieve_loop(struct __sk_buff *skb)
{
	__u32 count = 0;

	for (int w = 0; w < SIEVE_WORDS; w++)
		composite[w] = 0;
	for (__u32 i = 2; i < SIEVE_N; i++) {
		struct mark_ctx c = { .p = i, .next = i * i };

		if (composite[i / 64] & (1ULL << (i % 64)))
			continue;
		count++;
		if (c.next < SIEVE_N)
			bpf_loop((SIEVE_N - c.next) / i + 1, mark, &c, 0);
	}
	return count;
}

char LICENSE[] SEC("license") = "GPL";
