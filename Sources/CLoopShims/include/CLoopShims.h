#ifndef CLOOPSHIMS_H
#define CLOOPSHIMS_H

/// Ask the kernel to send `signal` to the calling process when its parent dies (Linux);
/// returns 0 on success, -1 where unsupported.
int loop_set_parent_death_signal(int signal);

/// Make every thread allocate from glibc's main malloc arena (mallopt M_ARENA_MAX 1); returns 0
/// on success, -1 where unsupported (another C library).
int loop_use_one_malloc_arena(void);

#endif
