#include "CLoopShims.h"
#ifdef __linux__
#include <sys/prctl.h>
#endif

int loop_set_parent_death_signal(int signal) {
#ifdef __linux__
    return prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0);
#else
    (void)signal;
    return -1;
#endif
}

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#endif

int loop_use_one_malloc_arena(void) {
#if defined(__linux__) && defined(__GLIBC__)
    return mallopt(M_ARENA_MAX, 1) == 1 ? 0 : -1;
#else
    return -1;
#endif
}
