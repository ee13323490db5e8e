#include "session/deadlines.h"

namespace wshost
{

Deadlines::Deadlines(ServiceLoop &loop, ReplyRegistry &replies, AuthService &auth)
    : replies_(replies), auth_(auth), timer_(loop, [this] { fired(); })
{
}

void Deadlines::added(ReplyRegistry::Clock::time_point at)
{
    // Most requests share a timeout, so their deadlines come after the one armed.
    if (!timer_.armed() || at < armed_at_)
        arm();
}

void Deadlines::arm()
{
    auto next = replies_.next_deadline();
    if (auto auth = auth_.next_deadline(); auth && (!next || *auth < *next))
        next = auth;
    if (!next || (timer_.armed() && armed_at_ <= *next))
        return;
    armed_at_ = *next;
    timer_.schedule_in(
        std::chrono::duration_cast<std::chrono::microseconds>(*next - ReplyRegistry::Clock::now()));
}

void Deadlines::fired()
{
    auto now = ReplyRegistry::Clock::now();
    replies_.expire(now); // handler_timeout
    auth_.expire(now);    // authentication timeout: reject
    arm();
}

} // namespace wshost
