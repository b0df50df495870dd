package org.ebpf4j.kernel.prog;

import static org.ebpf4j.memory.XdpMdLayout.*;

import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * {@code bpf_prog_test_run_xdp} (net/bpf/test_run.c) without live frames: the frame sits after
 * XDP_PACKET_HEADROOM (256) minus the metadata the ctx asks for; ctx_in may give
 * {@code data} (the metadata length, at most 32 and a multiple of 4), {@code data_end} (must be
 * the frame size), {@code ingress_ifindex} (lo only) and {@code rx_queue_index} (0, lo has one
 * queue); data_meta and egress_ifindex must be 0. data_out is metadata + frame; ctx_out has
 * {@code data}/{@code data_end} as offsets from the metadata ({@code xdp_convert_buff_to_md}).
 * Frames over one page (fragments) are not modelled: EINVAL.
 */
final class XdpTestRun {
    private XdpTestRun() {}

    static final int XDP_PACKET_HEADROOM = 256;
    static final int TAILROOM = 320;
    static final int PAGE_SIZE = 4096;
    static final int ETH_HLEN = 14;

    static TestRunResult run(TestRun tr, BpfProg prog, TestRunAttr attr) {
        if (prog.expectedAttachType() == AttachType.XDP_DEVMAP || prog.expectedAttachType() == AttachType.XDP_CPUMAP) {
            throw new BpfException(Errno.EINVAL, "devmap/cpumap XDP programs cannot be test-run");
        }
        if ((attr.flags() & ~TestRunAttr.BPF_F_TEST_XDP_LIVE_FRAMES) != 0) {
            throw new BpfException(Errno.EINVAL, "flags 0x" + Integer.toHexString(attr.flags()) + " has unknown bits");
        }
        if ((attr.flags() & TestRunAttr.BPF_F_TEST_XDP_LIVE_FRAMES) != 0) {
            throw new BpfException(Errno.EOPNOTSUPP, "BPF_F_TEST_XDP_LIVE_FRAMES: the model has no device to transmit on");
        }
        if (attr.batchSize() != 0) {
            throw new BpfException(Errno.EINVAL, "batch_size without BPF_F_TEST_XDP_LIVE_FRAMES");
        }
        byte[] data = attr.dataIn() == null ? new byte[0] : attr.dataIn();
        int size = data.length;
        if (size < ETH_HLEN) {
            throw new BpfException(Errno.EINVAL, "data_size_in " + size + " is below ETH_HLEN");
        }
        byte[] ctx = TestRun.ctxInit(attr, SIZE);
        int headroom = XDP_PACKET_HEADROOM;
        int meta = 0;
        if (ctx != null) {
            long d = SkbTestRun.u32(ctx, DATA), de = SkbTestRun.u32(ctx, DATA_END), dm = SkbTestRun.u32(ctx, DATA_META);
            if (dm != 0 || de != size || d > de || (d & 3) != 0 || d > 32) {
                throw new BpfException(Errno.EINVAL, "xdp_md ctx_in: data_meta must be 0, data_end the frame size "
                        + size + ", data a metadata length of at most 32 in 4-byte steps (got " + d + "/" + de + "/" + dm + ")");
            }
            meta = (int) d;
            headroom -= meta;
        }
        int maxData = PAGE_SIZE - headroom - TAILROOM;
        if (size > maxData) {
            throw new BpfException(Errno.EINVAL, "data_size_in " + size + " needs XDP fragments (over " + maxData
                    + " bytes), which are not modelled");
        }
        if (ctx != null) {
            if (SkbTestRun.u32(ctx, EGRESS_IFINDEX) != 0) {
                throw new BpfException(Errno.EINVAL, "egress_ifindex must be 0");
            }
            long in = SkbTestRun.u32(ctx, INGRESS_IFINDEX), q = SkbTestRun.u32(ctx, RX_QUEUE_INDEX);
            if (in == 0 && q != 0) {
                throw new BpfException(Errno.EINVAL, "rx_queue_index " + q + " without ingress_ifindex");
            }
            if (in != 0 && in != 1) {
                throw new BpfException(Errno.ENODEV, "ingress_ifindex " + in + ": the model has only lo (1)");
            }
            if (in != 0 && q >= 1) {
                throw new BpfException(Errno.EINVAL, "rx_queue_index " + q + ": lo has 1 rx queue");
            }
        }
        Arena a = tr.arena();
        long bufSize = PAGE_SIZE;
        long buf = a.alloc(bufSize);
        long c = a.alloc(ALLOC_SIZE);
        if (buf == 0 || c == 0) {
            if (buf != 0) {
                a.free(buf, bufSize);
            }
            throw new BpfException(Errno.ENOMEM, "no arena memory for an XDP frame");
        }
        try {
            a.fill(buf, bufSize, (byte) 0);
            long metaPtr = buf + headroom;
            // bpf_test_init copies data_in to headroom; the metadata is the first ctx->data bytes of it
            a.copyIn(metaPtr, data);
            long dataPtr = metaPtr + meta;
            long end = metaPtr + size;
            a.fill(c, ALLOC_SIZE, (byte) 0);
            if (ctx != null) {
                a.store32(c + INGRESS_IFINDEX, SkbTestRun.u32(ctx, INGRESS_IFINDEX));
                a.store32(c + RX_QUEUE_INDEX, SkbTestRun.u32(ctx, RX_QUEUE_INDEX));
            }
            a.store64(c + KERN_DATA, dataPtr);
            a.store64(c + KERN_DATA_END, end);
            a.store64(c + KERN_DATA_META, metaPtr);
            a.store32(c + DATA, dataPtr);
            a.store32(c + DATA_END, end);
            a.store32(c + DATA_META, metaPtr);

            TestRun.Runs runs = tr.repeat(prog, c, attr.repeat());

            long dm = a.load64(c + KERN_DATA_META), d = a.load64(c + KERN_DATA), de = a.load64(c + KERN_DATA_END);
            byte[] out = a.copyOut(dm, (int) (de - dm));
            byte[] ctxOut = null;
            if (ctx != null) {
                ctxOut = ctx.clone();
                put32(ctxOut, DATA, d - dm);
                put32(ctxOut, DATA_END, de - dm);
            }
            return TestRun.finish(attr, runs, out, ctxOut);
        } finally {
            a.free(buf, bufSize);
            a.free(c, ALLOC_SIZE);
        }
    }

    private static void put32(byte[] b, int off, long v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }
}
