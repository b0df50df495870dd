package org.ebpf4j.kernel;

import org.ebpf4j.btf.Btf;

/**
 * A loaded BTF object ({@code struct btf} of kernel/bpf/btf.c, made by BPF_BTF_LOAD): the parsed
 * type graph and the raw bytes user space gave ({@code btf_get_info_by_fd} copies them back).
 */
public final class BtfObject extends KernelObject {
    private final Btf btf;
    private final byte[] raw;

    BtfObject(Btf btf, byte[] raw, IdTable<BtfObject> ids, String origin) {
        super(ObjKind.BTF, origin);
        this.btf = btf;
        this.raw = raw.clone();
        publishId(ids);
    }

    public Btf btf() { return btf; }

    /** A copy of the bytes loaded. */
    public byte[] raw() { return raw.clone(); }

    public int size() { return raw.length; }

    @Override
    protected void destroy() {
        // nothing in the arena: the parsed graph is plain Java data
    }

    @Override
    public String describe() { return "btf id " + id() + " (" + raw.length + " bytes)"; }
}
