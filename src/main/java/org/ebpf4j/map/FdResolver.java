package org.ebpf4j.map;

/**
 * {@code map_fd_get_ptr}'s first half, supplied by the syscall layer: turns the 4-byte value of
 * an fd map update (an fd of the calling task) into a new counted reference, or throws
 * {@link org.ebpf4j.uapi.BpfException} (EBADF: not an open fd; EINVAL: not the right kind of
 * object). The map calls it at the point in its checks where the kernel resolves the fd, so the
 * errno that wins is Linux's (spec §7.4: arrays check flags and index first, hashes the fd first).
 *
 * @param <T> the referenced object ({@link InnerMapRef}, {@link ProgRef})
 */
@FunctionalInterface
public interface FdResolver<T> {
    T resolve(int fd);
}
