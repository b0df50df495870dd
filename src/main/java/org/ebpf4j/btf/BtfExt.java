package org.ebpf4j.btf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed {@code .BTF.ext} section: per ELF code section, the BTF FUNC of each function start
 * (func_info), source lines (line_info) and CO-RE relocations. Layout and checks follow libbpf's
 * {@code btf_ext_parse_hdr}/{@code btf_ext_parse_info} ({@code tools/lib/bpf/btf.c}): each
 * subsection starts with a u32 record size (at least the known record, a multiple of 4), then
 * blocks of {@code {u32 sec_name_off; u32 num_info; records[num_info]}}; names are in the
 * {@code .BTF} string section. Instruction offsets stay in bytes, as in the file.
 */
public final class BtfExt {
    static final String SECTION = ".BTF.ext";

    /** {@code struct bpf_func_info}: {@code insnOff} in bytes from the start of the ELF section. */
    public record FuncInfo(long insnOff, int typeId) {
        public long insnIdx() { return insnOff / 8; }
    }

    /** {@code struct bpf_line_info} with its strings resolved; line/col split from line_col. */
    public record LineInfo(long insnOff, String fileName, int line, int col, String lineText) {
        public long insnIdx() { return insnOff / 8; }
    }

    /** {@code struct bpf_core_relo}: the relocated instruction, local root type, access string, kind. */
    public record CoreRelo(long insnOff, int typeId, String accessStr, CoreReloKind kind) {
        public long insnIdx() { return insnOff / 8; }
    }

    private final Map<String, List<FuncInfo>> funcInfo;
    private final Map<String, List<LineInfo>> lineInfo;
    private final Map<String, List<CoreRelo>> coreRelos;
    private final int funcInfoRecSize;
    private final int lineInfoRecSize;
    private final int coreReloRecSize;

    private BtfExt(Map<String, List<FuncInfo>> funcInfo, int fiSize, Map<String, List<LineInfo>> lineInfo,
                   int liSize, Map<String, List<CoreRelo>> coreRelos, int crSize) {
        this.funcInfo = funcInfo;
        this.lineInfo = lineInfo;
        this.coreRelos = coreRelos;
        this.funcInfoRecSize = fiSize;
        this.lineInfoRecSize = liSize;
        this.coreReloRecSize = crSize;
    }

    /** Parses {@code .BTF.ext} bytes whose strings and type ids refer to {@code btf}. */
    public static BtfExt parse(byte[] sectionBytes, Btf btf) {
        SectionBytes in = new SectionBytes(SECTION, sectionBytes.clone());
        if (in.length() < 8) throw in.error(0, "section of " + in.length() + " bytes is too short for a btf_ext_header");
        int magic = in.u16(0);
        if (magic == 0x9FEB) throw in.error(0, "big-endian BTF.ext is not supported");
        if (magic != BtfParser.MAGIC) throw in.error(0, "bad magic 0x" + Integer.toHexString(magic) + " (expected 0xeb9f)");
        if (in.u8(2) != 1) throw in.error(2, "unsupported version " + in.u8(2));
        if (in.u8(3) != 0) throw in.error(3, "unsupported flags 0x" + Integer.toHexString(in.u8(3)));
        long hdrLen = in.u32(4);
        // offsetofend(struct btf_ext_header, line_info_len) = 24; core_relo_* follow at 24..32.
        if (hdrLen < 24) throw in.error(4, "hdr_len " + hdrLen + " is smaller than the minimal btf_ext_header (24)");
        if (hdrLen > in.length()) throw in.error(4, "hdr_len " + hdrLen + " exceeds section size " + in.length());
        Parser p = new Parser(in, btf, hdrLen);
        Map<String, List<FuncInfo>> fi = new LinkedHashMap<>();
        int fiSize = p.subsection(8, "func_info", 8, (sec, at) ->
                fi.computeIfAbsent(sec, k -> new ArrayList<>()).add(new FuncInfo(in.u32(at), p.typeId(at + 4, "func_info type_id"))));
        Map<String, List<LineInfo>> li = new LinkedHashMap<>();
        int liSize = p.subsection(16, "line_info", 16, (sec, at) -> {
            long lineCol = in.u32(at + 12);
            li.computeIfAbsent(sec, k -> new ArrayList<>()).add(new LineInfo(in.u32(at),
                    btf.string(in.u32(at + 4), SECTION, at + 4, "line_info file_name"), (int) (lineCol >>> 10),
                    (int) (lineCol & 0x3ff), btf.string(in.u32(at + 8), SECTION, at + 8, "line_info line")));
        });
        Map<String, List<CoreRelo>> cr = new LinkedHashMap<>();
        int crSize = 0;
        if (hdrLen >= 32) {
            crSize = p.subsection(24, "core_relo", 16, (sec, at) -> {
                long kindNo = in.u32(at + 12);
                CoreReloKind kind = CoreReloKind.ofNumber(kindNo);
                if (kind == null) throw in.error(at + 12, "core_relo: unknown relocation kind " + kindNo);
                cr.computeIfAbsent(sec, k -> new ArrayList<>()).add(new CoreRelo(in.u32(at),
                        p.typeId(at + 4, "core_relo type_id"),
                        btf.string(in.u32(at + 8), SECTION, at + 8, "core_relo access_str"), kind));
            });
        }
        return new BtfExt(freeze(fi), fiSize, freeze(li), liSize, freeze(cr), crSize);
    }

    private static <T> Map<String, List<T>> freeze(Map<String, List<T>> m) {
        Map<String, List<T>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Collections.unmodifiableMap(out);
    }

    /** func_info per ELF section name, in file order. */
    public Map<String, List<FuncInfo>> funcInfo() { return funcInfo; }

    public List<FuncInfo> funcInfo(String section) { return funcInfo.getOrDefault(section, List.of()); }

    /** line_info per ELF section name, in file order. */
    public Map<String, List<LineInfo>> lineInfo() { return lineInfo; }

    public List<LineInfo> lineInfo(String section) { return lineInfo.getOrDefault(section, List.of()); }

    /** CO-RE relocations per ELF section name, in file order. */
    public Map<String, List<CoreRelo>> coreRelos() { return coreRelos; }

    public List<CoreRelo> coreRelos(String section) { return coreRelos.getOrDefault(section, List.of()); }

    /** Record sizes as found in the file (0 when the subsection is absent). */
    public int funcInfoRecSize() { return funcInfoRecSize; }

    public int lineInfoRecSize() { return lineInfoRecSize; }

    public int coreReloRecSize() { return coreReloRecSize; }

    private interface RecordSink {
        void accept(String section, long at);
    }

    /** Walks one subsection; kept apart so the header checks above read top to bottom. */
    private static final class Parser {
        private final SectionBytes in;
        private final Btf btf;
        private final long hdrLen;

        Parser(SectionBytes in, Btf btf, long hdrLen) {
            this.in = in;
            this.btf = btf;
            this.hdrLen = hdrLen;
        }

        int typeId(long at, String what) {
            long id = in.u32(at);
            if (id >= btf.typeCount()) throw in.error(at, what + " " + id + " out of range (" + (btf.typeCount() - 1) + " types)");
            return (int) id;
        }

        /** Returns the record size, or 0 when the subsection is empty. */
        int subsection(int hdrField, String name, int minRecSize, RecordSink sink) {
            long off = in.u32(hdrField);
            long len = in.u32(hdrField + 4);
            if (len == 0) return 0;
            if (off % 4 != 0) throw in.error(hdrField, name + " offset " + off + " is not 4-byte aligned");
            long start = hdrLen + off;
            if (start > in.length() || len > in.length() - start) {
                throw in.error(hdrField, name + " [" + off + ", +" + len + ") runs past the end of the section");
            }
            long end = start + len;
            if (len < 4) throw in.error(start, name + " has no record size");
            long recSize = in.u32(start);
            if (recSize < minRecSize || recSize % 4 != 0 || recSize > 0x10000) {
                throw in.error(start, name + " record size " + recSize + " is invalid (minimum " + minRecSize + ", multiple of 4)");
            }
            long p = start + 4;
            while (p < end) {
                if (end - p < 8) throw in.error(p, name + " block header truncated");
                String sec = btf.string(in.u32(p), SECTION, p, name + " sec_name");
                long num = in.u32(p + 4);
                if (num == 0) throw in.error(p + 4, name + " block for '" + sec + "' has no records");
                if (num > (end - p - 8) / recSize) {
                    throw in.error(p + 4, name + " block for '" + sec + "': " + num + " records of " + recSize
                            + " bytes exceed the subsection");
                }
                p += 8;
                for (long i = 0; i < num; i++, p += recSize) sink.accept(sec, p);
            }
            return (int) recSize;
        }
    }
}
