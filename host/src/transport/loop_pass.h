// "After every pass of the service loop": the point where the gateway writes
// what the pass queued (Gateway::flush_corked), instead of asking lws for a
// writeable callback per connection, which costs a pair of epoll_ctl calls
// and one more loop pass per message (LWS-NOTES facts 5-6).
//
// Only on libev: lws_service() runs ev_run() there, so the host creates the
// libev loop itself, hands it to lws as a "foreign" loop, and runs the flush
// from a prepare watcher. libev calls those at the start of every pass, before
// it waits for events, i.e. after everything the previous pass ran: I/O
// callbacks, lws's timers, its idle work. (The poll backend runs its timers
// inside lws_service() just before it waits, so a flush after lws_service()
// would leave what a timer queued waiting for the next event: poll keeps the
// writeable callbacks.)
#pragma once

#include <functional>
#include <memory>

struct ev_loop;

namespace wshost
{

class LibevPass
{
  public:
    LibevPass();
    LibevPass(const LibevPass &) = delete;
    LibevPass &operator=(const LibevPass &) = delete;
    // Stops the watcher and destroys the loop: only after lws_context_destroy().
    ~LibevPass();

    // The loop for lws_context_creation_info::foreign_loops (null on failure).
    struct ev_loop *create_loop();
    // Runs `each_pass` at the start of every pass of the loop. The watcher
    // does not keep the loop alive: ev_run() still returns once lws is gone.
    void start(std::function<void()> each_pass);

    struct Watcher;

  private:
    struct ev_loop *loop_ = nullptr;
    std::unique_ptr<Watcher> watcher_;
};

} // namespace wshost
