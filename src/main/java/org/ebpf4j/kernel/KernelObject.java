package org.ebpf4j.kernel;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What every BPF object has: a kernel reference count and an id. Mirrors {@code bpf_map_inc} /
 * {@code bpf_map_put}, {@code bpf_prog_inc} / {@code bpf_prog_put}, {@code bpf_link_inc} /
 * {@code bpf_link_put}, {@code btf_get} / {@code btf_put} (kernel/bpf/syscall.c, btf.c).
 *
 * <p>Who holds a reference: every fd naming the object (through its {@link File}), every bpffs
 * pin, every program using a map, every map slot holding a program or map, a link holding its
 * program. The creator starts with one reference (its fd takes it over).
 *
 * <p>When the count reaches zero the id is removed <b>at once</b> (the object can no longer be
 * found by id) and then {@link #destroy()} runs, which defers memory release by a grace period.
 * A count never goes negative: a put on a dead object is a bug and throws.
 */
public abstract class KernelObject {
    private final ObjKind kind;
    private final AtomicLong refcnt = new AtomicLong(1);
    private volatile int id;
    private volatile IdTable<?> ids;
    /** Where the object was made, for leak reports (task and command). */
    private final String origin;

    protected KernelObject(ObjKind kind, String origin) {
        this.kind = kind;
        this.origin = origin == null ? "?" : origin;
    }

    public final ObjKind kind() { return kind; }

    /** The id while the object is published and alive; 0 before publication and after death. */
    public int id() { return id; }

    /** Current kernel reference count (diagnostics and tests). */
    public final long refcnt() { return refcnt.get(); }

    public final String origin() { return origin; }

    /** True while at least one reference is held. */
    public final boolean alive() { return refcnt.get() > 0; }

    /** Allocates the id in {@code table} (cyclic); from now on the object is visible by id. */
    @SuppressWarnings("unchecked")
    protected final <T extends KernelObject> int publishId(IdTable<T> table) {
        if (ids != null) {
            throw new IllegalStateException(this + " is already published");
        }
        int newId = table.alloc((T) this);
        ids = table;
        id = newId;
        return newId;
    }

    /** Records an id given elsewhere (maps take theirs from the map registry). */
    @SuppressWarnings("unchecked")
    protected final <T extends KernelObject> void adoptId(IdTable<T> table, int givenId) {
        table.insert(givenId, (T) this);
        ids = table;
        id = givenId;
    }

    /** {@code *_inc}: takes a reference; the caller must already hold one (or hold the object otherwise alive). */
    public final void inc() {
        long n = refcnt.getAndIncrement();
        if (n <= 0) {
            refcnt.getAndDecrement();
            throw new IllegalStateException("inc on dead " + this);
        }
    }

    /** {@code *_inc_not_zero}: takes a reference unless the object is already dying; false then. */
    public final boolean tryInc() {
        long n;
        do {
            n = refcnt.get();
            if (n <= 0) {
                return false;
            }
        } while (!refcnt.compareAndSet(n, n + 1));
        return true;
    }

    /** {@code *_put}: drops a reference; the last one removes the id and destroys the object. */
    public final void put() {
        long n = refcnt.decrementAndGet();
        if (n > 0) {
            return;
        }
        if (n < 0) {
            refcnt.incrementAndGet();
            throw new IllegalStateException("refcount of " + this + " would go negative");
        }
        IdTable<?> t = ids;
        int old = id;
        if (t != null) {
            t.remove(old, this);   // bpf_map_free_id / bpf_prog_free_id: at once
        }
        id = 0;
        destroy();
    }

    /**
     * {@code bpf_any_get} (kernel/bpf/inode.c): the reference one fd or one pin holds. Maps count
     * it as a user reference too ({@link MapObject} overrides); other kinds take a plain reference.
     */
    public void anyGet() { inc(); }

    /** {@link #anyGet()} unless the object is already dying ({@code *_inc_not_zero}); false then. */
    public boolean tryAnyGet() { return tryInc(); }

    /** {@code bpf_any_put}: an fd or pin goes. */
    public void anyPut() { put(); }

    /**
     * The last reference went and the id is gone: release what the object holds and free its
     * memory after a grace period ({@code bpf_map_free_deferred}, {@code __bpf_prog_put_noref}).
     */
    protected abstract void destroy();

    /** A one-line description for leak reports and messages. */
    public String describe() {
        return kind.name().toLowerCase() + " id " + id;
    }

    @Override
    public String toString() {
        return describe() + " (refcnt " + refcnt.get() + ", made by " + origin + ")";
    }
}
