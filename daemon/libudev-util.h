/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libudev ships no cleanup helpers: these, for _cleanup_(). */

#include <libudev.h>

static inline void udev_unrefp(struct udev **u) {
        if (*u)
                (void) udev_unref(*u);
}

static inline void udev_enumerate_unrefp(struct udev_enumerate **e) {
        if (*e)
                (void) udev_enumerate_unref(*e);
}

static inline void udev_device_unrefp(struct udev_device **d) {
        if (*d)
                (void) udev_device_unref(*d);
}
