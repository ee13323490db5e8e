// wsload's command line: every option with its default.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace wsload
{

struct Options {
    std::string mode = "echo"; // echo | subscribe | idle
    std::string host = "127.0.0.1";
    int port = 0;
    std::string path = "/";
    std::string proto = "raw"; // raw | wshost
    int conns = 100;
    int depth = 1;
    std::size_t size = 32;
    double warmup = 1.0;
    double duration = 3.0;
    double drain = 2.0;
    double connect_timeout = 30.0;
    double deadline = 120.0; // hard cap on the whole run
    int src_addrs = 8;       // 127.0.0.2 .. 127.0.0.(1+src_addrs)
    int max_pending = 256;   // connects/handshakes in progress at once
    double rate = 0;         // echo: total messages/s (0 = closed loop)
    int idle_conns = 0;      // echo: extra connections opened first and left idle
    int refill = -1;         // echo: top up only when in flight <= this (-1: depth/2, 0 for depth 1)
    int server_pid = 0;      // CPU and RSS of this process are sampled
    bool deflate = false;    // offer permessage-deflate
    // Their CPU is added to the server's (more nodes, Redis).
    std::vector<int> extra_cpu_pids;
    // subscribe
    std::string publish_via = "ws"; // ws | http
    int http_port = 0;
    std::string http_path = "/v1/send";
    std::string token;
    double pub_timeout = 5.0; // a publish not fully delivered by then is counted incomplete
    // idle
    double hold = 3.0;
    bool exchange = false;    // one message each way before holding
    std::string exchange_msg; // default: the echo message of --proto
    std::string ready_file;   // written once every connection is open (and exchanged)
    double settle = 1.0;      // wait before sampling the server's RSS
};

// Exits with a usage message on a bad option.
Options parse_options(int argc, char **argv);

} // namespace wsload
