package org.ebpf4j.map;

/**
 * Layout of the arena header that stands in for {@code struct bpf_map}: the address programs
 * hold as a map pointer. Only the id is needed to find the map again ({@link MapRegistry}); the
 * rest lets a debugger, or a program reading its map pointer, see familiar numbers.
 *
 * <pre>
 *  0      4          8         12           16          20          24
 *  +------+----------+---------+------------+-----------+-----------+
 *  |  id  | map_type | key_sz  | value_sz   | max_ent   | map_flags |
 *  +------+----------+---------+------------+-----------+-----------+
 * </pre>
 */
public final class MapHeader {
    private MapHeader() {}

    public static final int ID = 0;
    public static final int MAP_TYPE = 4;
    public static final int KEY_SIZE = 8;
    public static final int VALUE_SIZE = 12;
    public static final int MAX_ENTRIES = 16;
    public static final int MAP_FLAGS = 20;
    public static final int SIZE = 32;
}
