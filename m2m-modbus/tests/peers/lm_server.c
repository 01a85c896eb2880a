/*
 * libmodbus server for the peer-harness world (CONTRACT.md), Modbus TCP or RTU.
 *
 * Usage: lm_server PORT [--framer tcp|rtu] [--device PATH]
 *
 * TCP: binds 127.0.0.1:PORT, prints "ready" once listening, serves one
 * connection at a time (sequential clients are fine). RTU: libmodbus has no
 * RTU over TCP, so it serves the serial line PATH (the matrix makes a pty and
 * bridges it with socat to PORT) as slave 17; requests to other addresses go
 * unanswered, as on a serial bus. Exits 0 on SIGTERM/SIGINT.
 *
 * The coil/discrete-input/register tables live in a modbus_mapping_t and every
 * request goes through modbus_reply(), so whatever libmodbus does not
 * implement gets libmodbus's own answer. The one rule added on top is the
 * world's unit-id rule: a request for a unit other than 17 is answered with
 * exception 0x0B through modbus_reply_exception() (libmodbus's TCP backend
 * answers every unit id otherwise).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modbus.h>

#define UNIT 17
#define N_BITS 2000
#define N_REGS 1000

/* libmodbus retries select() on EINTR, so a flag would not stop a server that
 * waits on an idle connection: leave at once (nothing to flush or save). */
static void on_signal(int sig)
{
    (void)sig;
    _exit(0);
}

static void fill_world(modbus_mapping_t *mb)
{
    for (int a = 0; a < N_BITS; a++) {
        mb->tab_bits[a] = (a % 3 == 0) ? 1 : 0;
        mb->tab_input_bits[a] = (a % 5 == 0) ? 1 : 0;
    }
    for (int a = 0; a < N_REGS; a++) {
        mb->tab_registers[a] = (uint16_t)(a * 3 + 1);
        mb->tab_input_registers[a] = (uint16_t)(0xFFFF - a);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [--framer tcp|rtu] [--device PATH]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    int rtu = 0;
    const char *device = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--framer") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            if (strcmp(f, "rtu") == 0) {
                rtu = 1;
            } else if (strcmp(f, "tcp") != 0) {
                fprintf(stderr, "lm_server: --framer tcp or rtu\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
            device = argv[++i];
        } else {
            fprintf(stderr, "lm_server: unknown argument %s\n", argv[i]);
            return 2;
        }
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    if (rtu && device == NULL) {
        fprintf(stderr, "lm_server: --framer rtu needs --device PATH (a serial line)\n");
        return 2;
    }
    modbus_t *ctx = rtu ? modbus_new_rtu(device, 19200, 'N', 8, 1) : modbus_new_tcp("127.0.0.1", port);
    if (ctx == NULL) {
        fprintf(stderr, "lm_server: modbus_new_%s: %s\n", rtu ? "rtu" : "tcp", modbus_strerror(errno));
        return 1;
    }
    modbus_set_slave(ctx, UNIT);
    /* Before sending exception 01 or 03 libmodbus sleeps for the response
     * timeout and flushes the link (to drop the rest of a bad request);
     * 50 ms instead of the default 500 ms keeps the matrix fast. On RTU it is
     * also how long the server, after a request for another slave, takes the
     * next frame for that slave's reply: it must stay well below the 0.5 s a
     * client waits on a `none` step (CONTRACT.md Q13). */
    modbus_set_response_timeout(ctx, 0, 50000);
    modbus_mapping_t *mb =
        modbus_mapping_new_start_address(0, N_BITS, 0, N_BITS, 0, N_REGS, 0, N_REGS);
    if (mb == NULL) {
        fprintf(stderr, "lm_server: mapping: %s\n", modbus_strerror(errno));
        return 1;
    }
    fill_world(mb);

    if (rtu) {
        if (modbus_connect(ctx) < 0) {
            fprintf(stderr, "lm_server: open %s: %s\n", device, modbus_strerror(errno));
            return 1;
        }
        printf("ready\n");
        fflush(stdout);
        uint8_t adu[MODBUS_RTU_MAX_ADU_LENGTH];
        for (;;) {
            int n = modbus_receive(ctx, adu);
            if (n > 0) {
                modbus_reply(ctx, adu, n, mb);
            } else if (n < 0 && (errno == ECONNRESET || errno == EIO || errno == EBADF)) {
                /* The line hung up (the bridge closed): nothing more will come. */
                return 0;
            }
            /* 0: for another slave; < 0 otherwise: a bad frame (not flushed: error recovery is
             * off). Either way the line goes on, as a serial slave's does. */
        }
    }

    int listen_fd = modbus_tcp_listen(ctx, 4);
    if (listen_fd < 0) {
        fprintf(stderr, "lm_server: listen: %s\n", modbus_strerror(errno));
        return 1;
    }
    printf("ready\n");
    fflush(stdout);

    int header = modbus_get_header_length(ctx); /* 7 for TCP: unit id is req[6] */
    uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
    for (;;) {
        int fd = listen_fd;
        if (modbus_tcp_accept(ctx, &fd) < 0)
            continue;
        for (;;) {
            int n = modbus_receive(ctx, req);
            if (n == 0)
                continue; /* request for another unit: ignored by libmodbus */
            if (n < 0)
                break; /* peer closed or framing error */
            if (req[header - 1] != UNIT)
                modbus_reply_exception(ctx, req, MODBUS_EXCEPTION_GATEWAY_TARGET);
            else
                modbus_reply(ctx, req, n, mb);
        }
        modbus_close(ctx); /* closes the accepted connection */
    }
}
