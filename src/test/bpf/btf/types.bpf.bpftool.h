#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

typedef unsigned int u32;

typedef signed char s8;

struct inner {
	short s;
	char c;
};

struct node;

union unode;

typedef unsigned long long u64;

union num {
	int i;
	float f;
	double d;
	u64 raw;
};

enum color {
	RED = 0,
	GREEN = 5,
	BLUE = -1,
};

enum big {
	SMALL = 1ULL,
	HUGE = 78187493530ULL,
};

enum tiny {
	T0 = 0,
	T1 = 200,
};

struct everything {
	int i;
	u32 u;
	s8 sc;
	struct inner in;
	struct inner arr[3];
	char name[16];
	int matrix[2][3];
	struct node *next;
	union unode *un;
	volatile const int *cvp;
	int * restrict rp;
	int (*fn)(int, const char *);
	void (*vfn)(void);
	union num n;
	struct {
		int x;
		int y;
	} anon_named;
	union {
		long l;
		unsigned long ul;
	};
	enum color col;
	enum big bg;
	enum tiny ty;
	_Bool flag;
	long double ld;
	u64 flex_len;
	int flex[0];
};

struct tagged {
	int __attribute__((btf_type_tag("user"))) *uptr;
	int val;
};

struct flags {
	unsigned int a: 3;
	unsigned int b: 5;
	int c: 7;
	u64 d: 40;
	char tail;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
