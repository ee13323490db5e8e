// One-shot reply handles (DESIGN §4): every dispatched request owns an id until
// the plugin answers, the handler fails, or the action's timeout passes —
// whichever comes first. A late or repeated answer finds nothing, is counted,
// and touches no freed memory.
//
// Ids are generational slot indices: the low 24 bits pick a slot of a table
// that only grows, the high 40 bits count that slot's uses. An id therefore
// comes back only after its slot has been used 2^40 times more (over 12 days
// of one slot answering a million requests a second), and opening or answering
// a request allocates nothing once the table has grown to the load.
//
// Deadlines: one list per distinct timeout, in dispatch order. Requests are
// dispatched on the service thread with a monotonic clock, so each list is
// sorted by deadline as it is appended to; its head is its earliest deadline.
#pragma once

#include "gateway/frame.h"

#include <wshost/plugin.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wshost
{

class Gateway;
class PluginSet;
namespace metrics
{
struct ActionMetrics;
}

class ReplyRegistry
{
  public:
    using Clock = std::chrono::steady_clock;

    explicit ReplyRegistry(Gateway *gateway) : gateway_(gateway) {}

    // Service thread, at dispatch (`now` is the dispatch time). The reply
    // keeps the plugin's generation loaded until it is answered or expires.
    // Returns 0 when 2^24 replies are already open (the caller answers
    // overloaded and does not run the handler).
    wsh_reply_id open(wsh_conn_id conn, std::string_view request_id_json, metrics::ActionMetrics *metrics,
                      std::shared_ptr<PluginSet> set, int timeout_ms, Clock::time_point now);

    // Any thread: the plugin's answers. WSH_OK, WSH_E_GONE or WSH_E_INVALID.
    int success(wsh_reply_id id, std::string_view payload_json);
    int success_members(wsh_reply_id id, const wsh_member *members, std::size_t count);
    int error(wsh_reply_id id, std::string_view code, std::string_view message);
    int none(wsh_reply_id id);

    // The handler returned failure: answers handler_failed if still open.
    // Returns true when it did.
    bool fail(wsh_reply_id id);
    // Answers `code` (e.g. overloaded) if still open.
    bool fail_with(wsh_reply_id id, std::string_view code, std::string_view message);

    // Service thread: answers handler_timeout for every reply past its
    // deadline; returns the earliest remaining deadline.
    std::optional<Clock::time_point> expire(Clock::time_point now);
    std::optional<Clock::time_point> next_deadline() const;

    // Service thread, at shutdown (the connections are gone): forgets every
    // open reply and lets its generation go. A later answer gets WSH_E_GONE.
    void abandon_all();

    uint64_t late_replies() const;
    std::size_t open_count() const;

  private:
    struct Pending {
        wsh_conn_id conn = 0;
        std::string request_id_json;
        metrics::ActionMetrics *metrics = nullptr;
        Clock::time_point start; // dispatch time
        std::shared_ptr<PluginSet> set;
        int timeout_ms = 0; // also names its deadline list

        Clock::time_point deadline() const { return start + std::chrono::milliseconds(timeout_ms); }
    };
    static constexpr uint32_t kNone = UINT32_MAX;
    struct Slot {
        wsh_reply_id id = 0; // 0: free
        uint64_t uses = 0;   // the id's high bits
        Pending pending;
        uint32_t prev = kNone, next = kNone; // in its deadline list; `next` also links the free slots
    };
    struct DeadlineList {
        int timeout_ms;
        uint32_t head = kNone, tail = kNone;
    };

    // mu_ held by the callers of these.
    Slot *find(wsh_reply_id id);
    DeadlineList &list_for(int timeout_ms);
    void link(uint32_t index);
    void unlink(uint32_t index);
    std::optional<Clock::time_point> earliest_locked() const;

    // Removes `id` and returns it, or nothing (and counts a late reply).
    std::optional<Pending> take(wsh_reply_id id, bool count_late);
    // Takes `id` and answers it with build(request_id_json), or with
    // handler_failed when !valid (see replies.cpp).
    template <typename Build>
    int answer(wsh_reply_id id, bool valid, std::string_view refusal, std::string_view status, Build &&build);
    // Sends `response` (none when null) and records the action's outcome.
    void finish(Pending &p, FramePtr response, std::string_view status);

    Gateway *gateway_;
    mutable std::mutex mu_;
    std::vector<Slot> slots_;
    uint32_t free_ = kNone; // first free slot
    std::vector<DeadlineList> lists_;
    std::size_t open_ = 0;
    uint64_t late_ = 0;
};

} // namespace wshost
