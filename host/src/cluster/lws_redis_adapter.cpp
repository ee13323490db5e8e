#include "cluster/lws_redis_adapter.h"

#include "base/log.h"

#include <hiredis/async.h>
#include <unistd.h>

#include <cstring>

namespace wshost::cluster
{
namespace
{

constexpr const char *kProtocolName = "wshost-redis";

struct Watch;
struct Rearm {
    lws_sorted_usec_list_t sul; // first: lws_container_of needs it at a known place
    Watch *watch;
};

struct Watch {
    Rearm rearm{};
    redisAsyncContext *ac = nullptr;
    lws *wsi = nullptr;
    lws_context *context = nullptr;
    std::function<void()> lost;
    std::function<void()> wrote;
    bool in_callback = false;  // inside this wsi's callback: cleanup must not free
    bool in_writeable = false; // inside its writeable callback: lws clears POLLOUT after it
    bool detached = false;     // hiredis let go (cleanup ran)
    bool want_write = false;   // addWrite came inside the writeable callback
};

void rearm_fired(lws_sorted_usec_list_t *sul)
{
    Watch *w = lws_container_of(sul, Rearm, sul)->watch;
    if (!w->detached && w->wsi)
        lws_callback_on_writable(w->wsi);
}

void add_write(void *data)
{
    Watch *w = static_cast<Watch *>(data);
    if (w->detached || !w->wsi)
        return;
    if (w->in_writeable) {
        w->want_write = true; // lws would clear POLLOUT right after; re-arm later
        return;
    }
    lws_callback_on_writable(w->wsi);
}

void no_op(void *) {}

void free_watch(Watch *w)
{
    lws_sul_cancel(&w->rearm.sul);
    delete w;
}

void cleanup(void *data)
{
    Watch *w = static_cast<Watch *>(data);
    if (w->detached)
        return;
    w->detached = true;
    w->ac->ev.data = nullptr;
    w->ac = nullptr;
    if (w->wsi) {
        lws_set_wsi_user(w->wsi, nullptr);
        if (!w->in_callback)
            lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
    if (!w->in_callback)
        free_watch(w);
    // else: the callback frees it and returns -1, which closes the wsi.
}

// Runs one hiredis handler on behalf of `w`; -1 when hiredis let go meanwhile.
int handle(Watch *w, void (*handler)(redisAsyncContext *), bool writeable)
{
    w->in_callback = true;
    w->in_writeable = writeable;
    handler(w->ac);
    w->in_callback = false;
    w->in_writeable = false;
    if (w->detached) {
        free_watch(w);
        return -1;
    }
    if (w->want_write) {
        w->want_write = false;
        lws_sul_schedule(w->context, 0, &w->rearm.sul, rearm_fired, 1);
    }
    if (writeable && w->wrote)
        w->wrote();
    return 0;
}

int callback(lws *wsi, lws_callback_reasons reason, void *user, void *, std::size_t)
{
    Watch *w = static_cast<Watch *>(user);
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: // never a WebSocket on this protocol
        return 1;
    case LWS_CALLBACK_RAW_RX_FILE:
        return w ? handle(w, redisAsyncHandleRead, false) : -1;
    case LWS_CALLBACK_RAW_WRITEABLE_FILE:
        return w ? handle(w, redisAsyncHandleWrite, true) : -1;
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        if (w && !w->detached) {
            // lws dropped it first: hiredis still holds the connection.
            w->wsi = nullptr;
            lws_set_wsi_user(wsi, nullptr);
            if (w->lost) {
                std::function<void()> lost = std::move(w->lost);
                lost();
            }
        }
        return 0;
    default:
        return 0;
    }
}

} // namespace

lws_protocols redis_socket_protocol()
{
    return {kProtocolName, callback, 0, 0, 0, nullptr, 0};
}

bool attach_redis_to_lws(redisAsyncContext *ac, lws_vhost *vhost, std::function<void()> lost,
                         std::function<void()> wrote)
{
    const int fd = ::dup(ac->c.fd);
    if (fd < 0) {
        log_event(LogLevel::error, LogFields("cluster_error"), "redis: dup: %s", std::strerror(errno));
        return false;
    }
    lws_sock_file_fd_type desc;
    desc.filefd = fd;
    lws *wsi = lws_adopt_descriptor_vhost(vhost, LWS_ADOPT_RAW_FILE_DESC, desc, kProtocolName, nullptr);
    if (!wsi) {
        ::close(fd); // lws 4.1.6 closes only a socket it failed to adopt, never a file desc
        log_event(LogLevel::error, LogFields("cluster_error"), "redis: cannot watch the socket");
        return false;
    }
    Watch *w = new Watch;
    w->rearm.watch = w;
    w->ac = ac;
    w->wsi = wsi;
    w->context = lws_get_context(wsi);
    w->lost = std::move(lost);
    w->wrote = std::move(wrote);
    lws_set_wsi_user(wsi, w);
    ac->ev.data = w;
    ac->ev.addRead = no_op;
    ac->ev.delRead = no_op;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = no_op;
    ac->ev.cleanup = cleanup;
    return true;
}

} // namespace wshost::cluster
