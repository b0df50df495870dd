package org.ebpf4j.scenario;

import java.util.Map;

/** Socket option levels and names a scenario may spell out (numbers work too). */
final class SockoptNames {
    private SockoptNames() {}

    private static final Map<String, Integer> LEVELS = Map.of("SOL_SOCKET", 1, "SOL_IP", 0, "SOL_TCP", 6, "IPPROTO_TCP", 6);
    private static final Map<String, Integer> OPTS = Map.ofEntries(
            Map.entry("SO_REUSEADDR", 2), Map.entry("SO_TYPE", 3), Map.entry("SO_SNDBUF", 7), Map.entry("SO_RCVBUF", 8),
            Map.entry("SO_PRIORITY", 12), Map.entry("SO_REUSEPORT", 15), Map.entry("SO_MARK", 36),
            Map.entry("SO_PROTOCOL", 38), Map.entry("SO_DOMAIN", 39), Map.entry("IP_TOS", 1), Map.entry("IP_TTL", 2),
            Map.entry("TCP_NODELAY", 1), Map.entry("TCP_MAXSEG", 2), Map.entry("TCP_CONGESTION", 13));

    static int level(Step s) { return lookup(s, "level", LEVELS); }

    static int opt(Step s) { return lookup(s, "opt", OPTS); }

    private static int lookup(Step s, String key, Map<String, Integer> names) {
        String v = s.str(key);
        Integer n = names.get(v.toUpperCase(java.util.Locale.ROOT));
        if (n != null) {
            return n;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ScenarioException(s.where() + ": " + key + " '" + v + "' is neither a number nor one of " + names.keySet());
        }
    }
}
