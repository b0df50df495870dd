package org.ebpf4j.api;

import static org.ebpf4j.isa.Opcodes.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.elf.MapSpec;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.elf.ObjectSpec;
import org.ebpf4j.elf.ProgramSpec;
import org.ebpf4j.elf.Relocation;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.kernel.MapInfo;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.helpers.TracePipe;
import org.ebpf4j.kernel.prog.ProgLoadAttr;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.syscall.MapCreateAttr;
import org.ebpf4j.syscall.ObjAttr;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;

/**
 * A BPF object file loaded into a runtime, as libbpf's {@code bpf_object__open()} +
 * {@code bpf_object__load()} (cilium/ebpf's {@code NewCollection}) make it: the inert
 * {@link ObjectSpec} becomes live maps and programs, owned by one {@link Task}.
 *
 * <p>Load order, as libbpf's {@code bpf_object_load}: maps first ({@code bpf_object__create_maps}:
 * a {@code LIBBPF_PIN_BY_NAME} map reuses a compatible pin under {@code /sys/fs/bpf} or is created
 * and pinned; internal {@code .data/.rodata/.bss/.kconfig} maps get their initial contents and
 * {@code .rodata}/{@code .kconfig} are frozen; map-in-map slots are filled), then the programs in
 * section order with their map relocations applied, then PROG_ARRAY initial slots. Any failure
 * unwinds everything created so far and throws {@link BpfLoadException} naming the map or program.
 *
 * <pre>{@code
 * try (BpfObject obj = BpfObject.open(Path.of("sieve.bpf.o"))) {
 *     int primes = obj.program("sieve").testRun(new byte[64], 1).retval();
 * }
 * }</pre>
 */
public final class BpfObject implements AutoCloseable {
    /** libbpf's default pin root for {@code LIBBPF_PIN_BY_NAME}. */
    public static final String PIN_ROOT = "/sys/fs/bpf/";

    private final ObjectSpec spec;
    private final Runtime runtime;
    private final boolean ownsRuntime;
    private final Task task;
    private final Bpf bpf;
    private final Map<String, MapHandle> maps = new LinkedHashMap<>();
    private final Map<String, Program> programs = new LinkedHashMap<>();
    private boolean closed;

    private BpfObject(ObjectSpec spec, Runtime runtime, boolean ownsRuntime, Task task, Bpf bpf) {
        this.spec = spec;
        this.runtime = runtime;
        this.ownsRuntime = ownsRuntime;
        this.task = task;
        this.bpf = bpf;
    }

    /** Reads {@code path} and loads it into a new embedded runtime, which {@link #close()} shuts down. */
    public static BpfObject open(Path path) { return open(path, env -> { }); }

    /**
     * As {@link #open(Path)}, letting {@code configure} prepare the runtime's program side first
     * (register and select an engine, for instance).
     */
    public static BpfObject open(Path path, java.util.function.Consumer<org.ebpf4j.kernel.prog.ProgEnv> configure) {
        ObjectSpec spec = ObjectReader.read(path);
        Runtime rt = Runtime.builder().build();
        try {
            configure.accept(rt.progs());
            return load(spec, rt, rt.spawn("ebpf4j", 0, 0), new KernelBpf(rt), true);
        } catch (RuntimeException e) {
            rt.close();
            throw e;
        }
    }

    /** Loads {@code spec} into {@code rt} as {@code task} through {@code bpf}; the runtime stays the caller's. */
    public static BpfObject load(ObjectSpec spec, Runtime rt, Task task, Bpf bpf) {
        return load(spec, rt, task, bpf, false);
    }

    private static BpfObject load(ObjectSpec spec, Runtime rt, Task task, Bpf bpf, boolean owns) {
        BpfObject o = new BpfObject(spec, rt, owns, task, bpf);
        try {
            o.createMaps();
            o.loadPrograms();
            o.fillProgArrays();
        } catch (RuntimeException e) {
            o.closeFds();
            throw e;
        }
        return o;
    }

    // ---- maps ----

    private void createMaps() {
        List<MapSpec> toPin = new ArrayList<>();
        for (MapSpec m : spec.maps()) {
            int fd = -1;
            if (m.pinning() == MapSpec.Pinning.BY_NAME) {
                fd = reusePin(m);
            }
            if (fd < 0) {
                fd = createMap(m);
                maps.put(m.name(), new MapHandle(bpf, task, m, fd));
                if (m.pinning() == MapSpec.Pinning.BY_NAME) {
                    toPin.add(m);
                }
                initInternal(m, fd);
            } else {
                maps.put(m.name(), new MapHandle(bpf, task, m, fd));
            }
        }
        for (MapSpec m : spec.maps()) {
            if (m.type() == MapType.ARRAY_OF_MAPS || m.type() == MapType.HASH_OF_MAPS) {
                for (MapSpec.Slot s : m.initialSlots()) {
                    MapHandle inner = maps.get(s.target());
                    if (inner == null) {
                        throw new BpfLoadException(Errno.EINVAL, "map '" + m.name() + "' slot " + s.index()
                                + " names map '" + s.target() + "', which the object does not define", null);
                    }
                    mapOp(m, () -> bpf.mapUpdateElem(task, maps.get(m.name()).fd(), MapHandle.le32(s.index()),
                            MapHandle.le32(inner.fd()), 0), "setting initial slot " + s.index());
                }
            }
        }
        for (MapSpec m : toPin) {
            mapOp(m, () -> bpf.objPin(task, PIN_ROOT + m.name(), maps.get(m.name()).fd()), "pinning at " + PIN_ROOT + m.name());
        }
    }

    /** {@code bpf_object__reuse_map}: the fd of a compatible existing pin, -1 if none; EINVAL if incompatible. */
    private int reusePin(MapSpec m) {
        int fd;
        try {
            fd = bpf.objGet(task, ObjAttr.get(PIN_ROOT + m.name(), 0));
        } catch (BpfException e) {
            if (e.errno() == Errno.ENOENT) {
                return -1;
            }
            throw new BpfLoadException(e.errno(), "map '" + m.name() + "': cannot open its pin: " + e.getMessage(), null);
        }
        if (!(bpf.objGetInfoByFd(task, fd) instanceof MapInfo info) || info.type() != m.type()
                || info.keySize() != m.keySize() || info.valueSize() != m.valueSize()
                || info.maxEntries() != m.maxEntries() || info.mapFlags() != m.mapFlags() || info.mapExtra() != m.mapExtra()) {
            task.fds().close(fd);
            throw new BpfLoadException(Errno.EINVAL, "map '" + m.name() + "': couldn't reuse pinned map at " + PIN_ROOT
                    + m.name() + ": its definition differs", null);
        }
        return fd;
    }

    private int createMap(MapSpec m) {
        int innerFd = 0;
        if (m.innerMap() != null) {
            innerFd = createMap(m.innerMap());
        }
        try {
            MapCreateAttr a0 = new MapCreateAttr(m.type().value(), m.keySize(), m.valueSize(), m.maxEntries(), m.mapFlags(),
                    innerFd, m.numaNode(), kernelName(m.name()), 0, 0, 0, 0, 0, m.mapExtra());
            int btf = needsBtf(m) ? objectBtfFd() : 0;
            MapCreateAttr a = btf > 0 ? a0.withBtf(btf, m.btfKeyTypeId(), m.btfValueTypeId()) : a0;
            int[] fd = new int[1];
            mapOp(m, () -> fd[0] = bpf.mapCreate(task, a), "creating it");
            return fd[0];
        } finally {
            if (innerFd > 0) {
                task.fds().close(innerFd);   // the template is only needed for the create
            }
        }
    }

    /**
     * Whether {@code m} is created with the object's BTF: the local-storage types, which Linux
     * refuses without it ({@code bpf_local_storage_map_alloc_check}, spec §10.1). libbpf passes
     * BTF for every map; here only where it is required, so other maps keep their old behaviour.
     */
    private boolean needsBtf(MapSpec m) {
        return spec.btf() != null && m.btfKeyTypeId() != 0 && m.btfValueTypeId() != 0
                && (m.type() == MapType.SK_STORAGE || m.type() == MapType.TASK_STORAGE
                    || m.type() == MapType.INODE_STORAGE || m.type() == MapType.CGRP_STORAGE);
    }

    private int objectBtfFd = -1;

    /** {@code bpf_object__load_btf}: BTF_LOAD of the object's .BTF once; 0 if the kernel refuses it (libbpf goes on without). */
    private int objectBtfFd() {
        if (objectBtfFd < 0) {
            try {
                objectBtfFd = bpf.btfLoad(task, org.ebpf4j.syscall.BtfLoadAttr.of(spec.btf().raw()));
            } catch (BpfException e) {
                objectBtfFd = 0;
            }
        }
        return objectBtfFd;
    }

    /** Global data: value 0 gets the section's bytes; .rodata and .kconfig are frozen. */
    private void initInternal(MapSpec m, int fd) {
        if (!m.isInternal()) {
            return;
        }
        byte[] init = m.initialValue();
        if (init != null) {
            byte[] v = init.length == m.valueSize() ? init : java.util.Arrays.copyOf(init, m.valueSize());
            mapOp(m, () -> bpf.mapUpdateElem(task, fd, MapHandle.le32(0), v, 0), "setting its initial value");
        }
        if (m.origin() == MapSpec.Origin.RODATA || m.origin() == MapSpec.Origin.KCONFIG) {
            mapOp(m, () -> bpf.mapFreeze(task, fd), "freezing it");
        }
    }

    private static void mapOp(MapSpec m, Runnable op, String what) {
        try {
            op.run();
        } catch (BpfException e) {
            throw new BpfLoadException(e.errno(), "map '" + m.name() + "' (" + m.type() + "): " + what + " failed: "
                    + e.getMessage(), null);
        }
    }

    /** {@code bpf_obj_name_cpy} takes at most 15 of [A-Za-z0-9_.]: libbpf sanitises and truncates. */
    static String kernelName(String name) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length() && sb.length() < 15; i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
            sb.append(ok ? c : '_');
        }
        return sb.toString();
    }

    // ---- programs ----

    private void loadPrograms() {
        for (ProgramSpec p : spec.programs()) {
            if (!p.kind().autoload()) {
                continue;
            }
            List<Insn> insns = relocate(p);
            AttachType eat = p.expectedAttachType();
            ProgLoadAttr attr = new ProgLoadAttr(p.progType().value(), insns, spec.license(), 0, null, 0,
                    spec.kernVersion(), p.kind().progFlags(), kernelName(p.name()), 0, eat == null ? 0 : eat.value(),
                    0, attachBtfId(p), 0, null);
            int fd;
            try {
                fd = bpf.progLoad(task, attr);
            } catch (BpfException e) {
                // as libbpf: retry with a log to say why
                byte[] log = new byte[1 << 20];
                String text = "";
                try {
                    int again = bpf.progLoad(task, attr.withLog(1, log, log.length));
                    task.fds().close(again);
                } catch (BpfException e2) {
                    text = cstr(log);
                }
                throw new BpfLoadException(e.errno(), "program '" + p.name() + "' (SEC(\"" + p.sectionName() + "\")): "
                        + e.getMessage(), text);
            }
            programs.put(p.name(), new Program(bpf, task, p, fd));
        }
    }

    /**
     * libbpf's {@code libbpf_find_attach_btf_id} for SEC_ATTACH_BTF programs: the kernel BTF id of
     * {@code btf_trace_NAME} (tp_btf) or of the FUNC {@code NAME} (fentry, fexit, lsm ...); ESRCH
     * when the kernel has no such type. 0 for programs that attach otherwise.
     */
    private int attachBtfId(ProgramSpec p) {
        boolean rawTp = p.expectedAttachType() == AttachType.TRACE_RAW_TP;
        boolean func = org.ebpf4j.kernel.prog.AttachBtf.funcTarget(p.progType(), p.expectedAttachType());
        boolean iter = p.expectedAttachType() == AttachType.TRACE_ITER;   // SEC("iter/T"): the FUNC bpf_iter_T
        if (!p.kind().attachBtf() || !rawTp && !func && !iter) {
            return 0;   // deviation: lsm_cgroup/freplace targets are not modelled; they load without one
        }
        org.ebpf4j.btf.Btf kernel = runtime.kernelBtf();
        // btf_attach_type_prefix: tp_btf names btf_trace_NAME, lsm bpf_lsm_NAME, iter bpf_iter_NAME,
        // fentry/fexit/fmod_ret NAME
        String prefix = rawTp ? "btf_trace_" : p.expectedAttachType() == AttachType.LSM_MAC ? "bpf_lsm_"
                : iter ? "bpf_iter_" : "";
        String name = prefix + p.kind().attachTarget();
        Class<? extends org.ebpf4j.btf.BtfType> kind = rawTp ? org.ebpf4j.btf.BtfType.Typedef.class : org.ebpf4j.btf.BtfType.Func.class;
        return kernel.findByName(name, kind).map(org.ebpf4j.btf.BtfType::id).orElseThrow(() -> new BpfLoadException(Errno.ESRCH,
                "program '" + p.name() + "': failed to find kernel BTF type ID of '" + p.kind().attachTarget() + "'", null));
    }

    /** The relocations libbpf applies before BPF_PROG_LOAD: map fds into ld_imm64. */
    private List<Insn> relocate(ProgramSpec p) {
        List<Insn> insns = new ArrayList<>(p.insns());
        for (Relocation r : p.relocations()) {
            switch (r) {
                case Relocation.MapRef ref -> {
                    MapHandle m = maps.get(ref.map());
                    if (m == null) {
                        throw new BpfLoadException(Errno.EINVAL, "program '" + p.name() + "' insn " + ref.insn()
                                + " refers to map '" + ref.map() + "', which the object does not define", null);
                    }
                    Insn first = insns.get(ref.insn());
                    boolean value = ref.kind() == Relocation.MapRefKind.MAP_VALUE;
                    insns.set(ref.insn(), Insn.of(LD_IMM64, first.dst(), value ? BPF_PSEUDO_MAP_VALUE : BPF_PSEUDO_MAP_FD,
                            0, m.fd()));
                    Insn second = insns.get(ref.insn() + 1);
                    insns.set(ref.insn() + 1, second.withImm(value ? (int) ref.offset() : 0));
                }
                case Relocation.KsymRef k when k.call() -> insns.set(k.insn(), insns.get(k.insn()).withImm(kfuncBtfId(p, k)));
                case Relocation.KsymRef k -> throw new BpfLoadException(Errno.ENOTSUPP, "program '" + p.name() + "' insn "
                        + k.insn() + ": ksym " + k.name() + " is not resolvable in ebpf4j yet", null);
            }
        }
        return insns;
    }

    /**
     * libbpf {@code bpf_object__resolve_ksym_func_btf_id}: a kfunc call gets the id of the FUNC of
     * that name in the kernel BTF (vmlinux; module BTFs are not modelled, so off stays 0). ESRCH
     * when the kernel has none, unless the extern is weak: then imm stays 0 and the verifier
     * refuses the call if it is reachable. Deviation: the prototype is not compared with the
     * kernel's ({@code bpf_core_types_are_compat}).
     */
    private int kfuncBtfId(ProgramSpec p, Relocation.KsymRef k) {
        java.util.Optional<org.ebpf4j.btf.BtfType> f = runtime.kernelBtf().findByName(k.name(), org.ebpf4j.btf.BtfType.Func.class);
        if (f.isPresent()) {
            return f.get().id();
        }
        if (k.weak()) {
            return 0;
        }
        throw new BpfLoadException(Errno.ESRCH, "program '" + p.name() + "' insn " + k.insn() + ": extern (func ksym) '"
                + k.name() + "': not found in kernel or module BTFs", null);
    }

    /** {@code bpf_object__init_prog_arrays}: PROG_ARRAY slots declared with {@code __array(values, ...)}. */
    private void fillProgArrays() {
        for (MapSpec m : spec.maps()) {
            if (m.type() != MapType.PROG_ARRAY) {
                continue;
            }
            for (MapSpec.Slot s : m.initialSlots()) {
                Program target = programs.get(s.target());
                if (target == null) {
                    throw new BpfLoadException(Errno.EINVAL, "prog array '" + m.name() + "' slot " + s.index()
                            + " names program '" + s.target() + "', which is not loaded", null);
                }
                mapOp(m, () -> bpf.mapUpdateElem(task, maps.get(m.name()).fd(), MapHandle.le32(s.index()),
                        MapHandle.le32(target.fd()), 0), "setting slot " + s.index());
            }
        }
    }

    // ---- handles ----

    public ObjectSpec spec() { return spec; }

    public Runtime runtime() { return runtime; }

    public Task task() { return task; }

    public Bpf bpf() { return bpf; }

    /** The loaded program {@code name}; IllegalArgumentException naming the ones there are otherwise. */
    public Program program(String name) {
        Program p = programs.get(name);
        if (p == null) {
            throw new IllegalArgumentException("object " + spec.name() + " has no loaded program '" + name
                    + "' (programs: " + String.join(", ", programs.keySet()) + ")");
        }
        return p;
    }

    public MapHandle map(String name) {
        MapHandle m = maps.get(name);
        if (m == null) {
            throw new IllegalArgumentException("object " + spec.name() + " has no map '" + name + "' (maps: "
                    + String.join(", ", maps.keySet()) + ")");
        }
        return m;
    }

    public List<Program> programs() { return List.copyOf(programs.values()); }

    public List<MapHandle> maps() { return List.copyOf(maps.values()); }

    /** The runtime's trace pipe (bpf_trace_printk output of every program in it). */
    public TracePipe tracePipe() { return runtime.progs().tracePipe(); }

    // ---- lifetime ----

    private void closeFds() {
        for (Program p : programs.values()) {
            closeQuietly(p.fd());
        }
        for (MapHandle m : maps.values()) {
            closeQuietly(m.fd());
        }
        programs.clear();
        maps.clear();
        if (objectBtfFd > 0) {
            closeQuietly(objectBtfFd);   // the maps hold their own BTF reference
            objectBtfFd = 0;
        }
    }

    private void closeQuietly(int fd) {
        if (task.fds().peek(fd) != null) {
            task.fds().close(fd);
        }
    }

    /** Closes every fd of the object (pins stay, as in libbpf); shuts the runtime down if {@link #open} made it. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeFds();
        if (ownsRuntime) {
            runtime.close();
        }
    }

    private static String cstr(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }
}
