// wsload's command line: parsing and checks (loopback targets only).
#include "options.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace wsload
{
namespace
{

void usage()
{
    std::fputs("usage: wsload --mode echo|subscribe|idle --port P [options]\n"
               "  --host 127.0.0.x  --path /  --proto raw|wshost  --conns N  --depth D  --size BYTES\n"
               "  --warmup S  --duration S  --drain S  --connect-timeout S  --deadline S\n"
               "  --src-addrs K  --max-pending N  --rate MSGS_PER_S  --server-pid PID  --deflate\n"
               "  --extra-cpu-pid PID (repeatable: its CPU counts as the server's, e.g. more nodes, Redis)\n"
               "  echo:      --idle-conns N (opened first, kept idle beside the active ones)\n"
               "             --refill N (top a connection up to depth only when <= N are in flight;\n"
               "             default depth/2: one write carries half the window, which keeps the\n"
               "             client's send() count, its main cost on loopback, well below the server's)\n"
               "  subscribe: --publish-via ws|http|http-batch  --http-port P  --http-path PATH  --token T  "
               "--pub-timeout S\n"
               "             (http: one POST /v1/send per publish; http-batch: every publish the window\n"
               "             allows in one POST /v1/send-batch)\n"
               "  idle:      --hold S  --exchange  --exchange-msg TEXT  --ready-file F  --settle S\n",
               stderr);
}

} // namespace

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
        if (a == "--mode")
            o.mode = need(i);
        else if (a == "--host")
            o.host = need(i);
        else if (a == "--port")
            o.port = std::stoi(need(i));
        else if (a == "--path")
            o.path = need(i);
        else if (a == "--proto")
            o.proto = need(i);
        else if (a == "--conns")
            o.conns = std::stoi(need(i));
        else if (a == "--depth")
            o.depth = std::stoi(need(i));
        else if (a == "--size")
            o.size = std::stoul(need(i));
        else if (a == "--warmup")
            o.warmup = std::stod(need(i));
        else if (a == "--duration")
            o.duration = std::stod(need(i));
        else if (a == "--drain")
            o.drain = std::stod(need(i));
        else if (a == "--connect-timeout")
            o.connect_timeout = std::stod(need(i));
        else if (a == "--deadline")
            o.deadline = std::stod(need(i));
        else if (a == "--src-addrs")
            o.src_addrs = std::stoi(need(i));
        else if (a == "--max-pending")
            o.max_pending = std::stoi(need(i));
        else if (a == "--rate")
            o.rate = std::stod(need(i));
        else if (a == "--idle-conns")
            o.idle_conns = std::stoi(need(i));
        else if (a == "--refill")
            o.refill = std::stoi(need(i));
        else if (a == "--server-pid")
            o.server_pid = std::stoi(need(i));
        else if (a == "--extra-cpu-pid")
            o.extra_cpu_pids.push_back(std::stoi(need(i)));
        else if (a == "--deflate")
            o.deflate = true;
        else if (a == "--publish-via")
            o.publish_via = need(i);
        else if (a == "--http-port")
            o.http_port = std::stoi(need(i));
        else if (a == "--http-path")
            o.http_path = need(i);
        else if (a == "--token")
            o.token = need(i);
        else if (a == "--pub-timeout")
            o.pub_timeout = std::stod(need(i));
        else if (a == "--hold")
            o.hold = std::stod(need(i));
        else if (a == "--exchange")
            o.exchange = true;
        else if (a == "--exchange-msg")
            o.exchange_msg = need(i);
        else if (a == "--ready-file")
            o.ready_file = need(i);
        else if (a == "--settle")
            o.settle = std::stod(need(i));
        else if (a == "-h" || a == "--help") {
            usage();
            std::exit(0);
        } else {
            usage();
            die("unknown option " + a);
        }
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
    if (o.publish_via != "ws" && o.publish_via != "http" && o.publish_via != "http-batch")
        die("--publish-via must be ws, http or http-batch");
    if (o.publish_via == "http-batch" && o.http_path == "/v1/send")
        o.http_path = "/v1/send-batch";
    if (o.refill < 0)
        o.refill = o.depth / 2;
    if (o.refill >= o.depth)
        die("--refill must be below --depth");
    if (o.publish_via != "ws" && o.http_port <= 0)
        die("--publish-via http and http-batch need --http-port");
    return o;
}

} // namespace wsload
