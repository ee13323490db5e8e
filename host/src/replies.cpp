#include "replies.h"

#include "envelope.h"
#include "gateway.h"
#include "metrics.h"
#include "plugin_set.h"
#include "response.h"
#include "stats.h"

namespace wshost {
namespace {

bool is_snake_case(std::string_view code)
{
    if (code.empty() || code.size() > 64)
        return false;
    for (char c : code)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    return true;
}

} // namespace

wsh_reply_id ReplyRegistry::open(wsh_conn_id conn, std::string_view request_id_json, std::string_view action,
                                 std::shared_ptr<PluginSet> set, int timeout_ms)
{
    auto now = Clock::now();
    auto deadline = now + std::chrono::milliseconds(timeout_ms);
    std::lock_guard lock(mu_);
    wsh_reply_id id = next_id_++;
    pending_.emplace(id, Pending{conn, std::string(request_id_json), std::string(action), now, std::move(set),
                                 deadline});
    deadlines_.emplace(deadline, id);
    return id;
}

std::optional<ReplyRegistry::Pending> ReplyRegistry::take(wsh_reply_id id, bool count_late)
{
    std::lock_guard lock(mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) {
        if (count_late) {
            ++late_;
            bump(stats().late_replies);
        }
        return std::nullopt;
    }
    Pending p = std::move(it->second);
    pending_.erase(it);
    deadlines_.erase({p.deadline, id});
    return p;
}

void ReplyRegistry::finish(Pending &p, std::string_view response, std::string_view status)
{
    metrics::action(p.action, status, std::chrono::duration<double>(Clock::now() - p.start).count());
    if (gateway_ && !response.empty())
        gateway_->send_response(p.conn, response);
    p.set.reset(); // may retire an old generation (its deleter defers the unload)
}

int ReplyRegistry::success(wsh_reply_id id, std::string_view payload_json)
{
    bool valid = payload_json.empty() || is_json_object(payload_json);
    auto p = take(id, true);
    if (!p)
        return WSH_E_GONE;
    if (!valid) {
        finish(*p, error_response("handler_failed", "The handler's reply was not a JSON object.",
                                  p->request_id_json),
               "handler_failed");
        return WSH_E_INVALID;
    }
    finish(*p, success_response(payload_json, p->request_id_json), "success");
    return WSH_OK;
}

int ReplyRegistry::error(wsh_reply_id id, std::string_view code, std::string_view message)
{
    bool valid = is_snake_case(code);
    auto p = take(id, true);
    if (!p)
        return WSH_E_GONE;
    if (!valid) {
        finish(*p, error_response("handler_failed", "The handler's error code was not snake_case.",
                                  p->request_id_json),
               "handler_failed");
        return WSH_E_INVALID;
    }
    finish(*p, error_response(code, message, p->request_id_json), code);
    return WSH_OK;
}

int ReplyRegistry::none(wsh_reply_id id)
{
    auto p = take(id, true);
    if (!p)
        return WSH_E_GONE;
    finish(*p, {}, "none");
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
    finish(*p, error_response(code, message, p->request_id_json), code);
    return true;
}

std::optional<ReplyRegistry::Clock::time_point> ReplyRegistry::expire(Clock::time_point now)
{
    for (;;) {
        wsh_reply_id id;
        {
            std::lock_guard lock(mu_);
            if (deadlines_.empty())
                return std::nullopt;
            auto first = deadlines_.begin();
            if (first->first > now)
                return first->first;
            id = first->second;
        }
        fail_with(id, "handler_timeout", "The handler did not answer in time.");
    }
}

std::optional<ReplyRegistry::Clock::time_point> ReplyRegistry::next_deadline() const
{
    std::lock_guard lock(mu_);
    if (deadlines_.empty())
        return std::nullopt;
    return deadlines_.begin()->first;
}

uint64_t ReplyRegistry::late_replies() const
{
    std::lock_guard lock(mu_);
    return late_;
}

std::size_t ReplyRegistry::open_count() const
{
    std::lock_guard lock(mu_);
    return pending_.size();
}

} // namespace wshost
