// [server] reuse_port: SO_REUSEPORT on the listening sockets libwebsockets
// binds, so that N processes share a port and the kernel spreads new
// connections over them (DESIGN §10). lws 4.1.6 sets it only when it runs
// several service threads (LWS_SERVER_OPTION_ALLOW_LISTEN_SHARE alone does
// nothing with one) and takes no socket made by us; but its bind() calls
// resolve to the host's, as its recv() calls do (socket_reads.h). While a
// ListenShare lives, that bind() sets SO_REUSEPORT on TCP sockets first.
#pragma once

namespace wshost
{

class ListenShare
{
  public:
    // Service thread, around the lws_create_vhost() of a listener.
    explicit ListenShare(bool on);
    ~ListenShare();
    ListenShare(const ListenShare &) = delete;
    ListenShare &operator=(const ListenShare &) = delete;

  private:
    bool on_;
};

} // namespace wshost
