package org.ebpf4j.host;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.elf.MapSpec;
import org.ebpf4j.elf.ObjectSpec;
import org.ebpf4j.elf.ProgramSpec;
import org.ebpf4j.elf.Relocation;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Opcodes;
import org.ebpf4j.uapi.MapType;

/**
 * An object loaded into the host kernel by {@link HostLoader}: its maps' fds, and programs
 * loaded on demand. Owns every fd it holds; {@link #close()} closes them all (programs, then
 * maps, then BTF), which frees the kernel objects since nothing is attached or pinned.
 * Not thread-safe: one owner loads and runs.
 */
public final class HostObject implements AutoCloseable {
    private final HostBpf bpf;
    private final ObjectSpec spec;
    private final Map<String, Integer> mapFds;
    private final Map<String, Integer> progFds = new LinkedHashMap<>();
    private final int btfFd;
    private final HostAttachBtf attachBtf;
    private boolean closed;

    HostObject(HostBpf bpf, ObjectSpec spec, Map<String, Integer> mapFds, int btfFd, HostAttachBtf attachBtf) {
        this.bpf = bpf;
        this.attachBtf = attachBtf;
        this.spec = spec;
        this.mapFds = new LinkedHashMap<>(mapFds);
        this.btfFd = btfFd;
    }

    public ObjectSpec spec() { return spec; }

    /** Whether the object's BTF was loaded (maps carry type ids). */
    public boolean hasBtf() { return btfFd > 0; }

    /** The fd of map {@code name}. */
    public int mapFd(String name) {
        Integer fd = mapFds.get(name);
        if (fd == null) {
            throw new IllegalArgumentException(spec.name() + ": no map named '" + name + "' (maps: " + mapFds.keySet() + ")");
        }
        return fd;
    }

    /**
     * Loads program {@code name} (once; later calls return the same fd): its ld_imm64 map
     * references get the map fds ({@code BPF_PSEUDO_MAP_FD}) or fd and value offset
     * ({@code BPF_PSEUDO_MAP_VALUE}), as libbpf's {@code bpf_program__relocate()} leaves them,
     * and with the object's BTF loaded it goes with its func_info (as libbpf passes it);
     * then every PROG_ARRAY slot the object initialises with this program is filled, and the
     * programs the object's PROG_ARRAYs name are loaded too (libbpf loads every program of an
     * object, so a tail call target is there when a program runs). Programs naming a kernel BTF
     * target (tp_btf, fentry, lsm, iter ...) get its attach_btf_id; only loaded, never attached.
     *
     * @throws org.ebpf4j.uapi.BpfException ESRCH when the running kernel has no such target
     */
    public int loadProgram(String name) {
        checkOpen();
        Integer have = progFds.get(name);
        if (have != null) {
            return have;
        }
        ProgramSpec p = spec.program(name).orElseThrow(() -> new IllegalArgumentException(
                spec.name() + ": no program named '" + name + "' (programs: "
                        + spec.programs().stream().map(ProgramSpec::name).toList() + ")"));
        int attachBtfId = attachBtf.attachBtfId(p);
        int fd = bpf.progLoad(new ProgLoad(p.progType(), patch(p), spec.license(), p.name(), p.expectedAttachType(),
                p.kind().progFlags(), spec.kernVersion(), btfFd, btfFd > 0 ? p.funcInfo() : List.of(), attachBtfId));
        progFds.put(name, fd);
        fillSlots(name, fd);
        for (MapSpec m : spec.maps()) {
            for (MapSpec.Slot s : m.type() == MapType.PROG_ARRAY ? m.initialSlots() : List.<MapSpec.Slot>of()) {
                loadProgram(s.target());
            }
        }
        return fd;
    }

    /** BPF_PROG_TEST_RUN of a loaded (or now loaded) program. */
    public TestRun.Result testRun(String program, byte[] dataIn, byte[] ctxIn, int repeat) {
        int fd = loadProgram(program);
        return bpf.progTestRun(new TestRun(fd, dataIn, dataIn == null ? 0 : dataIn.length, ctxIn,
                ctxIn == null ? 0 : ctxIn.length, repeat, 0, 0));
    }

    private List<Insn> patch(ProgramSpec p) {
        List<Insn> insns = new ArrayList<>(p.insns());
        for (Relocation r : p.relocations()) {
            switch (r) {
                case Relocation.MapRef ref -> {
                    int at = ref.insn();
                    if (at + 1 >= insns.size() || !insns.get(at).isLdImm64()) {
                        throw new IllegalArgumentException(spec.name() + ": program " + p.name() + " insn " + at
                                + ": relocation for map '" + ref.map() + "' is not on an ld_imm64");
                    }
                    int fd = mapFd(ref.map());
                    if (ref.kind() == Relocation.MapRefKind.MAP_FD) {
                        insns.set(at, insns.get(at).withSrc(Opcodes.BPF_PSEUDO_MAP_FD).withImm(fd));
                    } else {
                        insns.set(at, insns.get(at).withSrc(Opcodes.BPF_PSEUDO_MAP_VALUE).withImm(fd));
                        insns.set(at + 1, insns.get(at + 1).withImm((int) ref.offset()));
                    }
                }
                case Relocation.KsymRef ref -> throw new IllegalArgumentException(spec.name() + ": program "
                        + p.name() + " insn " + ref.insn() + ": kernel symbol '" + ref.name()
                        + "' needs vmlinux BTF ids, which the host loader does not resolve yet");
            }
        }
        return insns;
    }

    private void fillSlots(String progName, int progFd) {
        for (MapSpec m : spec.maps()) {
            if (m.type() != MapType.PROG_ARRAY) {
                continue;
            }
            for (MapSpec.Slot s : m.initialSlots()) {
                if (s.target().equals(progName)) {
                    bpf.mapUpdateElem(mapFd(m.name()), le32(s.index()), le32(progFd), 0);
                }
            }
        }
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(spec.name() + ": host object is closed");
        }
    }

    /** Closes every program, map and BTF fd; the first failure is thrown after all were tried. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        List<Integer> fds = new ArrayList<>(progFds.values());
        fds.addAll(mapFds.values());
        if (btfFd > 0) {
            fds.add(btfFd);
        }
        for (int fd : fds) {
            try {
                bpf.close(fd);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
