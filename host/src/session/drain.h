// The SIGTERM/SIGINT drain (README, "Running as a service"): readiness goes
// false, new handshakes are refused with 503, every client is closed with 1001
// through its own write path (what is queued goes first), and `drained` runs
// once the last connection has closed, or when the deadline passes with some
// still open. Service thread.
#pragma once

#include "gateway/gateway.h"
#include "transport/service_loop.h"
#include "transport/service_notify.h"

#include <chrono>
#include <functional>

namespace wshost
{

class Drain
{
  public:
    Drain(Gateway &gateway, ServiceLoop &loop, ServiceNotify &notify, std::function<void()> drained);

    void begin(const char *why); // idempotent
    bool stopping() const { return stopping_; }
    // After a connection has gone: the last one ends the drain.
    void connection_closed();

  private:
    void deadline_passed();

    Gateway &gateway_;
    ServiceNotify &notify_;
    std::function<void()> drained_;
    ServiceTimer deadline_;
    bool stopping_ = false;
};

} // namespace wshost
