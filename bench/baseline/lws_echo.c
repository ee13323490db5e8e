/*
 * lws_echo: the plain libwebsockets baseline for bench/run.
 *
 * The smallest honest echo and broadcast server on libwebsockets 4.1.6, with
 * the same event loop as wshost (the default poll loop; --libev switches to
 * LWS_SERVER_OPTION_LIBEV):
 *   - a text message is echoed to its sender;
 *   - a text message starting with "PUB " is sent (without the prefix) to
 *     every other connection: one shared buffer, referenced by each queue;
 *   - writes happen only in LWS_CALLBACK_SERVER_WRITEABLE, ONE lws_write per
 *     callback (the textbook lws pattern, LWS-NOTES T7);
 *   - a written buffer stays alive until the connection's next WRITEABLE
 *     (LWS-NOTES T29, needed with permessage-deflate).
 * Same protections as wshost where they cost CPU on the data path: UTF-8
 * validation of text (LWS_SERVER_OPTION_VALIDATE_UTF8, --no-utf8 to drop it).
 *
 * usage: lws_echo [--port N] [--ready-file F] [--libev] [--rx-buffer BYTES]
 *                 [--deflate] [--no-utf8] [--fd-limit N] [--max-seconds S]
 *
 * --fd-limit N sets info.fd_limit_per_thread (default: not set, as in the lws
 * examples). Beware: in 4.1.6 a value below the fd ulimit sets
 * context->max_fds_unrelated_to_ulimit, and wsi_from_fd() then finds the
 * connection of every poll event by a LINEAR scan of the fd table
 * (lib/core-net/wsi.c) instead of indexing it. bench/run measures the
 * baseline without it; `--fd-limit 19936` reproduces what wshost does.
 * --port 0 (the default) picks a free port; the ready file receives
 * {"pid": N, "ws": PORT} (written to a temp file, then renamed).
 * Listens on 127.0.0.1 only. Stop it with SIGTERM; it ends by itself after
 * --max-seconds (default 900: SIGALRM's default action), so a benchmark driver
 * that dies cannot leave it behind for long.
 */
#include <libwebsockets.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct msg {
    unsigned refs;
    size_t len;
    unsigned char buf[]; /* LWS_PRE headroom, then the payload */
};

struct pss {
    struct pss *prev, *next; /* every open connection */
    struct lws *wsi;
    struct msg **q; /* ring of queued messages */
    unsigned head, count, cap;
    struct msg *written; /* kept until the next WRITEABLE (T29) */
    unsigned char *rx;   /* message being reassembled */
    size_t rx_len, rx_cap;
    int established;
};

static struct pss *all_conns;
static int use_deflate;

static struct msg *msg_new(const void *data, size_t len)
{
    struct msg *m = malloc(sizeof *m + LWS_PRE + len);
    if (!m)
        return NULL;
    m->refs = 1;
    m->len = len;
    memcpy(m->buf + LWS_PRE, data, len);
    return m;
}

static void msg_unref(struct msg *m)
{
    if (m && --m->refs == 0)
        free(m);
}

static int enqueue(struct pss *p, struct msg *m)
{
    if (p->count == p->cap) {
        unsigned ncap = p->cap ? p->cap * 2 : 8, i;
        struct msg **nq = malloc(ncap * sizeof *nq);
        if (!nq)
            return -1;
        for (i = 0; i < p->count; i++)
            nq[i] = p->q[(p->head + i) % p->cap];
        free(p->q);
        p->q = nq;
        p->head = 0;
        p->cap = ncap;
    }
    p->q[(p->head + p->count) % p->cap] = m;
    p->count++;
    m->refs++;
    lws_callback_on_writable(p->wsi);
    return 0;
}

static void on_message(struct pss *p, const unsigned char *data, size_t len)
{
    struct msg *m;
    struct pss *o;

    if (len >= 4 && !memcmp(data, "PUB ", 4)) {
        m = msg_new(data + 4, len - 4);
        if (!m)
            return;
        for (o = all_conns; o; o = o->next)
            if (o != p)
                enqueue(o, m);
    } else {
        m = msg_new(data, len);
        if (!m)
            return;
        enqueue(p, m);
    }
    msg_unref(m);
}

static int callback_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct pss *p = user;
    struct msg *m;

    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        memset(p, 0, sizeof *p);
        p->wsi = wsi;
        p->established = 1;
        p->next = all_conns;
        if (all_conns)
            all_conns->prev = p;
        all_conns = p;
        if (use_deflate) /* free the deflater after each message (LWS-NOTES T16), as wshost does */
            lws_set_extension_option(wsi, "permessage-deflate", "client_no_context_takeover", "1");
        break;

    case LWS_CALLBACK_RECEIVE:
        if (lws_is_first_fragment(wsi))
            p->rx_len = 0;
        if (p->rx_len + len > p->rx_cap) {
            size_t ncap = (p->rx_len + len) * 2;
            unsigned char *nrx = realloc(p->rx, ncap);
            if (!nrx)
                return -1;
            p->rx = nrx;
            p->rx_cap = ncap;
        }
        memcpy(p->rx + p->rx_len, in, len);
        p->rx_len += len;
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi) && !lws_frame_is_binary(wsi))
            on_message(p, p->rx, p->rx_len);
        break;

    case LWS_CALLBACK_SERVER_WRITEABLE:
        msg_unref(p->written);
        p->written = NULL;
        if (!p->count)
            break;
        m = p->q[p->head];
        p->head = (p->head + 1) % p->cap;
        p->count--;
        if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len) {
            msg_unref(m);
            return -1;
        }
        p->written = m;
        if (p->count)
            lws_callback_on_writable(wsi);
        break;

    case LWS_CALLBACK_CLOSED:
        if (!p->established)
            break;
        if (p->prev)
            p->prev->next = p->next;
        else
            all_conns = p->next;
        if (p->next)
            p->next->prev = p->prev;
        while (p->count) {
            msg_unref(p->q[p->head]);
            p->head = (p->head + 1) % p->cap;
            p->count--;
        }
        free(p->q);
        free(p->rx);
        msg_unref(p->written);
        memset(p, 0, sizeof *p);
        break;

    case LWS_CALLBACK_HTTP:
        lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
        return -1;

    default:
        break;
    }
    return 0;
}

static struct lws_protocols protocols[] = {
    {"echo", callback_echo, sizeof(struct pss), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static const struct lws_extension extensions[] = {
    {"permessage-deflate", lws_extension_callback_pm_deflate,
     "permessage-deflate; client_no_context_takeover; client_max_window_bits"},
    {NULL, NULL, NULL},
};

static int write_ready(const char *path, int port)
{
    char tmp[4096];
    FILE *f;
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "{\"pid\": %d, \"ws\": %d}\n", (int)getpid(), port);
    if (fclose(f))
        return -1;
    return rename(tmp, path);
}

int main(int argc, char **argv)
{
    static const struct lws_protocol_vhost_options pvo_default = {NULL, NULL, "default", "1"};
    static const struct lws_protocol_vhost_options pvo = {NULL, &pvo_default, "echo", ""};
    struct lws_context_creation_info info;
    struct lws_context *ctx;
    struct lws_vhost *vh;
    const char *ready = NULL;
    int port = 0, libev = 0, utf8 = 1, fd_limit = 0, max_seconds = 900, i;
    struct rlimit rl;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--port") && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ready-file") && i + 1 < argc)
            ready = argv[++i];
        else if (!strcmp(argv[i], "--libev"))
            libev = 1;
        else if (!strcmp(argv[i], "--rx-buffer") && i + 1 < argc)
            protocols[0].rx_buffer_size = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--deflate"))
            use_deflate = 1;
        else if (!strcmp(argv[i], "--no-utf8"))
            utf8 = 0;
        else if (!strcmp(argv[i], "--fd-limit") && i + 1 < argc)
            fd_limit = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--max-seconds") && i + 1 < argc)
            max_seconds = atoi(argv[++i]);
        else {
            fprintf(stderr,
                    "usage: %s [--port N] [--ready-file F] [--libev] [--rx-buffer BYTES] [--deflate] "
                    "[--no-utf8] [--fd-limit N] [--max-seconds S]\n",
                    argv[0]);
            return 2;
        }
    }

    if (max_seconds > 0)
        alarm((unsigned)max_seconds);

    /* Every connection needs an fd: soft limit up to the hard one. */
    if (!getrlimit(RLIMIT_NOFILE, &rl)) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | (utf8 ? LWS_SERVER_OPTION_VALIDATE_UTF8 : 0) |
                   (libev ? LWS_SERVER_OPTION_LIBEV : 0);
    info.fd_limit_per_thread = fd_limit > 0 ? (unsigned)fd_limit : 0;
    ctx = lws_create_context(&info);
    if (!ctx) {
        fprintf(stderr, "lws_echo: cannot create the context%s\n",
                libev ? " (is libwebsockets-evlib-ev installed?)" : "");
        return 1;
    }

    memset(&info, 0, sizeof info);
    info.vhost_name = "echo";
    info.iface = "127.0.0.1";
    info.port = port;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | (utf8 ? LWS_SERVER_OPTION_VALIDATE_UTF8 : 0) |
                   (libev ? LWS_SERVER_OPTION_LIBEV : 0);
    info.protocols = protocols;
    info.pvo = &pvo;
    if (use_deflate)
        info.extensions = extensions;
    vh = lws_create_vhost(ctx, &info);
    if (!vh) {
        fprintf(stderr, "lws_echo: cannot listen on 127.0.0.1:%d\n", port);
        lws_context_destroy(ctx);
        return 1;
    }
    port = lws_get_vhost_listen_port(vh);
    if (ready && write_ready(ready, port)) {
        fprintf(stderr, "lws_echo: cannot write %s: %s\n", ready, strerror(errno));
        lws_context_destroy(ctx);
        return 1;
    }
    fprintf(stderr, "lws_echo: listening on 127.0.0.1:%d (%s loop)\n", port, libev ? "libev" : "poll");

    /* SIGTERM's default action ends the process; the loop itself never stops. */
    while (lws_service(ctx, 0) >= 0)
        ;
    lws_context_destroy(ctx);
    return 0;
}
