package org.ebpf4j.kernel.iter;

import org.ebpf4j.kernel.helpers.BpfFormat;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * {@code bpf_seq_printf} and {@code bpf_seq_write} (kernel/trace/bpf_trace.c): output into the
 * iterator's seq_file, which {@code meta->seq} points at. The verifier offers them to iterator
 * programs only ({@code tracing_prog_func_proto}).
 */
final class SeqHelpers {
    static final int BPF_FUNC_seq_printf = 126, BPF_FUNC_seq_write = 127;

    private final BpfIter iters;
    private final Arena arena;
    private final BpfFormat format;

    SeqHelpers(BpfIter iters, Arena arena, long ptrKey) {
        this.iters = iters;
        this.arena = arena;
        this.format = new BpfFormat(arena, ptrKey);
    }

    void registerInto(HelperTable t) {
        t.register(new HelperProto(BPF_FUNC_seq_printf, "bpf_seq_printf", (s, m, fmt, fmtSize, data, dataLen) ->
                seqPrintf(m, fmt, fmtSize, data, dataLen)));
        t.register(new HelperProto(BPF_FUNC_seq_write, "bpf_seq_write", (s, m, data, len, a, b) -> seqWrite(m, data, len)));
    }

    /**
     * {@code bpf_seq_printf(m, fmt, fmt_size, data, data_len)}: data_len a multiple of 8 and at
     * most 12 arguments, else -EINVAL; the format rules of {@code bpf_bprintf_prepare} (a NUL
     * within fmt_size; -EINVAL); 0, or -EOVERFLOW when the buffer has overflowed.
     */
    long seqPrintf(long m, long fmt, long fmtSize, long data, long dataLen) {
        IterSeq seq = iters.seqAt(m);
        if (seq == null) {
            return Errno.EINVAL.negative();
        }
        long len = dataLen & 0xffffffffL;
        long fsz = fmtSize & 0xffffffffL;
        if ((len & 7) != 0 || len > BpfFormat.MAX_BPRINTF_VARARGS * 8L || (len != 0 && data == 0)) {
            return Errno.EINVAL.negative();
        }
        if (fsz == 0 || !arena.contains(fmt, fsz)) {
            return Errno.EINVAL.negative();
        }
        byte[] raw = arena.copyOut(fmt, (int) fsz);
        int nul = -1;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                nul = i;
                break;
            }
        }
        if (nul < 0) {
            return Errno.EINVAL.negative();
        }
        int numArgs = (int) (len / 8);
        long[] args = format.args(data, len);
        if (args == null) {
            return Errno.EFAULT.negative();
        }
        int[] err = new int[1];
        String out = format.format(java.util.Arrays.copyOf(raw, nul), args, numArgs, err);
        if (out == null) {
            return err[0];
        }
        seq.print(out.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        return seq.hasOverflowed() ? Errno.EOVERFLOW.negative() : 0;
    }

    /** {@code bpf_seq_write(m, data, len)}: 0, or -EOVERFLOW when it did not fit. */
    long seqWrite(long m, long data, long len) {
        IterSeq seq = iters.seqAt(m);
        if (seq == null) {
            return Errno.EINVAL.negative();
        }
        long n = len & 0xffffffffL;
        if (n > 0 && !arena.contains(data, n)) {
            return Errno.EFAULT.negative();
        }
        byte[] bytes = n == 0 ? new byte[0] : arena.copyOut(data, (int) n);
        return seq.write(bytes) == 0 ? 0 : Errno.EOVERFLOW.negative();
    }
}
