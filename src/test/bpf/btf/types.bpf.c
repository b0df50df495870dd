/* Every BTF kind clang emits, for BtfTest: sizes and offsets are checked against this file. */
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;

enum color { RED, GREEN = 5, BLUE = -1 };
enum big : unsigned long long { SMALL = 1, HUGE = 0x123456789aULL };
enum __attribute__((packed)) tiny { T0, T1 = 200 };

struct inner {
	short s;
	char c;
};

struct flags {
	unsigned int a : 3;
	unsigned int b : 5;
	int c : 7;
	u64 d : 40;
	char tail;
};

union num {
	int i;
	float f;
	double d;
	u64 raw;
};

struct node;
union unode;

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
	const volatile int *cvp;
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
	int flex[];
};

struct __attribute__((btf_decl_tag("tagged_struct"))) tagged {
	int __attribute__((btf_type_tag("user"))) *uptr;
	int val __attribute__((btf_decl_tag("tagged_member")));
};

int global_counter = 1;
char _license[] __attribute__((section("license"), used)) = "GPL";
struct everything ev_bss;
struct tagged tg;
struct flags fl;

__attribute__((noinline)) static int helper(struct everything *e, int x)
{
	return e->i + x + fl.b;
}

__attribute__((section("tc"), used)) int prog(struct everything *ctx)
{
	ev_bss.i++;
	return helper(ctx, global_counter) + tg.val;
}
