// wsload's phases: connect, then hold (idle) or warm up, measure and drain
// (echo, subscribe), each bounded in time.
#include "load.h"
#include "report.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace wsload
{

int Load::run()
{
    std::signal(SIGPIPE, SIG_IGN);
    srand(static_cast<unsigned>(now_ns()));
    for (auto &m : g_mask)
        m = static_cast<uint8_t>(1 + rand() % 255);
    build_messages();
    // Enough fds for every connection (the soft limit may be lower than the hard one).
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);

    ep_ = epoll_create1(EPOLL_CLOEXEC);
    t0_ = now_ns();
    uint64_t hard_end = t0_ + sec_to_ns(o_.deadline);
    rss_before_ = proc_rss_kb(o_.server_pid);

    std::size_t total = static_cast<std::size_t>(o_.conns);
    bool ws_publisher = o_.mode == "subscribe" && o_.publish_via == "ws";
    std::size_t passive = o_.mode == "echo" ? static_cast<std::size_t>(std::max(0, o_.idle_conns)) : 0;
    conns_.resize(passive + total + (ws_publisher ? 1 : 0));
    for (std::size_t i = 0; i < passive; ++i) // connected first: the active ones get the later fds
        conns_[i].passive = true;
    if (ws_publisher)
        conns_.back().publisher = true;

    ramp(std::min(hard_end, t0_ + sec_to_ns(o_.connect_timeout)));
    connect_ns_ = now_ns() - t0_;
    std::fprintf(stderr, "wsload: %zu/%zu connections open in %.2f s (%zu failed)\n", open_, conns_.size(),
                 static_cast<double>(connect_ns_) / 1e9, failed_);
    if (ws_publisher && conns_.back().st != St::open)
        die("the publisher connection did not open");
    subscribers_ = open_ - (ws_publisher ? 1 : 0);

    if (o_.mode == "idle") {
        if (o_.exchange) {
            std::string frame;
            for (Conn &c : conns_) {
                if (c.st != St::open)
                    continue;
                frame.clear();
                if (c.deflate)
                    append_frame(frame, kText, z_.compress(o_.exchange_msg), true);
                else
                    append_frame(frame, kText, o_.exchange_msg);
                send(c, frame);
                ++r_.sent;
            }
            uint64_t until = std::min(hard_end, now_ns() + sec_to_ns(o_.connect_timeout));
            auto all_done = [&] {
                return std::all_of(conns_.begin(), conns_.end(),
                                   [](const Conn &c) { return c.st != St::open || c.exchanged; });
            };
            while (!all_done() && now_ns() < until)
                poll_once(10);
        }
        uint64_t settle_end = now_ns() + sec_to_ns(o_.settle);
        while (now_ns() < settle_end)
            poll_once(50);
        rss_after_ = proc_rss_kb(o_.server_pid);
        if (!o_.ready_file.empty()) {
            std::string tmp = o_.ready_file + ".tmp";
            if (FILE *f = std::fopen(tmp.c_str(), "w")) {
                std::fprintf(f, "{\"open\": %zu}\n", open_);
                std::fclose(f);
                std::rename(tmp.c_str(), o_.ready_file.c_str());
            }
        }
        cpu_self0_ = self_cpu_s();
        cpu_srv0_ = server_cpu_s(o_);
        window_start_ = now_ns();
        uint64_t hold_end = std::min(hard_end, window_start_ + sec_to_ns(o_.hold));
        while (now_ns() < hold_end)
            poll_once(100);
        window_end_ = now_ns();
        cpu_self1_ = self_cpu_s();
        cpu_srv1_ = server_cpu_s(o_);
        phase_ = Phase::done;
        print_result();
        return 0;
    }

    if (o_.mode == "subscribe" && o_.publish_via != "ws") // "http" or "http-batch"
        http_connect();

    // warmup, then the measure window
    uint64_t now = now_ns();
    uint64_t warm_end = std::min(hard_end, now + sec_to_ns(o_.warmup));
    window_start_ = warm_end;
    window_end_ = std::min(hard_end, warm_end + sec_to_ns(o_.duration));
    phase_ = Phase::warmup;
    for (Conn &c : conns_)
        c.next_send = now;
    if (o_.mode == "echo")
        for (Conn &c : conns_)
            echo_fill(c, now);
    else
        publish(now);

    bool paced = o_.rate > 0;
    while ((now = now_ns()) < window_end_) {
        if (phase_ == Phase::warmup && now >= window_start_) {
            phase_ = Phase::measure;
            cpu_self0_ = self_cpu_s();
            cpu_srv0_ = server_cpu_s(o_);
        }
        uint64_t next_edge = phase_ == Phase::warmup ? window_start_ : window_end_;
        int wait_ms = static_cast<int>(std::min<uint64_t>(paced ? 1 : 20, (next_edge - now) / 1000000 + 1));
        poll_once(wait_ms);
        if (paced)
            for (Conn &c : conns_)
                echo_fill(c, now_ns());
        if (o_.mode == "subscribe") {
            expire_pubs(now_ns());
            publish(now_ns());
        }
    }
    if (phase_ == Phase::warmup) { // the deadline cut the warmup short
        cpu_self0_ = self_cpu_s();
        cpu_srv0_ = server_cpu_s(o_);
    }
    cpu_self1_ = self_cpu_s();
    cpu_srv1_ = server_cpu_s(o_);
    rss_after_ = proc_rss_kb(o_.server_pid);

    // drain: stop sending, collect what is still in flight
    phase_ = Phase::drain;
    uint64_t drain_end = std::min(hard_end + sec_to_ns(o_.drain), now_ns() + sec_to_ns(o_.drain));
    auto outstanding = [&] {
        if (o_.mode == "subscribe")
            return pub_outstanding_;
        std::size_t n = 0;
        for (const Conn &c : conns_)
            n += c.inflight.size();
        return n;
    };
    while (outstanding() > 0 && now_ns() < drain_end) {
        poll_once(10);
        if (o_.mode == "subscribe")
            expire_pubs(now_ns());
    }
    if (o_.mode == "echo")
        r_.lost += outstanding();
    else {
        r_.pubs_incomplete += pub_outstanding_;
        for (uint64_t s = oldest_seq_; s < next_seq_; ++s) {
            Pub &p = pubs_[s % pubs_.size()];
            if (p.active)
                r_.missing += subscribers_ - p.received;
        }
    }
    phase_ = Phase::done;
    print_result();
    for (Conn &c : conns_)
        close_conn(c, false);
    return 0;
}

} // namespace wsload
