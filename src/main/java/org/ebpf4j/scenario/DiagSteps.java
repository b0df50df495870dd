package org.ebpf4j.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.kernel.net.Socket;
import org.ebpf4j.kernel.net.TcpState;
import org.ebpf4j.kernel.net.diag.DiagSock;
import org.ebpf4j.kernel.net.diag.InetDiag;
import org.ebpf4j.kernel.net.diag.InetDiagReq;

/**
 * {@code ss: tcp|udp}: what {@code ss -e --bpf-maps} (or {@code --bpf-map-id}) would print, by a
 * NETLINK_SOCK_DIAG dump of the modelled network with INET_DIAG_REQ_SK_BPF_STORAGES
 * (spec-local-storage §4.4). One line per socket: {@code STATE LOCAL PEER} then, for each
 * SK_STORAGE value reported, {@code MAP=VALUE} (the map's scenario name, else {@code id:N};
 * values as {@code map} prints them). As on Linux, UDP sockets are listed without storage.
 */
final class DiagSteps {
    private final World w;

    DiagSteps(World w) { this.w = w; }

    Object ss(Step s, String[] msg) {
        Task t = w.owner(s);
        String proto = s.name();
        if (!proto.equals("tcp") && !proto.equals("udp")) {
            throw new ScenarioException(s.where() + ": ss: tcp or ss: udp, not '" + proto + "'");
        }
        int family = s.str("family", "inet").equals("inet6") ? SockAddr.AF_INET6 : SockAddr.AF_INET;
        int states = switch (s.str("state", "all")) {
            case "all" -> InetDiag.ALL_STATES;
            case "listening" -> InetDiag.stateBit(TcpState.LISTEN);
            case "established" -> InetDiag.stateBit(TcpState.ESTABLISHED);
            default -> throw new ScenarioException(s.where() + ": state '" + s.str("state") + "' (all, listening, established)");
        };
        List<String> names = new ArrayList<>();
        JsonNode maps = s.body().get("maps");
        if (maps != null && maps.isArray()) {
            maps.forEach(n -> names.add(n.asText()));
        } else if (maps != null && !maps.isNull()) {
            names.add(maps.asText());
        }
        msg[0] = "ss " + proto + (names.isEmpty() ? " --bpf-maps" : " --bpf-map-id " + String.join(",", names));
        List<Integer> fds = new ArrayList<>();
        try {
            for (String n : names) {   // the asking process needs its own fd of each map
                World.Held h = w.map(s, n);
                File f = h.task().fds().get(h.fd());
                f.object().anyGet();
                try {
                    fds.add(t.fds().install(f));
                } catch (RuntimeException e) {
                    f.object().anyPut();
                    throw e;
                }
            }
            InetDiagReq req = InetDiagReq.dump(family, proto.equals("tcp") ? Socket.IPPROTO_TCP : Socket.IPPROTO_UDP, states)
                    .withStorages(fds.stream().mapToInt(Integer::intValue).toArray());
            Map<Integer, String> mapNames = mapNames();
            List<String> out = new ArrayList<>();
            for (DiagSock d : w.net.diag().dump(t, req)) {
                StringBuilder line = new StringBuilder(TcpState.name(d.state())).append(' ').append(d.src()).append(' ').append(d.dst());
                if (d.storages() != null) {
                    for (DiagSock.Storage st : d.storages()) {
                        line.append(' ').append(mapNames.getOrDefault(st.mapId(), "id:" + st.mapId()))
                                .append('=').append(MapSteps.value(st.value()));
                    }
                }
                out.add(line.toString());
            }
            return out;
        } finally {
            fds.forEach(t.fds()::close);
        }
    }

    private Map<Integer, String> mapNames() {
        Map<Integer, String> out = new HashMap<>();
        w.maps.forEach((name, h) -> {
            if (h.task().fds().peek(h.fd()) instanceof File.MapFile mf) {
                out.putIfAbsent(mf.map().id(), name);
            }
        });
        return out;
    }
}
