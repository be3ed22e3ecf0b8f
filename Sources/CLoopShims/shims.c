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

int loop_set_child_subreaper(void) {
#ifdef __linux__
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#else
    return -1;
#endif
}

int loop_is_child_subreaper(void) {
#ifdef __linux__
    int flag = 0;
    if (prctl(PR_GET_CHILD_SUBREAPER, &flag, 0, 0, 0) != 0) return 0;
    return flag != 0;
#else
    return 0;
#endif
}
