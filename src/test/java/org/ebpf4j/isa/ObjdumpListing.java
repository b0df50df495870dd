package org.ebpf4j.isa;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * A recorded {@code llvm-objdump-19 -dz --mcpu=v4} listing, reduced to (slot index, text after the
 * hex-bytes column); relocation lines and the symbolised jump targets ({@code <prog+0x68>}) are
 * dropped since our disassembler prints neither.
 */
record ObjdumpListing(List<Line> lines) {

    record Line(int slot, String bytes, String text) {}

    private static final Pattern INSN = Pattern.compile("^\\s*(\\d+):\\t([0-9a-f]{2}(?: [0-9a-f]{2})*)\\t(.*)$");
    private static final Pattern SYMBOL = Pattern.compile(" <[^<>]*>$");

    static ObjdumpListing parse(String text) {
        List<Line> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = INSN.matcher(line);
            if (m.matches()) {
                String insn = SYMBOL.matcher(m.group(3)).replaceFirst("");
                out.add(new Line(Integer.parseInt(m.group(1)), m.group(2), insn));
            }
        }
        return new ObjdumpListing(List.copyOf(out));
    }

    static byte[] resource(String name) {
        try (InputStream in = ObjdumpListing.class.getResourceAsStream("/isa/" + name)) {
            if (in == null) {
                throw new IllegalStateException("test resource /isa/" + name + " missing");
            }
            byte[] raw = in.readAllBytes();
            if (!name.endsWith(".gz")) {
                return raw;
            }
            try (InputStream gz = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
                return gz.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjdumpListing load(String name) {
        return parse(new String(resource(name), StandardCharsets.UTF_8));
    }

    /** Only the lines under "Disassembly of section {@code section}:". */
    static ObjdumpListing load(String name, String section) {
        String text = new String(resource(name), StandardCharsets.UTF_8);
        String header = "Disassembly of section " + section + ":\n";
        int start = text.indexOf(header);
        if (start < 0) {
            throw new IllegalStateException(name + " has no section " + section);
        }
        int end = text.indexOf("Disassembly of section ", start + header.length());
        return parse(text.substring(start, end < 0 ? text.length() : end));
    }
}
