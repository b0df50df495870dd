package org.ebpf4j.kernel.helpers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code BPF_FUNC_*} id → name, from {@code ___BPF_FUNC_MAPPER} of include/uapi/linux/bpf.h
 * (resource {@code helper-names.txt}). The verifier's {@code func_id_name()} prints
 * {@code bpf_<name>}; ids past the table print {@code unknown}. Immutable after class init.
 */
public final class HelperNames {
    private HelperNames() {}

    private static final String[] NAMES = load();

    /** {@code __BPF_FUNC_MAX_ID}: one past the highest helper id Linux 6.18 defines. */
    public static final int MAX_ID = NAMES.length;

    private static String[] load() {
        String[] names = new String[256];
        int max = 0;
        try (InputStream in = HelperNames.class.getResourceAsStream("helper-names.txt")) {
            if (in == null) {
                throw new IllegalStateException("resource helper-names.txt is missing from the build");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.trim().split(" ");
                int id = Integer.parseInt(f[0]);
                names[id] = f[1];
                max = Math.max(max, id);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return java.util.Arrays.copyOf(names, max + 1);
    }

    /** {@code func_id_name()}: {@code "bpf_map_lookup_elem"}, or {@code "unknown"}. */
    public static String name(int id) {
        return id > 0 && id < NAMES.length && NAMES[id] != null ? "bpf_" + NAMES[id] : "unknown";
    }
}
