// systemd's notification protocol (sd_notify(3)), written by hand: one
// AF_UNIX datagram of "KEY=VALUE" lines to the socket named in
// $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). The
// protocol is a stable interface of systemd; writing it here (about 40 lines)
// spares the package a libsystemd0 dependency and its compression and crypto
// libraries, and keeps the binary the same with or without systemd.
#pragma once

#include <atomic>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/un.h>

namespace wshost
{

class SdNotifier
{
  public:
    // Reads $NOTIFY_SOCKET; inactive when it is unset or unusable (logged).
    SdNotifier();
    ~SdNotifier();
    SdNotifier(const SdNotifier &) = delete;
    SdNotifier &operator=(const SdNotifier &) = delete;

    bool active() const { return fd_ >= 0; }
    // Any thread. One datagram; false (logged once) when it could not be sent.
    bool send(std::string_view message);

  private:
    int fd_ = -1;
    sockaddr_un addr_{};
    socklen_t addr_len_ = 0;
    std::atomic<bool> warned_{false};
};

// "MONOTONIC_USEC=N": CLOCK_MONOTONIC now, which systemd wants with RELOADING=1.
std::string monotonic_usec_field();

} // namespace wshost
