package org.ebpf4j.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.ebpf4j.elf.ElfFile;
import org.ebpf4j.elf.MapSpec;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.elf.ObjectSpec;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.MapType;

/**
 * Loads an {@link ObjectSpec} into this machine's kernel the way libbpf's
 * {@code bpf_object__load()} does, just far enough to run programs with BPF_PROG_TEST_RUN:
 * BTF (with DATASEC fix-ups, see {@link BtfFixup}) when the object has it, then every map
 * (global data filled, {@code .rodata} frozen), after which {@link HostObject#loadProgram}
 * patches map references and loads programs on demand, with the attach_btf_id of programs that
 * name a kernel BTF target resolved against the running kernel ({@link HostAttachBtf}). Nothing
 * is attached or pinned.
 *
 * <p>BTF is optional, as in libbpf's fallback: if BPF_BTF_LOAD fails, maps are created without
 * type ids, unless one needs BTF (the local-storage family), in which case the error stands.
 */
public final class HostLoader {
    /** Map types whose BPF_MAP_CREATE the kernel refuses without BTF (bpf_local_storage_map_alloc_check). */
    private static final Set<MapType> NEED_BTF = Set.of(MapType.SK_STORAGE, MapType.INODE_STORAGE,
            MapType.TASK_STORAGE, MapType.CGRP_STORAGE);

    private final HostBpf bpf;
    /** vmlinux BTF for attach_btf_id, parsed once for every object this loader loads. */
    private final HostAttachBtf attachBtf;

    public HostLoader(HostBpf bpf) { this(bpf, new HostAttachBtf()); }

    /** A loader resolving BTF attach targets with {@code attachBtf} (shared between loaders to parse vmlinux once). */
    public HostLoader(HostBpf bpf, HostAttachBtf attachBtf) {
        this.bpf = bpf;
        this.attachBtf = attachBtf;
    }

    /**
     * Reads {@code objectFile}, its CO-RE relocations applied against the running kernel's BTF
     * ({@link HostAttachBtf#coreTarget()}), and loads its BTF and maps.
     */
    public HostObject load(Path objectFile) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(objectFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + objectFile + ": " + e.getMessage(), e);
        }
        ObjectSpec spec = ObjectReader.read(bytes, objectFile.toString(), org.ebpf4j.elf.Kconfig.model(),
                attachBtf.coreTarget());
        return load(spec, ElfFile.parse(bytes, objectFile.toString()));
    }

    /**
     * Loads {@code spec}'s BTF and maps. {@code elf} (the same object's file) is needed only to
     * fix the BTF's DATASECs; with null, BTF is not loaded.
     */
    public HostObject load(ObjectSpec spec, ElfFile elf) {
        Map<String, Integer> mapFds = new LinkedHashMap<>();
        int btfFd = 0;
        try {
            btfFd = loadBtf(spec, elf);
            for (MapSpec m : spec.maps()) {
                if (m.type() == null) {
                    throw new IllegalArgumentException(spec.name() + ": map '" + m.name() + "' has an unknown type");
                }
                mapFds.put(m.name(), createMap(m, btfFd));
            }
            return new HostObject(bpf, spec, mapFds, btfFd, attachBtf);
        } catch (RuntimeException e) {
            mapFds.values().forEach(fd -> closeQuietly(fd, e));
            if (btfFd > 0) {
                closeQuietly(btfFd, e);
            }
            throw e;
        }
    }

    private int loadBtf(ObjectSpec spec, ElfFile elf) {
        boolean needed = spec.maps().stream().anyMatch(m -> NEED_BTF.contains(m.type()));
        if (spec.btf() == null || elf == null) {
            if (needed) {
                throw new IllegalArgumentException(spec.name() + ": a map needs BTF but "
                        + (spec.btf() == null ? "the object has no .BTF" : "no ELF was given to fix its DATASECs"));
            }
            return 0;
        }
        try {
            return bpf.btfLoad(BtfFixup.fixDatasecs(spec.btf(), elf));
        } catch (BpfException | IllegalArgumentException e) {
            if (needed) {
                throw e;
            }
            return 0;   // libbpf: "Error loading .BTF into kernel ... BTF is optional, ignoring"
        }
    }

    private int createMap(MapSpec m, int btfFd) {
        int innerFd = 0;
        if (m.innerMap() != null) {
            innerFd = createMap(m.innerMap(), btfFd);
        }
        try {
            boolean btf = btfFd > 0 && m.btfValueTypeId() != 0;
            int fd = bpf.mapCreate(new MapCreate(m.type(), m.keySize(), m.valueSize(), m.maxEntries(), m.mapFlags(),
                    m.name(), innerFd, btf ? btfFd : 0, btf ? m.btfKeyTypeId() : 0, btf ? m.btfValueTypeId() : 0,
                    m.mapExtra()));
            try {
                byte[] init = m.initialValue();
                if (init != null && m.isInternal()) {
                    bpf.mapUpdateElem(fd, new byte[4], init, 0);
                }
                if (m.origin() == MapSpec.Origin.RODATA || m.origin() == MapSpec.Origin.KCONFIG) {
                    bpf.mapFreeze(fd);      // libbpf freezes read-only data so the verifier may trust it
                }
            } catch (RuntimeException e) {
                closeQuietly(fd, e);
                throw e;
            }
            return fd;
        } finally {
            if (innerFd > 0) {
                bpf.close(innerFd);     // the template only shapes the outer map
            }
        }
    }

    private void closeQuietly(int fd, RuntimeException primary) {
        try {
            bpf.close(fd);
        } catch (RuntimeException e) {
            primary.addSuppressed(e);
        }
    }
}
