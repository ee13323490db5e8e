// wsload's traffic: echo (round trips kept `depth` deep) and subscribe
// (publishes over WebSocket or the control API, deliveries counted).
#include "load.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace wsload
{

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
            std::fprintf(stderr, "wsload: unexpected reply: %.*s\n",
                         static_cast<int>(std::min<std::size_t>(payload.size(), 200)), payload.data());
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
    std::size_t want =
        static_cast<std::size_t>(o_.depth) - std::min(c.inflight.size(), static_cast<std::size_t>(o_.depth));
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
    const bool http = o_.publish_via != "ws";
    std::string batch; // http-batch: the /v1/send bodies of this request
    while (sending() && pub_outstanding_ < static_cast<std::size_t>(o_.depth)) {
        if (http && (http_busy_ || http_fd_ < 0))
            return;
        Pub &slot = pubs_[next_seq_ % pubs_.size()];
        if (slot.active)
            break; // ring full of stragglers; expire_pubs frees them
        uint64_t seq = next_seq_++;
        std::string pad(o_.size, 'p');
        std::string body =
            "{\"t\":" + std::to_string(now) + ",\"s\":" + std::to_string(seq) + ",\"p\":\"" + pad + "\"}";
        slot = Pub{now, 0, true};
        ++pub_outstanding_;
        ++r_.pubs_sent;
        if (http) {
            std::string escaped;
            for (char ch : body) {
                if (ch == '"' || ch == '\\')
                    escaped.push_back('\\');
                escaped.push_back(ch);
            }
            std::string json = "{\"to\":{\"all\":true},\"text\":\"" + escaped + "\"}";
            if (o_.publish_via == "http-batch") { // every publish the window allows, in one request
                batch += (batch.empty() ? "" : ",") + json;
                continue;
            }
            http_post(json);
            return;
        }
        std::string msg =
            o_.proto == "wshost" ? R"({"action":"publish","payload":)" + body + "}" : "PUB " + body;
        std::string frame;
        append_frame(frame, kText, msg);
        r_.sent += 1;
        send(conns_.back(), frame);
    }
    if (!batch.empty())
        http_post("{\"messages\":[" + batch + "]}");
}

void Load::http_post(const std::string &json)
{
    http_out_ = "POST " + o_.http_path + " HTTP/1.1\r\nHost: " + o_.host + "\r\nAuthorization: Bearer " +
                o_.token +
                "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(json.size()) +
                "\r\n\r\n" + json;
    http_out_off_ = 0;
    http_busy_ = true;
    http_ready();
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

// The control-API connection (again, after the server closed an idle one).
void Load::http_connect()
{
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

// The control-API connection is level-triggered (EPOLLOUT only while output
// waits), so every loop here can stop early and be resumed by the next event.
void Load::http_ready()
{
    if (http_fd_ < 0)
        return;
    for (int rounds = 0; rounds < 64 && http_out_off_ < http_out_.size(); ++rounds) {
        ssize_t n = ::send(http_fd_, http_out_.data() + http_out_off_, http_out_.size() - http_out_off_,
                           MSG_NOSIGNAL);
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
        if (n == 0) {
            // An idle keep-alive connection closed by the server (publishes
            // waiting for deliveries that do not come): a new one. Closed with
            // a request in flight: nothing to measure.
            if (http_busy_ || !http_in_.empty())
                die("control API closed the connection");
            ::close(http_fd_);
            http_connect();
            return;
        }
        break;
    }
    for (int responses = 0; responses < 1024; ++responses) { // complete responses
        std::size_t end = http_in_.find("\r\n\r\n");
        if (end == std::string::npos)
            return;
        std::string lower = http_in_.substr(0, end);
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char ch) { return std::tolower(ch); });
        std::size_t cl = 0, at = lower.find("content-length:");
        if (at != std::string::npos)
            cl = std::strtoul(lower.c_str() + at + 15, nullptr, 10);
        if (http_in_.size() < end + 4 + cl)
            return;
        if (http_in_.rfind("HTTP/1.1 200", 0) != 0) {
            if (http_bad_++ < 3)
                std::fprintf(stderr, "wsload: control API: %.*s\n",
                             static_cast<int>(std::min<std::size_t>(end + 4 + cl, 300)), http_in_.data());
            ++r_.http_errors;
        }
        http_in_.erase(0, end + 4 + cl);
        http_busy_ = false;
        publish(now_ns());
    }
}

} // namespace wsload
