// A small XDP program for the disassembler golden test (see Makefile): map lookup (ld_imm64 with
// a map relocation), helper, kfunc and subprogram calls, atomics, cpu v4 sign extension and
// signed division, and inline asm for forms clang does not emit from plain C here.
#include <linux/bpf.h>
#define SEC(n) __attribute__((section(n), used))

struct {
    int type;
    int *key;
    long *value;
    int max_entries;
} counts SEC(".maps");

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
extern void bpf_rcu_read_lock(void) __attribute__((section(".ksyms")));
extern void bpf_rcu_read_unlock(void) __attribute__((section(".ksyms")));

long total = 5;

static __attribute__((noinline)) int scale(int x)
{
    return x * 3 + 1;
}

SEC("xdp") int prog(struct xdp_md *ctx)
{
    int key = 0;
    long *v = bpf_map_lookup_elem(&counts, &key);

    bpf_rcu_read_lock();
    bpf_rcu_read_unlock();
    if (!v)
        return scale(ctx->ingress_ifindex);
    __sync_fetch_and_add(v, 1);
    long old = __sync_fetch_and_add(v, 2);
    __sync_val_compare_and_swap(v, old, 7);
    __atomic_exchange_n(v, 9, __ATOMIC_SEQ_CST);
    __sync_fetch_and_or((int *)v, 4);
    total += *v;
    asm volatile("r0 = bswap16 r0; r1 = be32 r1; r2 = le64 r2; gotol +0; may_goto +0;"
                 "r3 = *(s16 *)(r10 - 8); r4 s%%= r5; w6 = atomic_fetch_xor((u32 *)(r10 - 16), w6);"
                 "r7 = addr_space_cast(r7, 1, 0); r0 = *(u8 *)skb[3]; r0 = *(u32 *)skb[r1]"
                 ::: "r0", "r1", "r2", "r3", "r4", "r6", "r7");
    return (signed char)*v / ((short)ctx->data + 1);
}
