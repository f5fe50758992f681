// The kernel's clock synchronisation state (adjtimex(2) through glibc's ntp_adjtime(3)), for
// Lanterne's Runtime/Clock/HostClock.swift. Glibc's Swift module does not include
// <sys/timex.h>, and `struct timex` differs between 32- and 64-bit ABIs, so C reads it.
#ifndef LANTERNE_TIMEX_SHIM_H
#define LANTERNE_TIMEX_SHIM_H

#include <errno.h>
#include <stdbool.h>
#include <sys/timex.h>

/// Reads the state without changing anything (`modes = 0`, needs no privilege). Returns 0 and
/// fills the outputs (microseconds), or -1 with `*err` set to errno.
static inline int lanterne_clock_sync(bool *unsynchronised, long long *maxerror_us, long long *esterror_us, int *err) {
    struct timex tx = {0};
    tx.modes = 0;
    errno = 0;
    if (ntp_adjtime(&tx) == -1) { *err = errno; return -1; }
    *unsynchronised = (tx.status & STA_UNSYNC) != 0;
    *maxerror_us = tx.maxerror;
    *esterror_us = tx.esterror;
    return 0;
}

#endif
