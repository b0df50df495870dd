/* Layouts that make bpftool print padding and packed attributes (BtfCWriterTest). */
struct __attribute__((packed)) packed_pair {
	char c;
	int i;
};

struct gaps {
	char a;
	int b __attribute__((aligned(16)));
	char c;
	long d __attribute__((aligned(32)));
};

struct bit_gaps {
	unsigned int a: 1;
	unsigned int : 0;
	unsigned int b: 2;
	unsigned long long c: 3;
	char d;
	unsigned int e: 4;
};

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
	const char *const names[3];
	struct empty {} none;
};

__attribute__((used, noinline)) int roots(struct gaps *g, struct bit_gaps *b, struct outer *o)
{
	return 0;
}
