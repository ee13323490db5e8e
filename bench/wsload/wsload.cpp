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
//
// Files: options (command line), frame (RFC 6455 client frames, deflate),
// connection (connect, handshake, parsing, the epoll loop), scenarios (echo and
// subscribe traffic), run (the phases), report (accounting and the result).
#include "load.h"
#include "options.h"

int main(int argc, char **argv)
{
    wsload::Load load(wsload::parse_options(argc, argv));
    return load.run();
}
