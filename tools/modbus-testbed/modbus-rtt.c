/*
 * modbus-rtt: round-trip timing and error census with libmodbus (the library the Swift
 * driver uses), as an independent client for the test bed.
 *
 *   modbus-rtt [-n COUNT] [-u UNIT] [-a ADDR] [-t TIMEOUT_MS] [-r] [-w WARMUP] tcp HOST PORT
 *   modbus-rtt [-n COUNT] [-u UNIT] [-a ADDR] [-t TIMEOUT_MS] [-r] [-w WARMUP] rtu DEVICE BAUD PARITY
 *
 * Default operation: COUNT single-register writes (function 06) of 0..COUNT-1 to ADDR;
 * -r reads one holding register (function 03) instead. Prints one JSON line:
 *   {"transport":"rtu","op":"write","n":100,"ok":100,"errors":{...},"min_ms":...,
 *    "p50_ms":...,"mean_ms":...,"p90_ms":...,"max_ms":...}
 * Latencies cover successful calls only. Exit status 0 unless the connection could not be
 * opened. Build: gcc modbus-rtt.c -o modbus-rtt $(pkg-config --cflags --libs libmodbus)
 */
#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [-n COUNT] [-u UNIT] [-a ADDR] [-t TIMEOUT_MS] [-r] [-w WARMUP] "
            "tcp HOST PORT | rtu DEVICE BAUD PARITY\n",
            argv0);
    exit(2);
}

int main(int argc, char *argv[])
{
    int count = 100, unit = 1, addr = 0, timeout_ms = 500, do_read = 0, warmup = 3;
    int opt;
    while ((opt = getopt(argc, argv, "n:u:a:t:rw:")) != -1) {
        switch (opt) {
        case 'n': count = atoi(optarg); break;
        case 'u': unit = atoi(optarg); break;
        case 'a': addr = atoi(optarg); break;
        case 't': timeout_ms = atoi(optarg); break;
        case 'r': do_read = 1; break;
        case 'w': warmup = atoi(optarg); break;
        default: usage(argv[0]);
        }
    }
    if (count < 1 || optind >= argc)
        usage(argv[0]);
    const char *transport = argv[optind];
    modbus_t *ctx = NULL;
    int is_rtu = 0;
    if (strcmp(transport, "tcp") == 0 && argc - optind == 3) {
        ctx = modbus_new_tcp(argv[optind + 1], atoi(argv[optind + 2]));
    } else if (strcmp(transport, "rtu") == 0 && argc - optind == 4) {
        is_rtu = 1;
        ctx = modbus_new_rtu(argv[optind + 1], atoi(argv[optind + 2]), argv[optind + 3][0], 8, 1);
    } else {
        usage(argv[0]);
    }
    if (ctx == NULL) {
        fprintf(stderr, "modbus-rtt: cannot create context: %s\n", modbus_strerror(errno));
        return 1;
    }
    modbus_set_slave(ctx, unit);
    modbus_set_response_timeout(ctx, timeout_ms / 1000, (timeout_ms % 1000) * 1000);
    if (modbus_connect(ctx) == -1) {
        fprintf(stderr, "modbus-rtt: connect failed: %s\n", modbus_strerror(errno));
        modbus_free(ctx);
        return 1;
    }

    int n_ok = 0, e_timeout = 0, e_crc = 0, e_data = 0, e_slave = 0, e_exc = 0, e_other = 0;
    double *lat = calloc((size_t)count, sizeof(double));
    uint16_t reg;
    for (int i = -warmup; i < count; i++) {
        double t0 = now_ms();
        int rc = do_read ? modbus_read_registers(ctx, addr, 1, &reg)
                         : modbus_write_register(ctx, addr, (uint16_t)(i < 0 ? 0 : i));
        double dt = now_ms() - t0;
        int err = errno;
        if (i < 0)
            continue;
        if (rc == 1) {
            lat[n_ok++] = dt;
            continue;
        }
        if (err == ETIMEDOUT)
            e_timeout++;
        else if (err == EMBBADCRC)
            e_crc++;
        else if (err == EMBBADDATA || err == EMBMDATA)
            e_data++;
        else if (err == EMBBADSLAVE)
            e_slave++;
        else if (err > MODBUS_ENOBASE && err <= EMBXGTAR)
            e_exc++;
        else
            e_other++;
        if (is_rtu) {
            /* let a late or broken frame finish, then drop it */
            usleep(20000);
            modbus_flush(ctx);
        } else if (err != ETIMEDOUT && !(err > MODBUS_ENOBASE && err <= EMBXGTAR)) {
            modbus_close(ctx);
            modbus_connect(ctx);
        }
    }
    qsort(lat, (size_t)n_ok, sizeof(double), cmp_double);
    double sum = 0;
    for (int i = 0; i < n_ok; i++)
        sum += lat[i];
    printf("{\"transport\":\"%s\",\"op\":\"%s\",\"n\":%d,\"ok\":%d,"
           "\"errors\":{\"timeout\":%d,\"bad_crc\":%d,\"bad_data\":%d,\"bad_slave\":%d,"
           "\"exception\":%d,\"other\":%d}",
           transport, do_read ? "read" : "write", count, n_ok, e_timeout, e_crc, e_data,
           e_slave, e_exc, e_other);
    if (n_ok > 0)
        printf(",\"min_ms\":%.3f,\"p50_ms\":%.3f,\"mean_ms\":%.3f,\"p90_ms\":%.3f,\"max_ms\":%.3f",
               lat[0], lat[n_ok / 2], sum / n_ok, lat[(n_ok * 9) / 10], lat[n_ok - 1]);
    printf("}\n");
    free(lat);
    modbus_close(ctx);
    modbus_free(ctx);
    return 0;
}
