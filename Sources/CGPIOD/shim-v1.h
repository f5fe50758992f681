// lanterne_gpio_* over libgpiod 1.6. Every function returns 0 or a handle on success; on
// failure -1 or NULL with the errno value in *err (errno is per thread: it is captured here,
// right after the failing call, so Swift never reads a stale one).
#ifndef LANTERNE_CGPIOD_SHIM_V1_H
#define LANTERNE_CGPIOD_SHIM_V1_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <gpiod.h>

typedef struct gpiod_chip lanterne_gpio_chip;
typedef struct gpiod_line lanterne_gpio_line;

enum { LANTERNE_GPIO_BIAS_AS_IS = 0, LANTERNE_GPIO_BIAS_DISABLE = 1,
       LANTERNE_GPIO_BIAS_PULL_UP = 2, LANTERNE_GPIO_BIAS_PULL_DOWN = 3 };

/// The API generation behind the shim (1 or 2), for diagnostics.
static inline int lanterne_gpio_api_version(void) { return 1; }

/// Opens a chip by path (/dev/gpiochip0), name (gpiochip0), number (0) or label
/// (pinctrl-bcm2711): gpiod_chip_open_lookup.
static inline lanterne_gpio_chip *lanterne_gpio_open(const char *spec, int *err) {
    errno = 0;
    struct gpiod_chip *c = gpiod_chip_open_lookup(spec);
    if (!c) *err = errno ? errno : ENOENT;
    return c;
}

static inline void lanterne_gpio_close(lanterne_gpio_chip *chip) { gpiod_chip_close(chip); }
static inline const char *lanterne_gpio_chip_name(lanterne_gpio_chip *chip) { return gpiod_chip_name(chip); }
static inline const char *lanterne_gpio_chip_label(lanterne_gpio_chip *chip) { return gpiod_chip_label(chip); }
static inline unsigned lanterne_gpio_chip_lines(lanterne_gpio_chip *chip) { return gpiod_chip_num_lines(chip); }

/// The offset of the line named `name` on this chip, or -1 (gpiod_chip_find_line).
static inline int lanterne_gpio_find_line(lanterne_gpio_chip *chip, const char *name) {
    struct gpiod_line *l = gpiod_chip_find_line(chip, name);
    return l ? (int)gpiod_line_offset(l) : -1;
}

/// What the kernel says about a line: its name and, when someone holds it, the consumer.
/// `name` and `consumer` receive NUL-terminated text (empty when there is none).
static inline int lanterne_gpio_line_info(lanterne_gpio_chip *chip, unsigned offset, bool *used,
                                          char *name, size_t name_cap, char *consumer,
                                          size_t consumer_cap, int *err) {
    errno = 0;
    struct gpiod_line *l = gpiod_chip_get_line(chip, offset);
    if (!l) { *err = errno ? errno : EINVAL; return -1; }
    if (gpiod_line_update(l) < 0) { *err = errno; return -1; }
    *used = gpiod_line_is_used(l);
    const char *n = gpiod_line_name(l), *c = gpiod_line_consumer(l);
    if (name_cap) { strncpy(name, n ? n : "", name_cap - 1); name[name_cap - 1] = 0; }
    if (consumer_cap) { strncpy(consumer, c ? c : "", consumer_cap - 1); consumer[consumer_cap - 1] = 0; }
    return 0;
}

static inline int lanterne_gpio_v1_bias(int bias) {
    switch (bias) {
    case LANTERNE_GPIO_BIAS_DISABLE: return GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
    case LANTERNE_GPIO_BIAS_PULL_UP: return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
    case LANTERNE_GPIO_BIAS_PULL_DOWN: return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
    default: return 0;
    }
}

/// Requests a line as an output driven to `initial` (logical, after active-low).
static inline lanterne_gpio_line *lanterne_gpio_request_output(lanterne_gpio_chip *chip, unsigned offset,
                                                               const char *consumer, bool active_low,
                                                               int initial, int *err) {
    errno = 0;
    struct gpiod_line *l = gpiod_chip_get_line(chip, offset);
    if (!l) { *err = errno ? errno : EINVAL; return NULL; }
    int flags = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
    if (gpiod_line_request_output_flags(l, consumer, flags, initial) < 0) { *err = errno; return NULL; }
    return l;
}

/// Requests a line as an input; with `edges`, the kernel queues both edges as events.
static inline lanterne_gpio_line *lanterne_gpio_request_input(lanterne_gpio_chip *chip, unsigned offset,
                                                              const char *consumer, bool active_low,
                                                              int bias, bool edges, int *err) {
    errno = 0;
    struct gpiod_line *l = gpiod_chip_get_line(chip, offset);
    if (!l) { *err = errno ? errno : EINVAL; return NULL; }
    int flags = (active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0) | lanterne_gpio_v1_bias(bias);
    int rc = edges ? gpiod_line_request_both_edges_events_flags(l, consumer, flags)
                   : gpiod_line_request_input_flags(l, consumer, flags);
    if (rc < 0) { *err = errno; return NULL; }
    return l;
}

/// Drives a requested output (logical value).
static inline int lanterne_gpio_set(lanterne_gpio_line *line, int value, int *err) {
    errno = 0;
    if (gpiod_line_set_value(line, value) < 0) { *err = errno; return -1; }
    return 0;
}

/// Reads a requested line (logical value): 0 or 1, or -1.
static inline int lanterne_gpio_get(lanterne_gpio_line *line, int *err) {
    errno = 0;
    int v = gpiod_line_get_value(line);
    if (v < 0) *err = errno;
    return v;
}

/// The file descriptor that becomes readable when an edge event is queued.
static inline int lanterne_gpio_event_fd(lanterne_gpio_line *line) { return gpiod_line_event_get_fd(line); }

/// Reads one queued edge: `rising` is 1 for a rising edge of the physical line, 0 for falling;
/// `timestamp_ns` is the kernel's timestamp (CLOCK_MONOTONIC on Linux 5.7 and later).
static inline int lanterne_gpio_read_event(lanterne_gpio_line *line, int *rising, int64_t *timestamp_ns, int *err) {
    struct gpiod_line_event ev;
    errno = 0;
    if (gpiod_line_event_read(line, &ev) < 0) { *err = errno; return -1; }
    *rising = ev.event_type == GPIOD_LINE_EVENT_RISING_EDGE;
    *timestamp_ns = (int64_t)ev.ts.tv_sec * 1000000000LL + ev.ts.tv_nsec;
    return 0;
}

static inline void lanterne_gpio_release(lanterne_gpio_line *line) { gpiod_line_release(line); }

#endif
