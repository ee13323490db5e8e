// wsload: a WebSocket load generator for bench/run.
//
// One thread, one epoll set, a raw RFC 6455 client written here (handshake,
// masking, text frames, ping answers, optional permessage-deflate). Loopback
// only: the target must be in 127.0.0.0/8, and connections are spread over
// several 127.0.0.x source addresses (IP_BIND_ADDRESS_NO_PORT) so that large
// runs do not exhaust the 4-tuples of one address pair.
//
// Modes
//   echo       N connections keep up to `depth` messages in flight each, topped
//              up in one write once half of them are answered (--refill).
//              Round-trip latency histogram.
//              --proto wshost sends {"action":"echo","payload":{"message":"<S bytes>"}},
//              --proto raw sends S bytes of text.
//   subscribe  N subscriber connections plus one publisher (a WebSocket
//              connection, or --publish-via http for POST /v1/send on the
//              control API). The publisher keeps `depth` publishes in flight;
//              each carries its send time and sequence number. Reports
//              deliveries/s, publish-to-receive and publish-to-last-delivery
//              latency.
//   idle       N connections opened (optionally one message each way) and
//              held; reports the server's RSS before and after.
//
// Every phase is bounded in time (--connect-timeout, --warmup, --duration,
// --drain, --hold, and an overall --deadline). The result is one JSON object
// on stdout; progress and errors go to stderr.
#include "histogram.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace {

using wsload::Histogram;

uint64_t now_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t sec_to_ns(double s) { return static_cast<uint64_t>(s * 1e9); }

[[noreturn]] void die(const std::string &msg)
{
    std::fprintf(stderr, "wsload: %s\n", msg.c_str());
    std::exit(2);
}

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

struct Options {
    std::string mode = "echo";    // echo | subscribe | idle
    std::string host = "127.0.0.1";
    int port = 0;
    std::string path = "/";
    std::string proto = "raw";    // raw | wshost
    int conns = 100;
    int depth = 1;
    std::size_t size = 32;
    double warmup = 1.0;
    double duration = 3.0;
    double drain = 2.0;
    double connect_timeout = 30.0;
    double deadline = 120.0;      // hard cap on the whole run
    int src_addrs = 8;            // 127.0.0.2 .. 127.0.0.(1+src_addrs)
    int max_pending = 256;        // connects/handshakes in progress at once
    double rate = 0;              // echo: total messages/s (0 = closed loop)
    int idle_conns = 0;           // echo: extra connections opened first and left idle
    int refill = -1;              // echo: top up only when in flight <= this (-1: depth/2, 0 for depth 1)
    int server_pid = 0;           // CPU and RSS of this process are sampled
    bool deflate = false;         // offer permessage-deflate
    // subscribe
    std::string publish_via = "ws"; // ws | http
    int http_port = 0;
    std::string http_path = "/v1/send";
    std::string token;
    double pub_timeout = 5.0;     // a publish not fully delivered by then is counted incomplete
    // idle
    double hold = 3.0;
    bool exchange = false;        // one message each way before holding
    std::string exchange_msg;     // default: the echo message of --proto
    std::string ready_file;       // written once every connection is open (and exchanged)
    double settle = 1.0;          // wait before sampling the server's RSS
};

void usage()
{
    std::fputs(
        "usage: wsload --mode echo|subscribe|idle --port P [options]\n"
        "  --host 127.0.0.x  --path /  --proto raw|wshost  --conns N  --depth D  --size BYTES\n"
        "  --warmup S  --duration S  --drain S  --connect-timeout S  --deadline S\n"
        "  --src-addrs K  --max-pending N  --rate MSGS_PER_S  --server-pid PID  --deflate\n"
        "  echo:      --idle-conns N (opened first, kept idle beside the active ones)\n"
        "             --refill N (top a connection up to depth only when <= N are in flight;\n"
        "             default depth/2: one write carries half the window, which keeps the\n"
        "             client's send() count, its main cost on loopback, well below the server's)\n"
        "  subscribe: --publish-via ws|http  --http-port P  --http-path /v1/send  --token T  --pub-timeout S\n"
        "  idle:      --hold S  --exchange  --exchange-msg TEXT  --ready-file F  --settle S\n",
        stderr);
}

Options parse_options(int argc, char **argv)
{
    Options o;
    auto need = [&](int &i) -> std::string {
        if (i + 1 >= argc)
            die(std::string("missing value for ") + argv[i]);
        return argv[++i];
    };
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--mode") o.mode = need(i);
        else if (a == "--host") o.host = need(i);
        else if (a == "--port") o.port = std::stoi(need(i));
        else if (a == "--path") o.path = need(i);
        else if (a == "--proto") o.proto = need(i);
        else if (a == "--conns") o.conns = std::stoi(need(i));
        else if (a == "--depth") o.depth = std::stoi(need(i));
        else if (a == "--size") o.size = std::stoul(need(i));
        else if (a == "--warmup") o.warmup = std::stod(need(i));
        else if (a == "--duration") o.duration = std::stod(need(i));
        else if (a == "--drain") o.drain = std::stod(need(i));
        else if (a == "--connect-timeout") o.connect_timeout = std::stod(need(i));
        else if (a == "--deadline") o.deadline = std::stod(need(i));
        else if (a == "--src-addrs") o.src_addrs = std::stoi(need(i));
        else if (a == "--max-pending") o.max_pending = std::stoi(need(i));
        else if (a == "--rate") o.rate = std::stod(need(i));
        else if (a == "--idle-conns") o.idle_conns = std::stoi(need(i));
        else if (a == "--refill") o.refill = std::stoi(need(i));
        else if (a == "--server-pid") o.server_pid = std::stoi(need(i));
        else if (a == "--deflate") o.deflate = true;
        else if (a == "--publish-via") o.publish_via = need(i);
        else if (a == "--http-port") o.http_port = std::stoi(need(i));
        else if (a == "--http-path") o.http_path = need(i);
        else if (a == "--token") o.token = need(i);
        else if (a == "--pub-timeout") o.pub_timeout = std::stod(need(i));
        else if (a == "--hold") o.hold = std::stod(need(i));
        else if (a == "--exchange") o.exchange = true;
        else if (a == "--exchange-msg") o.exchange_msg = need(i);
        else if (a == "--ready-file") o.ready_file = need(i);
        else if (a == "--settle") o.settle = std::stod(need(i));
        else if (a == "-h" || a == "--help") { usage(); std::exit(0); }
        else { usage(); die("unknown option " + a); }
    }
    if (o.mode != "echo" && o.mode != "subscribe" && o.mode != "idle")
        die("--mode must be echo, subscribe or idle");
    if (o.proto != "raw" && o.proto != "wshost")
        die("--proto must be raw or wshost");
    if (o.port <= 0 || o.port > 65535)
        die("--port is required");
    in_addr a{};
    if (inet_pton(AF_INET, o.host.c_str(), &a) != 1 || (ntohl(a.s_addr) >> 24) != 127)
        die("--host must be an IPv4 address in 127.0.0.0/8 (loopback only)");
    if (o.conns < 1 || o.conns > 1000000 || o.depth < 1 || o.depth > 4096)
        die("--conns must be >= 1 and --depth 1..4096");
    if (o.src_addrs < 1 || o.src_addrs > 250)
        die("--src-addrs must be 1..250");
    if (o.publish_via != "ws" && o.publish_via != "http")
        die("--publish-via must be ws or http");
    if (o.refill < 0)
        o.refill = o.depth / 2;
    if (o.refill >= o.depth)
        die("--refill must be below --depth");
    if (o.publish_via == "http" && o.http_port <= 0)
        die("--publish-via http needs --http-port");
    return o;
}

// ---------------------------------------------------------------------------
// Process accounting
// ---------------------------------------------------------------------------

double self_cpu_s()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// utime + stime of a process (all its threads), from /proc/PID/stat, in seconds.
double proc_cpu_s(int pid)
{
    if (pid <= 0)
        return 0;
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto rp = s.rfind(')');
    if (rp == std::string::npos)
        return 0;
    std::istringstream in(s.substr(rp + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    // Fields after ')' start at field 3 (state); utime is field 14, stime 15.
    for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long proc_rss_kb(int pid)
{
    if (pid <= 0)
        return 0;
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0)
            return std::strtol(line.c_str() + 6, nullptr, 10);
    return 0;
}

// ---------------------------------------------------------------------------
// Frames
// ---------------------------------------------------------------------------

constexpr uint8_t kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9, kPong = 0xA;

uint8_t g_mask[4];

// Appends one masked client frame (FIN set) to out.
void append_frame(std::string &out, uint8_t opcode, std::string_view payload, bool rsv1 = false)
{
    std::size_t n = payload.size();
    out.push_back(static_cast<char>(0x80 | (rsv1 ? 0x40 : 0) | opcode));
    if (n < 126) {
        out.push_back(static_cast<char>(0x80 | n));
    } else if (n < 65536) {
        out.push_back(static_cast<char>(0x80 | 126));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xff));
    } else {
        out.push_back(static_cast<char>(0x80 | 127));
        for (int i = 7; i >= 0; --i)
            out.push_back(static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff));
    }
    out.append(reinterpret_cast<const char *>(g_mask), 4);
    std::size_t base = out.size();
    out.append(payload);
    for (std::size_t i = 0; i < n; ++i)
        out[base + i] = static_cast<char>(out[base + i] ^ g_mask[i & 3]);
}

// Shared raw-deflate compressor/decompressor (permessage-deflate, RFC 7692).
// The client resets its compressor per message (no context takeover on our
// side is always allowed); decompression resets per message too, which is
// correct for the first message of each connection, the only one idle mode
// decompresses.
struct Deflate {
    z_stream def{}, inf{};
    bool ready = false;
    void init()
    {
        if (ready)
            return;
        if (deflateInit2(&def, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK ||
            inflateInit2(&inf, -15) != Z_OK)
            die("zlib init failed");
        ready = true;
    }
    std::string compress(std::string_view in)
    {
        init();
        deflateReset(&def);
        std::string out(deflateBound(&def, in.size()) + 16, '\0');
        def.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
        def.avail_in = static_cast<uInt>(in.size());
        def.next_out = reinterpret_cast<Bytef *>(out.data());
        def.avail_out = static_cast<uInt>(out.size());
        deflate(&def, Z_SYNC_FLUSH);
        out.resize(out.size() - def.avail_out);
        if (out.size() >= 4 && out.compare(out.size() - 4, 4, std::string("\0\0\xff\xff", 4)) == 0)
            out.resize(out.size() - 4);
        return out;
    }
    bool decompress(std::string_view in, std::string &out)
    {
        init();
        inflateReset(&inf);
        std::string src(in);
        src.append("\0\0\xff\xff", 4);
        out.assign(std::max<std::size_t>(1024, in.size() * 8), '\0');
        inf.next_in = reinterpret_cast<Bytef *>(src.data());
        inf.avail_in = static_cast<uInt>(src.size());
        inf.next_out = reinterpret_cast<Bytef *>(out.data());
        inf.avail_out = static_cast<uInt>(out.size());
        int rc = inflate(&inf, Z_SYNC_FLUSH);
        out.resize(out.size() - inf.avail_out);
        return rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR;
    }
};

// ---------------------------------------------------------------------------
// Connections
// ---------------------------------------------------------------------------

enum class St { idle, connecting, handshaking, open, closed };

struct Conn {
    int fd = -1;
    St st = St::idle;
    bool publisher = false;
    bool passive = false;     // echo --idle-conns: never sends
    bool deflate = false;     // negotiated
    std::string out;          // bytes not yet written
    std::size_t out_off = 0;
    std::string pending;      // received bytes not yet parsed (partial frame / headers)
    std::string frag;         // a fragmented message being assembled
    bool frag_compressed = false;
    // echo: send times of the messages in flight, oldest first
    std::deque<uint64_t> inflight;
    uint64_t next_send = 0;   // --rate pacing
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
    uint64_t window_msgs = 0;       // echo replies / deliveries in the measure window
    uint64_t pubs_sent = 0, pubs_complete = 0, pubs_incomplete = 0, missing = 0, http_errors = 0;
    uint64_t inflate_errors = 0, pings = 0;
    Histogram lat;                  // echo RTT, or publish->receive per delivery
    Histogram last;                 // subscribe: publish -> last delivery
};

class Load {
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
    void http_ready();
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

void Load::build_messages()
{
    std::string body(o_.size, 'x');
    for (std::size_t i = 0; i < body.size(); ++i)
        body[i] = static_cast<char>('a' + i % 26);
    if (o_.proto == "wshost")
        echo_payload_ = R"({"action":"echo","payload":{"message":")" + body + R"("}})";
    else
        echo_payload_ = body;
    echo_frame_.clear();
    append_frame(echo_frame_, kText, echo_payload_);
    if (o_.exchange_msg.empty())
        o_.exchange_msg = echo_payload_;
}

bool Load::start_connect(std::size_t i)
{
    Conn &c = conns_[i];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        std::fprintf(stderr, "wsload: socket: %s\n", std::strerror(errno));
        return false;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl((127u << 24) | static_cast<uint32_t>(2 + i % static_cast<std::size_t>(o_.src_addrs)));
    if (bind(fd, reinterpret_cast<sockaddr *>(&src), sizeof src) != 0) {
        std::fprintf(stderr, "wsload: bind: %s\n", std::strerror(errno));
        close(fd);
        return false;
    }
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<uint16_t>(o_.port));
    inet_pton(AF_INET, o_.host.c_str(), &dst.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr *>(&dst), sizeof dst) != 0 && errno != EINPROGRESS) {
        std::fprintf(stderr, "wsload: connect: %s\n", std::strerror(errno));
        close(fd);
        return false;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = i;
    if (epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        close(fd);
        return false;
    }
    c.fd = fd;
    c.st = St::connecting;
    return true;
}

void Load::send(Conn &c, std::string_view bytes)
{
    if (c.st == St::closed)
        return;
    if (c.out_off < c.out.size()) { // already waiting for EPOLLOUT
        c.out.append(bytes);
        return;
    }
    c.out.clear();
    c.out_off = 0;
    ssize_t n = ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            close_conn(c, true);
            return;
        }
        n = 0;
    }
    if (static_cast<std::size_t>(n) < bytes.size())
        c.out.assign(bytes.substr(static_cast<std::size_t>(n)));
}

void Load::flush(Conn &c)
{
    while (c.out_off < c.out.size()) {
        ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            close_conn(c, true);
            return;
        }
        c.out_off += static_cast<std::size_t>(n);
    }
    c.out.clear();
    c.out_off = 0;
}

void Load::close_conn(Conn &c, bool unexpected)
{
    if (c.st == St::closed || c.fd < 0)
        return;
    if (c.st == St::connecting || c.st == St::handshaking) {
        --pending_;
        ++failed_;
    } else if (c.st == St::open) {
        --open_;
        if (unexpected && phase_ != Phase::done) {
            ++r_.closed_unexpectedly;
            r_.lost += c.inflight.size();
        }
    }
    linger lg{1, 0}; // RST: leave no TIME_WAIT behind on the shared loopback
    setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(c.fd);
    c.fd = -1;
    c.st = St::closed;
    c.inflight.clear();
}

void Load::on_event(std::size_t i, uint32_t ev)
{
    if (i == SIZE_MAX) { // the HTTP publisher
        http_ready();
        return;
    }
    Conn &c = conns_[i];
    if (c.st == St::closed)
        return;
    if (c.st == St::connecting) {
        if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            if (failed_ < 5)
                std::fprintf(stderr, "wsload: connect: %s\n", std::strerror(err));
            close_conn(c, false);
            return;
        }
        c.st = St::handshaking;
        std::string req = "GET " + o_.path + " HTTP/1.1\r\nHost: " + o_.host + ":" + std::to_string(o_.port) +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
        if (o_.deflate)
            req += "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
        req += "\r\n";
        send(c, req);
    }
    if (ev & EPOLLOUT)
        flush(c);
    if (c.st != St::closed && (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        read_ready(c);
}

void Load::read_ready(Conn &c)
{
    for (int rounds = 0; c.st != St::closed; ++rounds) {
        if (rounds == 256) { // still more: come back after the others had a turn (edge-triggered)
            reread_.push_back(static_cast<std::size_t>(&c - conns_.data()));
            return;
        }
        ssize_t n = ::recv(c.fd, rbuf_.data(), rbuf_.size(), 0);
        if (n > 0) {
            parse(c, rbuf_.data(), static_cast<std::size_t>(n));
            if (static_cast<std::size_t>(n) < rbuf_.size())
                return; // drained (edge-triggered: a short read means empty)
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0 && errno == EINTR)
            continue;
        close_conn(c, true); // EOF or error
        return;
    }
}

void Load::parse(Conn &c, const char *data, std::size_t len)
{
    // Parse in place when nothing is pending, else through the pending buffer.
    std::string joined;
    if (!c.pending.empty()) {
        joined.swap(c.pending);
        joined.append(data, len);
        data = joined.data();
        len = joined.size();
    }
    std::size_t off = 0;
    while (off < len && c.st != St::closed) {
        std::size_t used = c.st == St::handshaking ? parse_handshake(c, data + off, len - off)
                                                   : parse_frames(c, data + off, len - off);
        if (used == 0)
            break;
        off += used;
    }
    if (c.st != St::closed && off < len)
        c.pending.assign(data + off, len - off);
}

std::size_t Load::parse_handshake(Conn &c, const char *data, std::size_t len)
{
    std::string_view text(data, len);
    std::size_t end = text.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        if (len > 16384)
            close_conn(c, false);
        return 0;
    }
    std::string_view head = text.substr(0, end);
    if (head.rfind("HTTP/1.1 101", 0) != 0) {
        if (failed_ < 5)
            std::fprintf(stderr, "wsload: handshake refused: %.*s\n",
                         static_cast<int>(std::min<std::size_t>(head.find('\r'), 80)), head.data());
        close_conn(c, false);
        return 0;
    }
    std::string lower(head);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    c.deflate = o_.deflate && lower.find("permessage-deflate") != std::string::npos;
    c.st = St::open;
    --pending_;
    ++open_;
    return end + 4;
}

std::size_t Load::parse_frames(Conn &c, const char *data, std::size_t len)
{
    auto *p = reinterpret_cast<const uint8_t *>(data);
    if (len < 2)
        return 0;
    bool fin = p[0] & 0x80, rsv1 = p[0] & 0x40;
    uint8_t opcode = p[0] & 0x0f;
    bool masked = p[1] & 0x80;
    uint64_t plen = p[1] & 0x7f;
    std::size_t hdr = 2;
    if (plen == 126) {
        if (len < 4)
            return 0;
        plen = (uint64_t{p[2]} << 8) | p[3];
        hdr = 4;
    } else if (plen == 127) {
        if (len < 10)
            return 0;
        plen = 0;
        for (int k = 0; k < 8; ++k)
            plen = (plen << 8) | p[2 + k];
        hdr = 10;
    }
    if (masked)
        hdr += 4; // servers must not mask; tolerate it anyway
    if (plen > (64u << 20)) {
        close_conn(c, true);
        return 0;
    }
    if (len < hdr + plen)
        return 0;
    std::string_view payload(data + hdr, static_cast<std::size_t>(plen));
    std::string unmasked;
    if (masked) {
        unmasked.assign(payload);
        for (std::size_t k = 0; k < unmasked.size(); ++k)
            unmasked[k] = static_cast<char>(unmasked[k] ^ p[hdr - 4 + (k & 3)]);
        payload = unmasked;
    }
    if (opcode >= 0x8) { // control frames
        if (opcode == kPing) {
            ++r_.pings;
            std::string pong;
            append_frame(pong, kPong, payload);
            send(c, pong);
        } else if (opcode == kClose) {
            if (payload.size() >= 2)
                c.close_code = (static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1]);
            if (c.close_code && r_.closed_unexpectedly < 5)
                std::fprintf(stderr, "wsload: server closed a connection: %d %.*s\n", c.close_code,
                             static_cast<int>(payload.size() > 2 ? payload.size() - 2 : 0), payload.data() + 2);
            close_conn(c, true);
            return 0;
        }
        return hdr + static_cast<std::size_t>(plen);
    }
    if (opcode == kText || opcode == kBinary) {
        if (fin) {
            on_message(c, opcode, payload, rsv1);
        } else {
            c.frag.assign(payload);
            c.frag_compressed = rsv1;
        }
    } else if (opcode == 0) { // continuation
        c.frag.append(payload);
        if (fin) {
            std::string msg;
            msg.swap(c.frag);
            on_message(c, kText, msg, c.frag_compressed);
        }
    }
    return hdr + static_cast<std::size_t>(plen);
}

void Load::on_message(Conn &c, uint8_t, std::string_view payload, bool compressed)
{
    ++c.frames_rx;
    ++r_.received;
    std::string inflated;
    if (compressed) {
        if (!z_.decompress(payload, inflated))
            ++r_.inflate_errors;
        payload = inflated;
    }
    if (o_.mode == "echo") {
        echo_reply(c, payload);
    } else if (o_.mode == "subscribe") {
        if (!c.publisher)
            sub_delivery(payload);
    } else if (!c.exchanged) {
        c.exchanged = true;
    }
}

// ---------------------------------------------------------------------------
// echo
// ---------------------------------------------------------------------------

void Load::echo_reply(Conn &c, std::string_view payload)
{
    uint64_t now = now_ns();
    if (c.inflight.empty()) {
        ++r_.errors; // a frame nobody asked for
        return;
    }
    uint64_t t = c.inflight.front();
    c.inflight.pop_front();
    if (o_.proto == "wshost" ? payload.rfind(R"({"status":"success")", 0) != 0 : payload.size() != o_.size) {
        if (r_.errors < 3)
            std::fprintf(stderr, "wsload: unexpected reply: %.*s\n", static_cast<int>(std::min<std::size_t>(payload.size(), 200)),
                         payload.data());
        ++r_.errors;
    }
    if (in_window(now)) {
        ++r_.window_msgs;
        r_.lat.record(now - t);
    }
    echo_fill(c, now);
}

// Tops the connection up to `depth` messages in flight, in one write.
void Load::echo_fill(Conn &c, uint64_t now)
{
    if (!sending() || c.st != St::open || c.passive)
        return;
    if (o_.rate <= 0 && c.inflight.size() > static_cast<std::size_t>(o_.refill))
        return; // wait until a batch can go in one write
    std::size_t want = static_cast<std::size_t>(o_.depth) - std::min(c.inflight.size(), static_cast<std::size_t>(o_.depth));
    if (o_.rate > 0) {
        uint64_t interval = static_cast<uint64_t>(1e9 * static_cast<double>(o_.conns) / o_.rate);
        std::size_t due = 0;
        while (due < want && c.next_send <= now) {
            ++due;
            c.next_send += interval;
        }
        if (c.next_send + interval * 4 < now) // fell far behind: don't burst to catch up
            c.next_send = now;
        want = due;
    }
    if (!want)
        return;
    static thread_local std::string batch;
    batch.clear();
    for (std::size_t k = 0; k < want; ++k) {
        batch.append(echo_frame_);
        c.inflight.push_back(now);
    }
    r_.sent += want;
    send(c, batch);
}

// ---------------------------------------------------------------------------
// subscribe
// ---------------------------------------------------------------------------

uint64_t field_u64(std::string_view s, std::string_view key)
{
    std::size_t at = s.find(key);
    if (at == std::string_view::npos)
        return 0;
    at += key.size();
    uint64_t v = 0;
    std::from_chars(s.data() + at, s.data() + s.size(), v);
    return v;
}

void Load::sub_delivery(std::string_view payload)
{
    uint64_t now = now_ns();
    uint64_t seq = field_u64(payload, "\"s\":");
    uint64_t t = field_u64(payload, "\"t\":");
    if (!seq || !t) {
        ++r_.errors;
        return;
    }
    if (in_window(now))
        ++r_.window_msgs;
    if (t >= window_start_ && t < window_end_)
        r_.lat.record(now - t);
    Pub &p = pubs_[seq % pubs_.size()];
    if (!p.active || p.t != t)
        return; // expired already
    if (++p.received >= subscribers_) {
        p.active = false;
        --pub_outstanding_;
        ++r_.pubs_complete;
        if (t >= window_start_ && t < window_end_)
            r_.last.record(now - t);
        publish(now);
    }
}

void Load::publish(uint64_t now)
{
    while (sending() && pub_outstanding_ < static_cast<std::size_t>(o_.depth)) {
        if (o_.publish_via == "http" && (http_busy_ || http_fd_ < 0))
            return;
        Pub &slot = pubs_[next_seq_ % pubs_.size()];
        if (slot.active)
            return; // ring full of stragglers; expire_pubs frees them
        uint64_t seq = next_seq_++;
        std::string pad(o_.size, 'p');
        std::string body = "{\"t\":" + std::to_string(now) + ",\"s\":" + std::to_string(seq) + ",\"p\":\"" + pad + "\"}";
        slot = Pub{now, 0, true};
        ++pub_outstanding_;
        ++r_.pubs_sent;
        if (o_.publish_via == "http") {
            std::string escaped;
            for (char ch : body) {
                if (ch == '"' || ch == '\\')
                    escaped.push_back('\\');
                escaped.push_back(ch);
            }
            std::string json = "{\"to\":{\"all\":true},\"text\":\"" + escaped + "\"}";
            http_out_ = "POST " + o_.http_path + " HTTP/1.1\r\nHost: " + o_.host + "\r\nAuthorization: Bearer " + o_.token +
                        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(json.size()) + "\r\n\r\n" + json;
            http_out_off_ = 0;
            http_busy_ = true;
            http_ready();
            return;
        }
        std::string msg = o_.proto == "wshost" ? R"({"action":"publish","payload":)" + body + "}" : "PUB " + body;
        std::string frame;
        append_frame(frame, kText, msg);
        r_.sent += 1;
        send(conns_.back(), frame);
    }
}

// A publish that has not reached every subscriber in time is given up.
void Load::expire_pubs(uint64_t now)
{
    uint64_t limit = sec_to_ns(o_.pub_timeout);
    for (uint64_t s = oldest_seq_; s < next_seq_; ++s) {
        Pub &p = pubs_[s % pubs_.size()];
        if (p.active && now - p.t > limit) {
            p.active = false;
            --pub_outstanding_;
            ++r_.pubs_incomplete;
            r_.missing += subscribers_ - p.received;
        }
        if (!p.active && s == oldest_seq_)
            ++oldest_seq_;
    }
}

// The control-API connection is level-triggered (EPOLLOUT only while output
// waits), so every loop here can stop early and be resumed by the next event.
void Load::http_ready()
{
    if (http_fd_ < 0)
        return;
    for (int rounds = 0; rounds < 64 && http_out_off_ < http_out_.size(); ++rounds) {
        ssize_t n = ::send(http_fd_, http_out_.data() + http_out_off_, http_out_.size() - http_out_off_, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN)
                die(std::string("control API connection: ") + std::strerror(errno));
            break;
        }
        http_out_off_ += static_cast<std::size_t>(n);
    }
    epoll_event ev{};
    ev.events = EPOLLIN | (http_out_off_ < http_out_.size() ? static_cast<uint32_t>(EPOLLOUT) : 0u);
    ev.data.u64 = UINT64_MAX;
    epoll_ctl(ep_, EPOLL_CTL_MOD, http_fd_, &ev);
    char buf[16384];
    for (int rounds = 0; rounds < 64; ++rounds) {
        ssize_t n = ::recv(http_fd_, buf, sizeof buf, 0);
        if (n > 0) {
            http_in_.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0)
            die("control API closed the connection");
        break;
    }
    for (int responses = 0; responses < 1024; ++responses) { // complete responses
        std::size_t end = http_in_.find("\r\n\r\n");
        if (end == std::string::npos)
            return;
        std::string lower = http_in_.substr(0, end);
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
        std::size_t cl = 0, at = lower.find("content-length:");
        if (at != std::string::npos)
            cl = std::strtoul(lower.c_str() + at + 15, nullptr, 10);
        if (http_in_.size() < end + 4 + cl)
            return;
        if (http_in_.rfind("HTTP/1.1 200", 0) != 0) {
            if (http_bad_++ < 3)
                std::fprintf(stderr, "wsload: control API: %.*s\n", static_cast<int>(std::min<std::size_t>(end + 4 + cl, 300)),
                             http_in_.data());
            ++r_.http_errors;
        }
        http_in_.erase(0, end + 4 + cl);
        http_busy_ = false;
        publish(now_ns());
    }
}

// ---------------------------------------------------------------------------
// The loop
// ---------------------------------------------------------------------------

void Load::poll_once(int timeout_ms)
{
    epoll_event evs[512];
    if (!reread_.empty()) {
        std::vector<std::size_t> again;
        again.swap(reread_);
        for (std::size_t i : again)
            read_ready(conns_[i]);
        timeout_ms = 0;
    }
    int n = epoll_wait(ep_, evs, 512, timeout_ms);
    for (int k = 0; k < n; ++k)
        on_event(evs[k].data.u64 == UINT64_MAX ? SIZE_MAX : static_cast<std::size_t>(evs[k].data.u64), evs[k].events);
}

void Load::ramp(uint64_t until)
{
    while (now_ns() < until) {
        while (next_connect_ < conns_.size() && pending_ < static_cast<std::size_t>(o_.max_pending)) {
            std::size_t i = next_connect_++;
            if (start_connect(i))
                ++pending_;
            else
                ++failed_;
        }
        if (next_connect_ >= conns_.size() && pending_ == 0)
            return;
        poll_once(10);
    }
}

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
                return std::all_of(conns_.begin(), conns_.end(), [](const Conn &c) { return c.st != St::open || c.exchanged; });
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
        cpu_srv0_ = proc_cpu_s(o_.server_pid);
        window_start_ = now_ns();
        uint64_t hold_end = std::min(hard_end, window_start_ + sec_to_ns(o_.hold));
        while (now_ns() < hold_end)
            poll_once(100);
        window_end_ = now_ns();
        cpu_self1_ = self_cpu_s();
        cpu_srv1_ = proc_cpu_s(o_.server_pid);
        phase_ = Phase::done;
        print_result();
        return 0;
    }

    if (o_.mode == "subscribe" && o_.publish_via == "http") {
        http_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(http_fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in dst{};
        dst.sin_family = AF_INET;
        dst.sin_port = htons(static_cast<uint16_t>(o_.http_port));
        inet_pton(AF_INET, o_.host.c_str(), &dst.sin_addr);
        if (connect(http_fd_, reinterpret_cast<sockaddr *>(&dst), sizeof dst) != 0 && errno != EINPROGRESS)
            die(std::string("control API connect: ") + std::strerror(errno));
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT; // level-triggered, see http_ready()
        ev.data.u64 = UINT64_MAX;
        epoll_ctl(ep_, EPOLL_CTL_ADD, http_fd_, &ev);
    }

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
            cpu_srv0_ = proc_cpu_s(o_.server_pid);
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
        cpu_srv0_ = proc_cpu_s(o_.server_pid);
    }
    cpu_self1_ = self_cpu_s();
    cpu_srv1_ = proc_cpu_s(o_.server_pid);
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

void Load::print_result()
{
    double window = static_cast<double>(window_end_ - window_start_) / 1e9;
    double srv = cpu_srv1_ - cpu_srv0_;
    auto us = [](uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
    std::printf("{\"mode\":\"%s\",\"proto\":\"%s\",\"conns\":%d,\"idle_conns\":%d,\"refill\":%d,\"open\":%zu,\"connect_failed\":%zu,"
                "\"connect_s\":%.3f,\"depth\":%d,\"size\":%zu,\"window_s\":%.3f,",
                o_.mode.c_str(), o_.proto.c_str(), o_.conns, o_.idle_conns, o_.refill, open_, failed_,
                static_cast<double>(connect_ns_) / 1e9, o_.depth, o_.size, window);
    std::printf("\"sent\":%llu,\"received\":%llu,\"window_msgs\":%llu,\"rate\":%.1f,\"errors\":%llu,\"lost\":%llu,"
                "\"closed_unexpectedly\":%llu,\"pings\":%llu,",
                static_cast<unsigned long long>(r_.sent), static_cast<unsigned long long>(r_.received),
                static_cast<unsigned long long>(r_.window_msgs), window > 0 ? static_cast<double>(r_.window_msgs) / window : 0.0,
                static_cast<unsigned long long>(r_.errors), static_cast<unsigned long long>(r_.lost),
                static_cast<unsigned long long>(r_.closed_unexpectedly), static_cast<unsigned long long>(r_.pings));
    std::printf("\"lat_p50_us\":%.1f,\"lat_p99_us\":%.1f,\"lat_p999_us\":%.1f,\"lat_max_us\":%.1f,\"lat_count\":%llu,",
                us(r_.lat.quantile(0.5)), us(r_.lat.quantile(0.99)), us(r_.lat.quantile(0.999)), us(r_.lat.max()),
                static_cast<unsigned long long>(r_.lat.count()));
    std::printf("\"client_cpu_pct\":%.1f,\"server_cpu_s\":%.3f,\"server_cpu_us_per_msg\":%.3f,"
                "\"server_rss_before_kb\":%ld,\"server_rss_kb\":%ld,",
                window > 0 ? 100.0 * (cpu_self1_ - cpu_self0_) / window : 0.0, srv,
                r_.window_msgs ? 1e6 * srv / static_cast<double>(r_.window_msgs) : 0.0, rss_before_, rss_after_);
    std::printf("\"server_cpu_pct\":%.1f,", window > 0 ? 100.0 * srv / window : 0.0);
    if (o_.mode == "subscribe")
        std::printf("\"subscribers\":%zu,\"pubs_sent\":%llu,\"pubs_complete\":%llu,\"pubs_incomplete\":%llu,"
                    "\"missing_deliveries\":%llu,\"http_errors\":%llu,\"last_p50_us\":%.1f,\"last_p99_us\":%.1f,"
                    "\"last_count\":%llu,",
                    subscribers_, static_cast<unsigned long long>(r_.pubs_sent),
                    static_cast<unsigned long long>(r_.pubs_complete), static_cast<unsigned long long>(r_.pubs_incomplete),
                    static_cast<unsigned long long>(r_.missing), static_cast<unsigned long long>(r_.http_errors),
                    us(r_.last.quantile(0.5)), us(r_.last.quantile(0.99)), static_cast<unsigned long long>(r_.last.count()));
    if (o_.mode == "idle") {
        std::size_t exchanged = 0, deflated = 0;
        for (const Conn &c : conns_) {
            exchanged += c.exchanged;
            deflated += c.deflate && c.st == St::open;
        }
        long delta = rss_after_ - rss_before_;
        std::printf("\"exchanged\":%zu,\"deflate_negotiated\":%zu,\"inflate_errors\":%llu,\"per_conn_bytes\":%.1f,",
                    exchanged, deflated, static_cast<unsigned long long>(r_.inflate_errors),
                    open_ ? 1024.0 * static_cast<double>(delta) / static_cast<double>(open_) : 0.0);
    }
    std::printf("\"elapsed_s\":%.3f}\n", static_cast<double>(now_ns() - t0_) / 1e9);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
    Load load(parse_options(argc, argv));
    return load.run();
}
