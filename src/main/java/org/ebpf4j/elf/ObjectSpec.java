package org.ebpf4j.elf;

import java.util.List;
import java.util.Optional;

/**
 * Everything a BPF object file declares, read as libbpf's {@code bpf_object__open()} would and
 * nothing more: inert, immutable, safe to share and to copy (records of lists of records). Turning
 * it into live maps and programs is the object model's job.
 *
 * @param name         object name: the file's base name up to its first '.', as libbpf names it
 * @param programs     entry programs in section order, then offset order
 * @param maps         BTF-defined and legacy maps in section order, then internal maps
 * @param license      the {@code license} section's string ("" if absent)
 * @param kernVersion  the {@code version} section's value (0 if absent)
 * @param dataSections global data sections behind the internal maps
 * @param btf          the object's {@code .BTF}, or null if it has none
 */
public record ObjectSpec(String name, List<ProgramSpec> programs, List<MapSpec> maps, String license,
                         int kernVersion, List<DataSection> dataSections, org.ebpf4j.btf.Btf btf) {

    public ObjectSpec {
        programs = List.copyOf(programs);
        maps = List.copyOf(maps);
        dataSections = List.copyOf(dataSections);
    }

    public Optional<ProgramSpec> program(String programName) {
        return programs.stream().filter(p -> p.name().equals(programName)).findFirst();
    }

    public Optional<MapSpec> map(String mapName) {
        return maps.stream().filter(m -> m.name().equals(mapName)).findFirst();
    }
}
