package org.ebpf4j.elf;

import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;

/**
 * What a SEC() name says about a program, as libbpf's {@code libbpf_prog_type_by_name()} and
 * {@code bpf_object_init_progs()} derive it.
 *
 * @param progType           program type
 * @param expectedAttachType expected_attach_type, or null where libbpf's table has none (0)
 * @param attachTarget       what follows the type prefix ({@code sys_enter} for
 *                           {@code tp_btf/sys_enter}), empty if none
 * @param attachBtf          the program attaches to a BTF id named by attachTarget (SEC_ATTACH_BTF)
 * @param sleepable          {@code .s} variants: loaded with BPF_F_SLEEPABLE
 * @param xdpFrags           {@code xdp.frags}: loaded with BPF_F_XDP_HAS_FRAGS
 * @param autoload           false for a {@code ?}-prefixed section
 */
public record ProgramKind(ProgType progType, AttachType expectedAttachType, String attachTarget,
                          boolean attachBtf, boolean sleepable, boolean xdpFrags, boolean autoload) {

    /** prog_flags bit BPF_F_SLEEPABLE of {@code include/uapi/linux/bpf.h}. */
    public static final int BPF_F_SLEEPABLE = 1 << 4;
    /** prog_flags bit BPF_F_XDP_HAS_FRAGS. */
    public static final int BPF_F_XDP_HAS_FRAGS = 1 << 5;

    /** The prog_flags libbpf passes to BPF_PROG_LOAD for this kind. */
    public int progFlags() {
        return (sleepable ? BPF_F_SLEEPABLE : 0) | (xdpFrags ? BPF_F_XDP_HAS_FRAGS : 0);
    }
}
