#include "session/drain.h"

#include "base/close_codes.h"
#include "base/log.h"

namespace wshost
{
namespace
{

constexpr std::chrono::microseconds kDrainDeadline =
    std::chrono::seconds(5); // clients get this long for their 1001

} // namespace

Drain::Drain(Gateway &gateway, ServiceLoop &loop, ServiceNotify &notify, std::function<void()> drained)
    : gateway_(gateway), notify_(notify), drained_(std::move(drained)),
      deadline_(loop, [this] { deadline_passed(); })
{
}

void Drain::begin(const char *why)
{
    if (stopping_)
        return;
    stopping_ = true;
    notify_.stopping(gateway_.size());
    log_event(LogLevel::info, LogFields("draining"), "%s: draining %zu connection(s)", why, gateway_.size());
    for (wsh_conn_id id : gateway_.connection_ids())
        gateway_.close(id, close_code::going_away, "server shutting down", true);
    deadline_.schedule_in(kDrainDeadline);
    connection_closed();
}

void Drain::connection_closed()
{
    if (stopping_ && gateway_.size() == 0) {
        deadline_.cancel();
        drained_();
    }
}

void Drain::deadline_passed()
{
    log_event(LogLevel::warn, LogFields("drain_deadline"),
              "drain deadline passed with %zu connection(s) open; closing them", gateway_.size());
    drained_();
}

} // namespace wshost
