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

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

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

  private:
    std::string status_text(uint64_t generation, std::size_t connections) const; // under mu_
    void send(const std::string &message, const std::string &status);

    SdNotifier sd_;
    std::mutex mu_;
    bool stopping_ = false;
    bool last_reload_failed_ = false;
    std::string last_status_;
};

} // namespace wshost
