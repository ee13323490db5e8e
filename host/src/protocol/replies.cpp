#include "protocol/replies.h"

#include "json/json_scan.h"
#include "gateway/gateway.h"
#include "base/metrics.h"
#include "protocol/response.h"
#include "base/stats.h"

namespace wshost
{
namespace
{

FramePtr error_frame(std::string_view code, std::string_view message, std::string_view request_id_json)
{
    return Frame::make(error_response(code, message, request_id_json), false);
}

bool is_snake_case(std::string_view code)
{
    if (code.empty() || code.size() > 64)
        return false;
    for (char c : code)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    return true;
}

constexpr int kIndexBits = 24;
constexpr uint64_t kIndexMask = (uint64_t{1} << kIndexBits) - 1;
constexpr uint64_t kMaxUses = uint64_t{1} << (64 - kIndexBits);

} // namespace

wsh_reply_id ReplyRegistry::open(wsh_conn_id conn, std::string_view request_id_json,
                                 metrics::ActionMetrics *metrics, std::shared_ptr<PluginSet> set,
                                 int timeout_ms, Clock::time_point now)
{
    std::lock_guard lock(mu_);
    uint32_t index = free_;
    if (index != kNone) {
        free_ = slots_[index].next;
    } else {
        if (slots_.size() > kIndexMask)
            return 0;
        index = static_cast<uint32_t>(slots_.size());
        slots_.emplace_back();
    }
    Slot &slot = slots_[index];
    slot.uses = slot.uses + 1 < kMaxUses ? slot.uses + 1 : 1;
    slot.id = slot.uses << kIndexBits | index;
    Pending &p = slot.pending;
    p.conn = conn;
    p.request_id_json.assign(request_id_json);
    p.metrics = metrics;
    p.start = now;
    p.set = std::move(set);
    p.timeout_ms = timeout_ms;
    link(index);
    ++open_;
    return slot.id;
}

ReplyRegistry::Slot *ReplyRegistry::find(wsh_reply_id id)
{
    const uint64_t index = id & kIndexMask;
    if (index >= slots_.size() || slots_[index].id != id || id == 0)
        return nullptr;
    return &slots_[index];
}

ReplyRegistry::DeadlineList &ReplyRegistry::list_for(int timeout_ms)
{
    for (DeadlineList &list : lists_)
        if (list.timeout_ms == timeout_ms)
            return list;
    return lists_.emplace_back(DeadlineList{timeout_ms});
}

void ReplyRegistry::link(uint32_t index)
{
    // Appended in dispatch order, so the list stays sorted; the walk back only
    // matters if the clock ever disagreed with that order.
    DeadlineList &list = list_for(slots_[index].pending.timeout_ms);
    const Clock::time_point deadline = slots_[index].pending.deadline();
    uint32_t before = list.tail;
    while (before != kNone && slots_[before].pending.deadline() > deadline)
        before = slots_[before].prev;
    Slot &slot = slots_[index];
    slot.prev = before;
    slot.next = before == kNone ? list.head : slots_[before].next;
    (slot.prev == kNone ? list.head : slots_[slot.prev].next) = index;
    (slot.next == kNone ? list.tail : slots_[slot.next].prev) = index;
}

void ReplyRegistry::unlink(uint32_t index)
{
    Slot &slot = slots_[index];
    DeadlineList &list = list_for(slot.pending.timeout_ms);
    (slot.prev == kNone ? list.head : slots_[slot.prev].next) = slot.next;
    (slot.next == kNone ? list.tail : slots_[slot.next].prev) = slot.prev;
    slot.prev = kNone;
}

std::optional<ReplyRegistry::Pending> ReplyRegistry::take(wsh_reply_id id, bool count_late)
{
    std::lock_guard lock(mu_);
    Slot *slot = find(id);
    if (!slot) {
        if (count_late) {
            ++late_;
            bump(stats().late_replies);
        }
        return std::nullopt;
    }
    const uint32_t index = static_cast<uint32_t>(id & kIndexMask);
    unlink(index);
    std::optional<Pending> p(std::move(slot->pending));
    slot->id = 0;
    slot->next = free_;
    free_ = index;
    --open_;
    return p;
}

void ReplyRegistry::finish(Pending &p, FramePtr response, std::string_view status)
{
    if (p.metrics)
        metrics::action(*p.metrics, status, std::chrono::duration<double>(Clock::now() - p.start).count());
    if (gateway_ && response)
        gateway_->send_response(p.conn, std::move(response));
    p.set.reset(); // may retire an old generation (its deleter defers the unload)
}

// The shape of every answer a plugin gives: `valid` was decided before the
// reply was taken (no lock held while the plugin's text is checked); a
// refused one uses the reply up as handler_failed, saying `refusal`.
template <typename Build>
int ReplyRegistry::answer(wsh_reply_id id, bool valid, std::string_view refusal, std::string_view status,
                          Build &&build)
{
    auto p = take(id, true);
    if (!p)
        return WSH_E_GONE;
    if (!valid) {
        finish(*p, error_frame("handler_failed", refusal, p->request_id_json), "handler_failed");
        return WSH_E_INVALID;
    }
    finish(*p, build(p->request_id_json), status);
    return WSH_OK;
}

int ReplyRegistry::success(wsh_reply_id id, std::string_view payload_json)
{
    const bool valid = payload_json.empty() || is_json_object(payload_json);
    return answer(id, valid, "The handler's reply was not a JSON object.", "success",
                  [&](std::string_view request_id) { return success_response(payload_json, request_id); });
}

int ReplyRegistry::success_members(wsh_reply_id id, const wsh_member *members, std::size_t count)
{
    // Checked (and measured) once here; the frame is then written from the
    // members without looking at its text again.
    MemberPayload payload;
    const bool valid = payload.check(members, count);
    return answer(id, valid, "The handler's reply members were malformed.", "success",
                  [&](std::string_view request_id) { return success_response(payload, request_id); });
}

int ReplyRegistry::error(wsh_reply_id id, std::string_view code, std::string_view message)
{
    return answer(id, is_snake_case(code), "The handler's error code was not snake_case.", code,
                  [&](std::string_view request_id) { return error_frame(code, message, request_id); });
}

int ReplyRegistry::none(wsh_reply_id id)
{
    auto p = take(id, true);
    if (!p)
        return WSH_E_GONE;
    finish(*p, FramePtr(), "none");
    return WSH_OK;
}

bool ReplyRegistry::fail(wsh_reply_id id)
{
    return fail_with(id, "handler_failed", "The handler failed.");
}

bool ReplyRegistry::fail_with(wsh_reply_id id, std::string_view code, std::string_view message)
{
    auto p = take(id, false);
    if (!p)
        return false;
    finish(*p, error_frame(code, message, p->request_id_json), code);
    return true;
}

std::optional<ReplyRegistry::Clock::time_point> ReplyRegistry::earliest_locked() const
{
    std::optional<Clock::time_point> earliest;
    for (const DeadlineList &list : lists_)
        if (list.head != kNone && (!earliest || slots_[list.head].pending.deadline() < *earliest))
            earliest = slots_[list.head].pending.deadline();
    return earliest;
}

std::optional<ReplyRegistry::Clock::time_point> ReplyRegistry::expire(Clock::time_point now)
{
    for (;;) {
        wsh_reply_id id = 0;
        {
            std::lock_guard lock(mu_);
            for (const DeadlineList &list : lists_)
                if (list.head != kNone && slots_[list.head].pending.deadline() <= now) {
                    id = slots_[list.head].id;
                    break;
                }
            if (id == 0)
                return earliest_locked();
        }
        fail_with(id, "handler_timeout", "The handler did not answer in time.");
    }
}

std::optional<ReplyRegistry::Clock::time_point> ReplyRegistry::next_deadline() const
{
    std::lock_guard lock(mu_);
    return earliest_locked();
}

void ReplyRegistry::abandon_all()
{
    std::vector<Pending> abandoned; // their generations go after the lock
    {
        std::lock_guard lock(mu_);
        for (uint32_t index = 0; index < slots_.size(); ++index) {
            Slot &slot = slots_[index];
            if (slot.id == 0)
                continue;
            unlink(index);
            abandoned.push_back(std::move(slot.pending));
            slot.id = 0;
            slot.next = free_;
            free_ = index;
            --open_;
        }
    }
}

uint64_t ReplyRegistry::late_replies() const
{
    std::lock_guard lock(mu_);
    return late_;
}

std::size_t ReplyRegistry::open_count() const
{
    std::lock_guard lock(mu_);
    return open_;
}

} // namespace wshost
