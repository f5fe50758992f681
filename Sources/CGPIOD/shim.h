// The GPIO module's view of the kernel GPIO character device: a small, version-neutral C API
// (`lanterne_gpio_*`), implemented over whichever libgpiod the system has. libgpiod 1.x and
// 2.x are different APIs; only this folder knows which one is in use.
//
//   shim-v1.h  libgpiod 1.6 (Debian 12, Raspberry Pi OS bullseye/bookworm)
//   shim-v2.h  libgpiod 2.x (Debian 13, Ubuntu 24.04): not written yet; add it beside v1
//              with the same functions and the GPIO module does not change.
#ifndef LANTERNE_CGPIOD_SHIM_H
#define LANTERNE_CGPIOD_SHIM_H

#include <gpiod.h>

#if defined(GPIOD_BIT)
#include "shim-v1.h"
#else
#error "libgpiod 2.x found: Lanterne's GPIO shim for it (Sources/CGPIOD/shim-v2.h) is not written yet"
#endif

#endif
