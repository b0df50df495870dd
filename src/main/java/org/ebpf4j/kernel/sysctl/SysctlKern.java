package org.ebpf4j.kernel.sysctl;

/**
 * {@code struct bpf_sysctl_kern} (include/linux/filter.h): what the sysctl helpers reach behind
 * the {@code struct bpf_sysctl} context of one hook run. One per access, used by the one thread
 * running the effective array.
 */
final class SysctlKern {
    final SysctlTable table;
    final boolean write;
    /** The handler's output at position 0 ({@code cur_val}/{@code cur_len}); empty when it failed. */
    final byte[] curVal;
    /** {@code new_val}: a PAGE_SIZE buffer holding the value being written, or null on reads. */
    final byte[] newVal;
    int newLen;
    boolean newUpdated;

    SysctlKern(SysctlTable table, boolean write, byte[] curVal, byte[] newVal, int newLen) {
        this.table = table;
        this.write = write;
        this.curVal = curVal;
        this.newVal = newVal;
        this.newLen = newLen;
    }
}
