#ifndef CLOOPSHIMS_H
#define CLOOPSHIMS_H

/// Ask the kernel to send `signal` to the calling process when its parent dies (Linux);
/// returns 0 on success, -1 where unsupported.
int loop_set_parent_death_signal(int signal);

/// Make every thread allocate from glibc's main malloc arena (mallopt M_ARENA_MAX 1); returns 0
/// on success, -1 where unsupported (another C library).
int loop_use_one_malloc_arena(void);

/// A pipe whose two ends are close-on-exec from the start (pipe2 O_CLOEXEC), so no child
/// spawned by another thread meanwhile inherits them; returns 0, or -1 with errno set.
int loop_pipe_cloexec(int fds[2]);

/// Starts `path` with `argv` and `envp` (NULL-terminated) in `directory` (NULL: ours) through
/// posix_spawn, with `stdin_fd`, `stdout_fd` and `stderr_fd` as its standard streams, every
/// other descriptor closed, no signal blocked and every signal at its default disposition;
/// in a new session (and so a process group of its own) when `new_session` is not 0, else in
/// ours. `fd3`, when not -1, is the child's descriptor 3. Returns 0 with `*pid` (a pid_t) set,
/// or an errno value (the program missing or not executable is reported here, not as an exit
/// code).
int loop_spawn(int *pid, const char *path, char *const argv[], char *const envp[], const char *directory,
               int stdin_fd, int stdout_fd, int stderr_fd, int fd3, int new_session);

#endif
