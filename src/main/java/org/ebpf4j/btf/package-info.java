/**
 * BTF, the BPF Type Format: parsing {@code .BTF} ({@link org.ebpf4j.btf.Btf}) and {@code .BTF.ext}
 * ({@link org.ebpf4j.btf.BtfExt}) sections, printing types as C the way
 * {@code bpftool btf dump format c} does, and CO-RE relocation against a target BTF
 * ({@link org.ebpf4j.btf.CoreRelocator}), with the modelled kernel's BTF as the default target
 * ({@link org.ebpf4j.btf.Btf#modelKernel()}).
 *
 * <pre>{@code
 * Btf btf = Btf.parse(elf.section(".BTF"));
 * BtfExt ext = BtfExt.parse(elf.section(".BTF.ext"), btf);
 * CoreRelocator core = new CoreRelocator(btf, Btf.modelKernel());
 * for (BtfExt.CoreRelo r : ext.coreRelos("kprobe/foo")) {
 *     switch (core.relocate(r)) {
 *         case CoreResult.Value v -> patch(r.insnIdx(), v.newValue());
 *         case CoreResult.Poison p -> poison(r.insnIdx());   // call CoreResult.POISON_HELPER_ID
 *         case CoreResult.Failed f -> throw loadError(f.errno(), f.reason());
 *     }
 * }
 * }</pre>
 *
 * Every parse error is a {@link org.ebpf4j.btf.BtfFormatException} naming section and offset.
 */
package org.ebpf4j.btf;
