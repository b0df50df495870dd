#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

struct gaps {
	char a;
	long: 64;
	int b;
	char c;
	long: 64;
	long d;
	long: 64;
	long: 64;
	long: 64;
};

struct bit_gaps {
	unsigned int a: 1;
	int: 31;
	unsigned int b: 2;
	unsigned long long c: 3;
	char d;
	unsigned int e: 4;
};

struct packed_pair {
	char c;
	int i;
} __attribute__((packed));

struct empty {};

struct outer {
	struct packed_pair p;
	char tail;
	struct {
		short x;
		struct {
			char deep;
		} inner;
	} nested;
	int (*cbs[2])(void *, ...);
	const char * const names[3];
	struct empty none;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
