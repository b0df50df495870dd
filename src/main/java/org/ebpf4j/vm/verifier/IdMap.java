package org.ebpf4j.vm.verifier;

/**
 * check_ids() of kernel/bpf/verifier.c: when comparing an explored state with the current one,
 * ids need not be equal, only consistently renamed (old id a always pairs with the same cur id b).
 * A few pairs per comparison at most, so two small parallel arrays (states are compared at every
 * prune point: no hashing, no boxing).
 */
final class IdMap {
    private int[] olds = new int[8];
    private int[] curs = new int[8];
    private int n;

    boolean check(int oldId, int curId) {
        if (oldId == 0) {
            return true;     // the old state knew no link; a link now adds knowledge only
        }
        if (curId == 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (olds[i] == oldId || curs[i] == curId) {
                return olds[i] == oldId && curs[i] == curId;
            }
        }
        if (n == olds.length) {
            olds = java.util.Arrays.copyOf(olds, n * 2);
            curs = java.util.Arrays.copyOf(curs, n * 2);
        }
        olds[n] = oldId;
        curs[n++] = curId;
        return true;
    }
}
