// What wshost tells its service manager, and when (README, "Running as a
// service"). Each line is one datagram through SdNotifier:
//   READY=1, STATUS=...                      every listener is bound
//   RELOADING=1, MONOTONIC_USEC=...          a reload attempt begins
//   READY=1, STATUS=...                      that attempt finished, ok or failed
//   STOPPING=1, STATUS=...                   a SIGTERM/SIGINT drain begins
//   STATUS=...                               the connection count changed
// STATUS reads "generation N, M connections" (", last reload failed" while
// the attempt after N has failed). Nothing is sent without $NOTIFY_SOCKET.
#pragma once

#include "transport/sd_notify.h"
#include "transport/service_loop.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace wshost
{

class ServiceNotify
{
  public:
    bool active() const { return sd_.active(); }

    void ready(uint64_t generation, std::size_t connections);
    void reloading(); // any thread
    void reloaded(uint64_t generation, bool ok, std::size_t connections);
    void stopping(std::size_t connections);
    // Sends STATUS only when it differs from the last one sent.
    void status(uint64_t generation, std::size_t connections);

    // Service thread, when active(): status() every `interval` with what
    // `now` reads (generation, connections), until stopping(). The timer is
    // on `loop`'s context, so this object must outlive that context.
    using Snapshot = std::function<std::pair<uint64_t, std::size_t>()>;
    void follow(ServiceLoop &loop, std::chrono::microseconds interval, Snapshot now);

  private:
    std::string status_text(uint64_t generation, std::size_t connections) const; // under mu_
    void send(const std::string &message, const std::string &status);

    SdNotifier sd_;
    std::mutex mu_;
    bool stopping_ = false;
    bool last_reload_failed_ = false;
    std::string last_status_;
    std::unique_ptr<ServiceTimer> status_timer_; // follow()
};

} // namespace wshost
