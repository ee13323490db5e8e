// wsload's raw WebSocket client: connect (spread over 127.0.0.x sources),
// handshake, frame parsing, buffered writes; and the epoll loop.
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
#include <cstdio>
#include <cstring>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace wsload
{

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
    src.sin_addr.s_addr =
        htonl((127u << 24) | static_cast<uint32_t>(2 + i % static_cast<std::size_t>(o_.src_addrs)));
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
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
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
                             static_cast<int>(payload.size() > 2 ? payload.size() - 2 : 0),
                             payload.data() + 2);
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
        on_event(evs[k].data.u64 == UINT64_MAX ? SIZE_MAX : static_cast<std::size_t>(evs[k].data.u64),
                 evs[k].events);
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

} // namespace wsload
