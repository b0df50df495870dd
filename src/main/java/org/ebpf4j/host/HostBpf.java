package org.ebpf4j.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import org.ebpf4j.isa.Insns;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Cmd;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;

/**
 * bpf(2) on this machine's kernel through the FFM API: {@code syscall(__NR_bpf, cmd, &attr, size)}
 * via {@link Linker#nativeLinker()} (the libc {@code syscall} from {@code defaultLookup()}, first
 * variadic argument at index 1, every variadic argument a {@code long}, errno captured with
 * {@code captureCallState("errno")}), as {@code ../shared/spec/kernel-observed-6.18.md} "Java 25
 * FFM → bpf(2): works" found. One method per command, as kernel/bpf/syscall.c has one function per
 * command; attrs are written at the offsets of {@link BpfAttr}.
 *
 * <p>Every failure is a {@link BpfException} with the kernel's errno; a refused PROG_LOAD carries
 * the verifier log in its message. Fds returned are the caller's to {@link #close(int)}.
 * An instance holds only immutable method handles: it is safe to share between threads.
 */
public final class HostBpf {
    /** __NR_bpf: arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h (arm64). */
    private static final long NR_BPF_X86_64 = 321, NR_BPF_AARCH64 = 280;
    /** Verifier log buffer of a retried PROG_LOAD; the kernel truncates (ENOSPC) past it. */
    private static final int LOG_SIZE = 1 << 20;
    /** BPF_STATS_RUN_TIME of enum bpf_stats_type. */
    public static final int BPF_STATS_RUN_TIME = 0;

    private final MethodHandle syscall;
    private final MethodHandle close;
    private final StructLayout captureLayout;
    private final VarHandle errnoHandle;
    private final long nrBpf;

    private HostBpf(MethodHandle syscall, MethodHandle close, StructLayout captureLayout, long nrBpf) {
        this.syscall = syscall;
        this.close = close;
        this.captureLayout = captureLayout;
        this.errnoHandle = captureLayout.varHandle(StructLayout.PathElement.groupElement("errno"));
        this.nrBpf = nrBpf;
    }

    /**
     * Binds to the kernel and checks that bpf(2) is allowed (one tiny ARRAY map, created and
     * closed).
     *
     * @throws HostUnavailableException naming why the kernel cannot be used
     */
    public static HostBpf open() {
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            throw new HostUnavailableException("not Linux (" + os + ")");
        }
        long nr = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> NR_BPF_X86_64;
            case "aarch64" -> NR_BPF_AARCH64;
            default -> throw new HostUnavailableException("no bpf(2) number known for arch " + System.getProperty("os.arch"));
        };
        HostBpf bpf;
        try {
            Linker linker = Linker.nativeLinker();
            Linker.Option capture = Linker.Option.captureCallState("errno");
            MemorySegment sys = linker.defaultLookup().find("syscall")
                    .orElseThrow(() -> new HostUnavailableException("libc has no syscall()"));
            MemorySegment cls = linker.defaultLookup().find("close")
                    .orElseThrow(() -> new HostUnavailableException("libc has no close()"));
            MethodHandle sysHandle = linker.downcallHandle(sys,
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                    Linker.Option.firstVariadicArg(1), capture);
            MethodHandle closeHandle = linker.downcallHandle(cls,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), capture);
            bpf = new HostBpf(sysHandle, closeHandle, Linker.Option.captureStateLayout(), nr);
        } catch (IllegalCallerException | UnsupportedOperationException e) {
            throw new HostUnavailableException("native access refused: " + e.getMessage(), e);
        }
        try {
            int fd = bpf.mapCreate(MapCreate.of(MapType.ARRAY, 4, 4, 1, 0, "ebpf4j_probe"));
            bpf.close(fd);
        } catch (BpfException e) {
            throw new HostUnavailableException("bpf(BPF_MAP_CREATE) refused: " + e.getMessage(), e);
        }
        return bpf;
    }

    // ---- maps ----

    /** BPF_MAP_CREATE: a new map fd. */
    public int mapCreate(MapCreate a) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.MapCreate.SIZE, 8);
            putInt(attr, BpfAttr.MapCreate.MAP_TYPE, a.type().value());
            putInt(attr, BpfAttr.MapCreate.KEY_SIZE, a.keySize());
            putInt(attr, BpfAttr.MapCreate.VALUE_SIZE, a.valueSize());
            putInt(attr, BpfAttr.MapCreate.MAX_ENTRIES, a.maxEntries());
            putInt(attr, BpfAttr.MapCreate.MAP_FLAGS, a.mapFlags());
            putInt(attr, BpfAttr.MapCreate.INNER_MAP_FD, a.innerMapFd());
            putName(attr, BpfAttr.MapCreate.MAP_NAME, a.name());
            putInt(attr, BpfAttr.MapCreate.BTF_FD, a.btfFd());
            putInt(attr, BpfAttr.MapCreate.BTF_KEY_TYPE_ID, a.btfKeyTypeId());
            putInt(attr, BpfAttr.MapCreate.BTF_VALUE_TYPE_ID, a.btfValueTypeId());
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.MapCreate.MAP_EXTRA, a.mapExtra());
            return (int) call(arena, Cmd.MAP_CREATE, attr, "map_create " + a.type() + " '" + a.name() + "'");
        }
    }

    /** BPF_MAP_UPDATE_ELEM with {@code flags} (BPF_ANY 0, BPF_NOEXIST 1, BPF_EXIST 2, BPF_F_LOCK 4). */
    public void mapUpdateElem(int mapFd, byte[] key, byte[] value, long flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = elemAttr(arena, mapFd, key, flags);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.MapElem.VALUE, copyIn(arena, value).address());
            call(arena, Cmd.MAP_UPDATE_ELEM, attr, "map_update_elem fd " + mapFd);
        }
    }

    /**
     * BPF_MAP_LOOKUP_ELEM: {@code valueSize} bytes (per-CPU maps: the caller passes
     * round_up(value_size, 8) * possible CPUs).
     *
     * @throws BpfException ENOENT for a missing key
     */
    public byte[] mapLookupElem(int mapFd, byte[] key, int valueSize) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = elemAttr(arena, mapFd, key, 0);
            MemorySegment value = arena.allocate(Math.max(1, valueSize), 8);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.MapElem.VALUE, value.address());
            call(arena, Cmd.MAP_LOOKUP_ELEM, attr, "map_lookup_elem fd " + mapFd);
            return value.asSlice(0, valueSize).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** BPF_MAP_DELETE_ELEM. */
    public void mapDeleteElem(int mapFd, byte[] key) {
        try (Arena arena = Arena.ofConfined()) {
            call(arena, Cmd.MAP_DELETE_ELEM, elemAttr(arena, mapFd, key, 0), "map_delete_elem fd " + mapFd);
        }
    }

    /** BPF_MAP_GET_NEXT_KEY (map_fd 0, key 8, next_key 16): the key after {@code key} (null: the first); ENOENT at the end. */
    public byte[] mapGetNextKey(int mapFd, byte[] key, int keySize) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = elemAttr(arena, mapFd, key, 0);
            MemorySegment next = arena.allocate(Math.max(1, keySize), 8);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.MapElem.VALUE, next.address());
            call(arena, Cmd.MAP_GET_NEXT_KEY, attr, "map_get_next_key fd " + mapFd);
            return next.asSlice(0, keySize).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** BPF_OBJ_PIN (pathname 0, bpf_fd 8) of a map, program or link fd at a bpffs path. */
    public void objPin(int fd, String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(16, 8);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, arena.allocateFrom(path).address());
            putInt(attr, 8, fd);
            call(arena, Cmd.OBJ_PIN, attr, "obj_pin fd " + fd + " at " + path);
        }
    }

    /** BPF_OBJ_GET (pathname 0): a new fd of what {@code path} pins. */
    public int objGet(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(16, 8);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, arena.allocateFrom(path).address());
            return (int) call(arena, Cmd.OBJ_GET, attr, "obj_get " + path);
        }
    }

    /** BPF_MAP_FREEZE: syscall-side writes refused from now on (libbpf freezes .rodata). */
    public void mapFreeze(int mapFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.MapElem.SIZE, 8);
            putInt(attr, BpfAttr.MapElem.MAP_FD, mapFd);
            call(arena, Cmd.MAP_FREEZE, attr, "map_freeze fd " + mapFd);
        }
    }

    // ---- programs ----

    /**
     * BPF_PROG_LOAD: a new program fd. Loads with log_level 0 first; when the kernel refuses,
     * loads again with log_level 1 and a log buffer so the exception carries the verifier's words.
     */
    public int progLoad(ProgLoad p) {
        try {
            return progLoad(p, 0);
        } catch (BpfException first) {
            int fd = progLoad(p, 1);    // throws again, now with the verifier log
            close(fd);                  // accepted the second time: keep the first answer
            throw first;
        }
    }

    private int progLoad(ProgLoad p, int logLevel) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.ProgLoad.SIZE, 8);
            byte[] code = Insns.encode(p.insns());
            putInt(attr, BpfAttr.ProgLoad.PROG_TYPE, p.type().value());
            putInt(attr, BpfAttr.ProgLoad.INSN_CNT, p.insns().size());
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.ProgLoad.INSNS, copyIn(arena, code).address());
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.ProgLoad.LICENSE,
                    arena.allocateFrom(p.license()).address());
            MemorySegment log = null;
            if (logLevel > 0) {
                log = arena.allocate(LOG_SIZE);
                putInt(attr, BpfAttr.ProgLoad.LOG_LEVEL, logLevel);
                putInt(attr, BpfAttr.ProgLoad.LOG_SIZE, LOG_SIZE);
                attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.ProgLoad.LOG_BUF, log.address());
            }
            putInt(attr, BpfAttr.ProgLoad.KERN_VERSION, p.kernVersion());
            putInt(attr, BpfAttr.ProgLoad.PROG_FLAGS, p.progFlags());
            putName(attr, BpfAttr.ProgLoad.PROG_NAME, p.name());
            putInt(attr, BpfAttr.ProgLoad.EXPECTED_ATTACH_TYPE,
                    p.expectedAttachType() == null ? 0 : p.expectedAttachType().value());
            putInt(attr, BpfAttr.ProgLoad.PROG_BTF_FD, p.progBtfFd());
            putInt(attr, BpfAttr.ProgLoad.ATTACH_BTF_ID, p.attachBtfId());   // attach_btf_obj_fd 0: vmlinux
            if (!p.funcInfo().isEmpty()) {
                MemorySegment fi = arena.allocate((long) p.funcInfo().size() * BpfAttr.ProgLoad.FUNC_INFO_REC, 8);
                for (int i = 0; i < p.funcInfo().size(); i++) {
                    fi.set(ValueLayout.JAVA_INT, i * 8L, p.funcInfo().get(i).insnOff());
                    fi.set(ValueLayout.JAVA_INT, i * 8L + 4, p.funcInfo().get(i).typeId());
                }
                putInt(attr, BpfAttr.ProgLoad.FUNC_INFO_REC_SIZE, BpfAttr.ProgLoad.FUNC_INFO_REC);
                attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.ProgLoad.FUNC_INFO, fi.address());
                putInt(attr, BpfAttr.ProgLoad.FUNC_INFO_CNT, p.funcInfo().size());
            }
            long ret = raw(arena, Cmd.PROG_LOAD, attr);
            if (ret < 0) {
                String what = "prog_load " + p.type() + " '" + p.name() + "' (" + p.insns().size() + " insns)";
                if (log != null) {
                    what += ", verifier log:\n" + tail(log.getString(0), 60);
                }
                throw error(ret, what);
            }
            return (int) ret;
        }
    }

    /** BPF_PROG_TEST_RUN: runs the program {@code repeat} times in the kernel. */
    public TestRun.Result progTestRun(TestRun t) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.TestRun.SIZE, 8);
            putInt(attr, BpfAttr.TestRun.PROG_FD, t.progFd());
            byte[] dataIn = t.dataIn();
            if (dataIn != null) {
                putInt(attr, BpfAttr.TestRun.DATA_SIZE_IN, dataIn.length);
                attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.TestRun.DATA_IN, copyIn(arena, dataIn).address());
            }
            MemorySegment dataOut = t.dataSizeOut() > 0 ? arena.allocate(t.dataSizeOut()) : null;
            if (dataOut != null) {
                putInt(attr, BpfAttr.TestRun.DATA_SIZE_OUT, t.dataSizeOut());
                attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.TestRun.DATA_OUT, dataOut.address());
            }
            byte[] ctxIn = t.ctxIn();
            if (ctxIn != null) {
                putInt(attr, BpfAttr.TestRun.CTX_SIZE_IN, ctxIn.length);
                attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.TestRun.CTX_IN, copyIn(arena, ctxIn).address());
            }
            MemorySegment ctxOut = t.ctxSizeOut() > 0 ? arena.allocate(t.ctxSizeOut()) : null;
            if (ctxOut != null) {
                putInt(attr, BpfAttr.TestRun.CTX_SIZE_OUT, t.ctxSizeOut());
                attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.TestRun.CTX_OUT, ctxOut.address());
            }
            putInt(attr, BpfAttr.TestRun.REPEAT, t.repeat());
            putInt(attr, BpfAttr.TestRun.FLAGS, t.flags());
            putInt(attr, BpfAttr.TestRun.CPU, t.cpu());
            call(arena, Cmd.PROG_TEST_RUN, attr, "prog_test_run fd " + t.progFd());
            int retval = attr.get(ValueLayout.JAVA_INT_UNALIGNED, BpfAttr.TestRun.RETVAL);
            int duration = attr.get(ValueLayout.JAVA_INT_UNALIGNED, BpfAttr.TestRun.DURATION);
            byte[] outData = dataOut == null ? new byte[0] : dataOut.asSlice(0,
                    Math.min(t.dataSizeOut(), attr.get(ValueLayout.JAVA_INT_UNALIGNED, BpfAttr.TestRun.DATA_SIZE_OUT)))
                    .toArray(ValueLayout.JAVA_BYTE);
            byte[] outCtx = ctxOut == null ? new byte[0] : ctxOut.asSlice(0,
                    Math.min(t.ctxSizeOut(), attr.get(ValueLayout.JAVA_INT_UNALIGNED, BpfAttr.TestRun.CTX_SIZE_OUT)))
                    .toArray(ValueLayout.JAVA_BYTE);
            return new TestRun.Result(retval, duration, outData, outCtx);
        }
    }

    // ---- BTF, stats, fds ----

    /** BPF_BTF_LOAD of a raw {@code .BTF} blob (header, types, strings); the log is in the message on failure. */
    public int btfLoad(byte[] btf) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.BtfLoad.SIZE, 8);
            MemorySegment log = arena.allocate(LOG_SIZE);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.BtfLoad.BTF, copyIn(arena, btf).address());
            putInt(attr, BpfAttr.BtfLoad.BTF_SIZE, btf.length);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.BtfLoad.BTF_LOG_BUF, log.address());
            putInt(attr, BpfAttr.BtfLoad.BTF_LOG_SIZE, LOG_SIZE);
            putInt(attr, BpfAttr.BtfLoad.BTF_LOG_LEVEL, 1);
            long ret = raw(arena, Cmd.BTF_LOAD, attr);
            if (ret < 0) {
                throw error(ret, "btf_load (" + btf.length + " bytes), log:\n" + tail(log.getString(0), 30));
            }
            return (int) ret;
        }
    }

    /**
     * BPF_ENABLE_STATS: an fd that keeps run_time_ns/run_cnt accounting on while it is open
     * (fd-scoped: kernel.bpf_stats_enabled does not show it, see kernel-observed-6.18.md).
     */
    public int enableStats(int type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfAttr.EnableStats.SIZE, 8);
            putInt(attr, BpfAttr.EnableStats.TYPE, type);
            return (int) call(arena, Cmd.ENABLE_STATS, attr, "enable_stats type " + type);
        }
    }

    /** close(2) of a map, program, BTF or stats fd. */
    public void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(captureLayout);
            int ret = (int) close.invokeExact(state, fd);
            if (ret < 0) {
                throw error(-(int) errnoHandle.get(state, 0L), "close fd " + fd);
            }
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("close(" + fd + ") failed in the FFM call: " + t, t);
        }
    }

    // ---- plumbing ----

    /** One bpf(2) command for the other classes of this package ({@link HostCgroupBpf}); throws on failure. */
    long command(Arena arena, Cmd cmd, MemorySegment attr, String what) { return call(arena, cmd, attr, what); }

    private long call(Arena arena, Cmd cmd, MemorySegment attr, String what) {
        long ret = raw(arena, cmd, attr);
        if (ret < 0) {
            throw error(ret, what);
        }
        return ret;
    }

    /** The syscall: its result, or -errno. */
    private long raw(Arena arena, Cmd cmd, MemorySegment attr) {
        MemorySegment state = arena.allocate(captureLayout);
        long ret;
        try {
            ret = (long) syscall.invokeExact(state, nrBpf, (long) cmd.value(), attr.address(), attr.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException("bpf(" + cmd + ") failed in the FFM call: " + t, t);
        }
        return ret == -1 ? -(int) errnoHandle.get(state, 0L) : ret;
    }

    private static BpfException error(long negErrno, String what) {
        Errno e = Errno.of((int) negErrno);
        String text = e != null ? e.text() : "errno " + (-negErrno);
        return new BpfException(e != null ? e : Errno.EINVAL, what + ": " + text
                + (e == null ? " (unknown errno " + (-negErrno) + ")" : ""));
    }

    private static MemorySegment elemAttr(Arena arena, int mapFd, byte[] key, long flags) {
        MemorySegment attr = arena.allocate(BpfAttr.MapElem.SIZE, 8);
        putInt(attr, BpfAttr.MapElem.MAP_FD, mapFd);
        attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.MapElem.KEY, key == null ? 0 : copyIn(arena, key).address());
        attr.set(ValueLayout.JAVA_LONG_UNALIGNED, BpfAttr.MapElem.FLAGS, flags);
        return attr;
    }

    private static MemorySegment copyIn(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(Math.max(1, bytes.length), 8);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s;
    }

    private static void putInt(MemorySegment attr, long off, int v) {
        attr.set(ValueLayout.JAVA_INT_UNALIGNED, off, v);
    }

    /** map_name / prog_name: at most 15 bytes and a NUL, only [A-Za-z0-9_.] as the kernel demands. */
    private static void putName(MemorySegment attr, long off, String name) {
        byte[] b = name.replaceAll("[^A-Za-z0-9_.]", "_").getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(b.length, BpfAttr.OBJ_NAME_LEN - 1);
        MemorySegment.copy(b, 0, attr, ValueLayout.JAVA_BYTE, off, n);
    }

    /** The last {@code lines} lines of a verifier log (the reason is at the end). */
    private static String tail(String log, int lines) {
        String[] all = log.strip().split("\n");
        if (all.length <= lines) {
            return log.strip();
        }
        return "... (" + (all.length - lines) + " lines before)\n"
                + String.join("\n", java.util.Arrays.copyOfRange(all, all.length - lines, all.length));
    }
}
