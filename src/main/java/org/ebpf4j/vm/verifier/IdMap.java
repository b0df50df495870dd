package org.ebpf4j.vm.verifier;

import java.util.HashMap;
import java.util.Map;

/**
 * check_ids() of kernel/bpf/verifier.c: when comparing an explored state with the current one,
 * ids need not be equal, only consistently renamed (old id a always pairs with the same cur id b).
 */
final class IdMap {
    private final Map<Integer, Integer> oldToCur = new HashMap<>();
    private final Map<Integer, Integer> curToOld = new HashMap<>();

    boolean check(int oldId, int curId) {
        if (oldId == 0 && curId == 0) {
            return true;
        }
        if (oldId == 0) {
            return true;     // the old state knew no link; a link now adds knowledge only
        }
        if (curId == 0) {
            return false;
        }
        Integer c = oldToCur.putIfAbsent(oldId, curId);
        Integer o = curToOld.putIfAbsent(curId, oldId);
        return (c == null || c == curId) && (o == null || o == oldId);
    }
}
