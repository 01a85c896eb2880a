/*
 * libmodbus client that runs the part of the CONTRACT.md script (script.txt)
 * that libmodbus can express, over Modbus TCP or RTU.
 *
 * Usage: lm_client HOST PORT [--framer tcp|rtu] [--device PATH]
 *                  [--server m2m|pymodbus|libmodbus] [--script PATH]
 *
 * --framer rtu needs --device: a serial line (the matrix makes a pty and
 * bridges it with socat to the server's RTU-over-TCP port).
 *
 * --server defaults to $M2M_PEER_SERVER, else m2m (the strict contract); it
 * selects the quirk lines of script.txt. --script defaults to
 * $M2M_PEER_SCRIPT, else the script.txt this binary was built from.
 *
 * How a step is sent:
 *   - expected response is normal and libmodbus has a typed call for the
 *     function (01 02 03 04 05 06 0F 10 11 16 17): the typed call, and the
 *     values it returns are compared with the expected response PDU;
 *   - expected response is an exception, "none", or function 07:
 *     modbus_send_raw_request + modbus_receive_confirmation, and the response
 *     PDU is compared byte for byte;
 *   - anything else is skipped: libmodbus 3.1.6 cannot frame those responses
 *     (it has no length rule for 08 0B 0C 14 15 18 2B replies).
 * Prints one line per step and the final line "N passed, M failed"; exits 0
 * only if nothing failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modbus.h>

#ifndef PEERS_SCRIPT
#define PEERS_SCRIPT "script.txt"
#endif

#define MAX_STEPS 256
#define MAX_PDU 260
#define GIVE_UP_AFTER 3 /* consecutive unanswered requests before the rest is marked failed */

typedef struct {
    char id[16];
    int unit;
    uint8_t req[MAX_PDU];
    int req_len;
    uint8_t rsp[MAX_PDU];
    int rsp_len; /* -1: no response expected */
    char desc[200];
    int skip;
    char quirk[16];
} step_t;

static step_t steps[MAX_STEPS];
static int n_steps;

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* Hex digit pairs with blanks allowed between them; returns length or -1. */
static int parse_hex(const char *s, uint8_t *out, int max)
{
    int n = 0, half = -1;
    for (; *s; s++) {
        int v;
        if (*s == ' ' || *s == '\t')
            continue;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            v = *s - 'A' + 10;
        else
            return -1;
        if (half < 0) {
            half = v;
        } else {
            if (n >= max)
                return -1;
            out[n++] = (uint8_t)(half << 4 | v);
            half = -1;
        }
    }
    return half < 0 ? n : -1;
}

/* Split at most max-1 times on '|'. */
static int split(char *line, char **fields, int max)
{
    int n = 0;
    fields[n++] = line;
    for (char *p = line; *p && n < max; p++) {
        if (*p == '|') {
            *p = '\0';
            fields[n++] = p + 1;
        }
    }
    for (int i = 0; i < n; i++)
        fields[i] = trim(fields[i]);
    return n;
}

static step_t *find_step(const char *id)
{
    for (int i = 0; i < n_steps; i++)
        if (strcmp(steps[i].id, id) == 0)
            return &steps[i];
    return NULL;
}

static int load_script(const char *path, const char *server, const char *framer)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "lm_client: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    static char line[4096];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *l = trim(line);
        if (!*l || *l == '#')
            continue;
        char *fields[4];
        char kind[8] = "", a[32] = "", b[32] = "";
        sscanf(l, "%7s", kind);
        if (strcmp(kind, "step") == 0) {
            if (split(l, fields, 4) != 4 || sscanf(fields[0], "step %15s %31s", a, b) != 2 ||
                n_steps >= MAX_STEPS)
                goto bad;
            step_t *s = &steps[n_steps++];
            memset(s, 0, sizeof *s);
            snprintf(s->id, sizeof s->id, "%s", a);
            s->unit = atoi(b);
            s->req_len = parse_hex(fields[1], s->req, MAX_PDU);
            s->rsp_len = parse_hex(fields[2], s->rsp, MAX_PDU);
            snprintf(s->desc, sizeof s->desc, "%s", fields[3]);
            if (s->req_len < 1 || s->rsp_len < 1)
                goto bad;
        } else if (strcmp(kind, "quirk") == 0) {
            char id[32] = "";
            if (split(l, fields, 3) != 3 ||
                sscanf(fields[0], "quirk %31s %31s %31s", a, b, id) != 3)
                goto bad;
            step_t *s = find_step(id);
            if (!s)
                goto bad;
            if (strcmp(a, server) != 0 || (strcmp(b, "*") != 0 && strcmp(b, framer) != 0))
                continue;
            snprintf(s->quirk, sizeof s->quirk, "%s", fields[2]);
            if (strcmp(fields[1], "skip") == 0) {
                s->skip = 1;
            } else if (strcmp(fields[1], "none") == 0) {
                s->rsp_len = -1;
            } else if ((s->rsp_len = parse_hex(fields[1], s->rsp, MAX_PDU)) < 1) {
                goto bad;
            }
        } else {
            goto bad;
        }
    }
    fclose(f);
    return 0;
bad:
    fprintf(stderr, "lm_client: %s:%d: cannot parse\n", path, lineno);
    fclose(f);
    return -1;
}

static int u16(const uint8_t *b, int i) { return b[i] << 8 | b[i + 1]; }

static void hex(char *out, size_t cap, const uint8_t *b, int n)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < n && o + 4 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, i ? " %02x" : "%02x", b[i]);
}

static char detail[2048];

/* Typed libmodbus call; 1 pass, 0 fail, -1 not expressible. */
static int run_typed(modbus_t *ctx, const step_t *s)
{
    const uint8_t *r = s->req, *e = s->rsp;
    int fc = r[0];
    uint8_t bits[2000];
    uint16_t regs[MODBUS_MAX_READ_REGISTERS];
    if ((fc >= 1 && fc <= 4) && s->req_len == 5) {
        int addr = u16(r, 1), qty = u16(r, 3), rc;
        if (fc == 1)
            rc = modbus_read_bits(ctx, addr, qty, bits);
        else if (fc == 2)
            rc = modbus_read_input_bits(ctx, addr, qty, bits);
        else if (fc == 3)
            rc = modbus_read_registers(ctx, addr, qty, regs);
        else
            rc = modbus_read_input_registers(ctx, addr, qty, regs);
        if (rc != qty) {
            snprintf(detail, sizeof detail, "[api] returned %d: %s", rc, modbus_strerror(errno));
            return 0;
        }
        for (int i = 0; i < qty; i++) {
            int want = fc <= 2 ? (e[2 + i / 8] >> (i % 8)) & 1 : u16(e, 2 + 2 * i);
            int got = fc <= 2 ? bits[i] : regs[i];
            if (got != want) {
                snprintf(detail, sizeof detail, "[api] item %d is %#x, want %#x", i, got, want);
                return 0;
            }
        }
        snprintf(detail, sizeof detail, "[api] %d values", qty);
        return 1;
    }
    if (fc == 5 && s->req_len == 5 && (u16(r, 3) == 0xFF00 || u16(r, 3) == 0)) {
        int rc = modbus_write_bit(ctx, u16(r, 1), u16(r, 3) == 0xFF00);
        snprintf(detail, sizeof detail, "[api] returned %d %s", rc, rc == 1 ? "" : modbus_strerror(errno));
        return rc == 1;
    }
    if (fc == 6 && s->req_len == 5) {
        int rc = modbus_write_register(ctx, u16(r, 1), (uint16_t)u16(r, 3));
        snprintf(detail, sizeof detail, "[api] returned %d %s", rc, rc == 1 ? "" : modbus_strerror(errno));
        return rc == 1;
    }
    if (fc == 0x0F && s->req_len >= 6) {
        int qty = u16(r, 3);
        for (int i = 0; i < qty; i++)
            bits[i] = (r[6 + i / 8] >> (i % 8)) & 1;
        int rc = modbus_write_bits(ctx, u16(r, 1), qty, bits);
        snprintf(detail, sizeof detail, "[api] returned %d %s", rc, rc == qty ? "" : modbus_strerror(errno));
        return rc == qty;
    }
    if (fc == 0x10 && s->req_len >= 6 && r[5] == 2 * u16(r, 3) && s->req_len == 6 + r[5]) {
        int qty = u16(r, 3);
        for (int i = 0; i < qty; i++)
            regs[i] = (uint16_t)u16(r, 6 + 2 * i);
        int rc = modbus_write_registers(ctx, u16(r, 1), qty, regs);
        snprintf(detail, sizeof detail, "[api] returned %d %s", rc, rc == qty ? "" : modbus_strerror(errno));
        return rc == qty;
    }
    if (fc == 0x11 && s->req_len == 1) {
        uint8_t dest[MAX_PDU];
        int rc = modbus_report_slave_id(ctx, sizeof dest, dest);
        if (rc != e[1] || memcmp(dest, e + 2, (size_t)e[1]) != 0) {
            char got[800];
            hex(got, sizeof got, dest, rc > 0 ? rc : 0);
            snprintf(detail, sizeof detail, "[api] returned %d bytes [%s], want %d", rc, got, e[1]);
            return 0;
        }
        snprintf(detail, sizeof detail, "[api] %d bytes", rc);
        return 1;
    }
    if (fc == 0x16 && s->req_len == 7) {
        int rc = modbus_mask_write_register(ctx, u16(r, 1), (uint16_t)u16(r, 3), (uint16_t)u16(r, 5));
        /* 3.1.6 returns 1 on success (the manual says 0) */
        snprintf(detail, sizeof detail, "[api] returned %d %s", rc, rc >= 0 ? "" : modbus_strerror(errno));
        return rc >= 0;
    }
    if (fc == 0x17 && s->req_len >= 12) {
        int rq = u16(r, 3), wq = u16(r, 7);
        uint16_t w[MODBUS_MAX_WR_WRITE_REGISTERS];
        if (wq > MODBUS_MAX_WR_WRITE_REGISTERS || rq > MODBUS_MAX_READ_REGISTERS)
            return -1;
        for (int i = 0; i < wq; i++)
            w[i] = (uint16_t)u16(r, 10 + 2 * i);
        int rc = modbus_write_and_read_registers(ctx, u16(r, 5), wq, w, u16(r, 1), rq, regs);
        if (rc != rq) {
            snprintf(detail, sizeof detail, "[api] returned %d: %s", rc, modbus_strerror(errno));
            return 0;
        }
        for (int i = 0; i < rq; i++)
            if (regs[i] != u16(e, 2 + 2 * i)) {
                snprintf(detail, sizeof detail, "[api] register %d is %#x, want %#x", i, regs[i], u16(e, 2 + 2 * i));
                return 0;
            }
        snprintf(detail, sizeof detail, "[api] %d values", rq);
        return 1;
    }
    return -1;
}

/* 1 when the link is RTU on a serial device (--framer rtu --device PATH). */
static int rtu_mode;

/* Raw request; compares the response PDU byte for byte. */
static int run_raw(modbus_t *ctx, const step_t *s)
{
    uint8_t raw[MAX_PDU + 1], rsp[MODBUS_TCP_MAX_ADU_LENGTH];
    raw[0] = (uint8_t)s->unit;
    memcpy(raw + 1, s->req, (size_t)s->req_len);
    if (s->rsp_len < 0)
        modbus_set_response_timeout(ctx, 0, 500000);
    if (modbus_send_raw_request(ctx, raw, s->req_len + 1) < 0) {
        snprintf(detail, sizeof detail, "[raw] send failed: %s", modbus_strerror(errno));
        return 0;
    }
    int n = modbus_receive_confirmation(ctx, rsp);
    int err = errno;
    if (s->rsp_len < 0) {
        modbus_set_response_timeout(ctx, 2, 0);
        if (n < 0 && err == ETIMEDOUT) {
            snprintf(detail, sizeof detail, "[raw] no response, as expected");
            return 1;
        }
        char got[800];
        hex(got, sizeof got, rsp, n > 0 ? n : 0);
        snprintf(detail, sizeof detail, "[raw] expected no response, got %d [%s] (%s)", n, got, modbus_strerror(err));
        return 0;
    }
    if (n < 0) {
        snprintf(detail, sizeof detail, "[raw] no response: %s", modbus_strerror(err));
        return 0;
    }
    int hl = modbus_get_header_length(ctx);
    /* RTU: the CRC (checked by libmodbus) ends the frame; it is not part of the PDU. */
    int tail = rtu_mode ? 2 : 0;
    char got[800], want[800];
    hex(got, sizeof got, rsp + hl, n - hl - tail);
    hex(want, sizeof want, s->rsp, s->rsp_len);
    if (rsp[hl - 1] != s->unit) {
        snprintf(detail, sizeof detail, "[raw] unit %d != %d", rsp[hl - 1], s->unit);
        return 0;
    }
    if (!rtu_mode && u16(rsp, 4) != n - 6) {
        snprintf(detail, sizeof detail, "[raw] MBAP length %d but %d bytes follow", u16(rsp, 4), n - 6);
        return 0;
    }
    n -= tail;
    if (n - hl != s->rsp_len || memcmp(rsp + hl, s->rsp, (size_t)s->rsp_len) != 0) {
        snprintf(detail, sizeof detail, "[raw] got %s, want %s", got, want);
        return 0;
    }
    snprintf(detail, sizeof detail, "[raw]");
    return 1;
}

static int raw_frameable(const step_t *s)
{
    /* response lengths libmodbus 3.1.6 can determine when receiving */
    if (s->rsp_len < 0 || (s->rsp[0] & 0x80))
        return 1;
    switch (s->rsp[0]) {
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: case 0x07:
    case 0x0F: case 0x10: case 0x11: case 0x16: case 0x17:
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *server = getenv("M2M_PEER_SERVER");
    const char *script = getenv("M2M_PEER_SCRIPT");
    const char *framer = "tcp";
    if (!server || !*server)
        server = "m2m";
    if (!script || !*script)
        script = PEERS_SCRIPT;
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST PORT [--framer tcp|rtu] [--device PATH] [--server NAME] [--script PATH]\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    const char *device = NULL;
    for (int i = 3; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--framer") == 0)
            framer = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--device") == 0)
            device = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--server") == 0)
            server = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--script") == 0)
            script = argv[++i];
        else {
            fprintf(stderr, "lm_client: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    /* libmodbus has no RTU over TCP: RTU runs on a serial device, which the matrix bridges to
     * the server's TCP port (socat), so HOST:PORT is only named in the log. */
    if (strcmp(framer, "rtu") == 0 && device == NULL) {
        fprintf(stderr, "lm_client: --framer rtu needs --device PATH (a serial line)\n");
        return 2;
    }
    if (strcmp(framer, "tcp") != 0 && strcmp(framer, "rtu") != 0) {
        fprintf(stderr, "lm_client: --framer tcp or rtu\n");
        return 2;
    }
    rtu_mode = strcmp(framer, "rtu") == 0;
    if (strncmp(host, "127.", 4) != 0 && strcmp(host, "localhost") != 0) {
        fprintf(stderr, "lm_client: loopback addresses only\n");
        return 2;
    }
    if (load_script(script, server, framer) < 0)
        return 2;

    printf("# lm_client (libmodbus %s) -> %s:%d framer=%s%s%s server=%s\n",
           LIBMODBUS_VERSION_STRING, host, port, framer, device ? " device=" : "",
           device ? device : "", server);
    modbus_t *ctx = rtu_mode ? modbus_new_rtu(device, 19200, 'N', 8, 1) : modbus_new_tcp(host, port);
    if (!ctx) {
        printf("FAIL modbus_new_%s: %s\n0 passed, 1 failed\n", framer, modbus_strerror(errno));
        return 1;
    }
    modbus_set_response_timeout(ctx, 2, 0);
    if (modbus_connect(ctx) < 0) {
        printf("FAIL connect: %s\n0 passed, 1 failed\n", modbus_strerror(errno));
        modbus_free(ctx);
        return 1;
    }
    int passed = 0, failed = 0, skipped = 0, silent = 0;
    for (int i = 0; i < n_steps; i++) {
        step_t *s = &steps[i];
        if (silent >= GIVE_UP_AFTER) {
            int rest = 0;
            for (int j = i; j < n_steps; j++)
                rest += !steps[j].skip;
            failed += rest;
            printf("FAIL %d remaining steps not run: %d requests in a row got no response\n", rest, silent);
            break;
        }
        char tag[24] = "";
        if (s->quirk[0])
            snprintf(tag, sizeof tag, " (%s)", s->quirk);
        if (s->skip) {
            skipped++;
            printf("skip %s %s%s\n", s->id, s->desc, tag);
            continue;
        }
        modbus_set_slave(ctx, s->unit);
        int rc = -1;
        int expect_normal = s->rsp_len > 0 && !(s->rsp[0] & 0x80);
        if (expect_normal && s->rsp[0] != 0x07)
            rc = run_typed(ctx, s);
        if (rc < 0 && raw_frameable(s))
            rc = run_raw(ctx, s);
        if (rc < 0) {
            skipped++;
            printf("skip %s %s%s: libmodbus cannot frame a 0x%02x response\n", s->id, s->desc, tag, s->rsp[0]);
            continue;
        }
        silent = (!rc && (strstr(detail, "no response:") || strstr(detail, "timed out"))) ? silent + 1 : 0;
        if (rc) {
            passed++;
            printf("ok   %s %s%s %s\n", s->id, s->desc, tag, detail);
        } else {
            failed++;
            printf("FAIL %s %s%s: %s\n", s->id, s->desc, tag, detail);
            modbus_flush(ctx);
        }
        fflush(stdout);
    }
    modbus_close(ctx);
    modbus_free(ctx);
    if (skipped)
        printf("skipped: %d\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
