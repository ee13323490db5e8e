// One load run: the connections, their counters and the phases of the run.
// Connection and handshake I/O are in connection.cpp, echo and subscribe
// traffic in scenarios.cpp, the phases in run.cpp and the report in report.cpp.
#pragma once

#include "frame.h"
#include "histogram.h"
#include "options.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace wsload
{

enum class St { idle, connecting, handshaking, open, closed };

struct Conn {
    int fd = -1;
    St st = St::idle;
    bool publisher = false;
    bool passive = false; // echo --idle-conns: never sends
    bool deflate = false; // negotiated
    std::string out;      // bytes not yet written
    std::size_t out_off = 0;
    std::string pending; // received bytes not yet parsed (partial frame / headers)
    std::string frag;    // a fragmented message being assembled
    bool frag_compressed = false;
    // echo: send times of the messages in flight, oldest first
    std::deque<uint64_t> inflight;
    uint64_t next_send = 0; // --rate pacing
    uint64_t frames_rx = 0;
    int close_code = 0;
    bool exchanged = false;
};

struct Pub {
    uint64_t t = 0;
    uint64_t received = 0;
    bool active = false;
};

struct Result {
    uint64_t sent = 0, received = 0, errors = 0, lost = 0, closed_unexpectedly = 0;
    uint64_t window_msgs = 0; // echo replies / deliveries in the measure window
    uint64_t pubs_sent = 0, pubs_complete = 0, pubs_incomplete = 0, missing = 0, http_errors = 0;
    uint64_t inflate_errors = 0, pings = 0;
    Histogram lat;  // echo RTT, or publish->receive per delivery
    Histogram last; // subscribe: publish -> last delivery
};

class Load
{
  public:
    explicit Load(Options o) : o_(std::move(o)) {}
    int run();

  private:
    // setup
    void build_messages();
    bool start_connect(std::size_t i);
    void ramp(uint64_t until);
    // io
    void on_event(std::size_t i, uint32_t ev);
    void flush(Conn &c);
    void send(Conn &c, std::string_view bytes);
    void read_ready(Conn &c);
    void parse(Conn &c, const char *data, std::size_t len);
    std::size_t parse_handshake(Conn &c, const char *data, std::size_t len);
    std::size_t parse_frames(Conn &c, const char *data, std::size_t len);
    void on_message(Conn &c, uint8_t opcode, std::string_view payload, bool compressed);
    void close_conn(Conn &c, bool unexpected);
    void poll_once(int timeout_ms);
    // modes
    void echo_reply(Conn &c, std::string_view payload);
    void echo_fill(Conn &c, uint64_t now);
    void sub_delivery(std::string_view payload);
    void publish(uint64_t now);
    void http_connect();
    void http_ready();
    void http_post(const std::string &json); // one request on the control-API connection
    void expire_pubs(uint64_t now);
    // phases
    bool sending() const { return phase_ == Phase::warmup || phase_ == Phase::measure; }
    bool in_window(uint64_t t) const { return t >= window_start_ && t < window_end_; }
    void print_result();

    enum class Phase { connect, warmup, measure, drain, done } phase_ = Phase::connect;

    Options o_;
    int ep_ = -1;
    std::vector<Conn> conns_;
    std::size_t next_connect_ = 0, pending_ = 0, open_ = 0, failed_ = 0;
    std::string echo_payload_, echo_frame_;
    std::vector<char> rbuf_ = std::vector<char>(256 * 1024);
    Deflate z_;
    Result r_;
    uint64_t t0_ = 0, window_start_ = UINT64_MAX, window_end_ = UINT64_MAX, connect_ns_ = 0;
    double cpu_self0_ = 0, cpu_self1_ = 0, cpu_srv0_ = 0, cpu_srv1_ = 0;
    long rss_before_ = 0, rss_after_ = 0;
    std::size_t subscribers_ = 0;
    // subscribe
    std::vector<Pub> pubs_ = std::vector<Pub>(8192);
    uint64_t next_seq_ = 1, oldest_seq_ = 1;
    std::size_t pub_outstanding_ = 0;
    // http publisher
    int http_fd_ = -1;
    bool http_busy_ = false;
    std::string http_in_;
    std::string http_out_;
    std::size_t http_out_off_ = 0;
    uint64_t http_bad_ = 0;
    std::vector<std::size_t> reread_; // connections whose socket was not drained
};

} // namespace wsload
