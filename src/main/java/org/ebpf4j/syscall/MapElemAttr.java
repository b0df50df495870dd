package org.ebpf4j.syscall;

/**
 * The element commands' part of {@code union bpf_attr} (MAP_LOOKUP_ELEM, MAP_UPDATE_ELEM,
 * MAP_DELETE_ELEM, MAP_GET_NEXT_KEY, MAP_LOOKUP_AND_DELETE_ELEM). {@code key} null means "no key"
 * (GET_NEXT_KEY: the first key; QUEUE/STACK: key_size 0). {@code value} is the value to write
 * (update) or, for a BLOOM_FILTER lookup, the value to test; otherwise null.
 */
public record MapElemAttr(int mapFd, byte[] key, byte[] value, long flags) {
    public static MapElemAttr of(int mapFd, byte[] key) { return new MapElemAttr(mapFd, key, null, 0); }
}
