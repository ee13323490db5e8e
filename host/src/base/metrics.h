// Prometheus metrics (DESIGN §6): the labelled counters and the action
// duration histogram live here; the plain process counters live in Stats
// (stats.h) and are read at scrape time. render() emits every metric name of
// DESIGN §6 with HELP and TYPE lines, in the Prometheus text exposition format
// 0.0.4, also before any sample exists (unlabelled ones then read 0).
//
// Threads: every function is safe from any thread (one mutex; the recording
// calls are a map lookup and an add).
//
// Label cardinality: each labelled family keeps at most kMaxLabelSets
// distinct label sets; later new ones are counted under the value "_other",
// so a misbehaving caller cannot grow the scrape without bound. Callers
// should still pass bounded values (registered action names, route patterns,
// error codes), never client-chosen text.
#pragma once

#include "base/stats.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wshost::metrics
{

inline constexpr std::size_t kMaxLabelSets = 1000;

// One action's samples. Looked up once, when the action is registered, so
// that recording an outcome builds no key and searches no map. Handles live
// as long as the process (reset_for_tests() zeroes them, never frees them).
struct ActionMetrics;
// The handle for `action` ("_other" once kMaxLabelSets names are known).
ActionMetrics *action_metrics(std::string_view action);

// One handled action: wshost_actions_total{action,status} and
// wshost_action_duration_seconds{action}. `status` is "success" or the error
// code of the response (e.g. "handler_failed").
void action(ActionMetrics &action, std::string_view status, double seconds);
void action(std::string_view action, std::string_view status, double seconds);
// A connection closed with `code` (the close code sent or received; 1006 when
// the socket went away without one): wshost_connections_closed_total{code}.
void closed(int code);
// One authenticator verdict: wshost_auth_total{result} ("accepted",
// "rejected", "anonymous", "timeout", ...).
void auth(std::string_view result);
// Messages dropped for a reason other than the slow-consumer policy, which the
// gateway already counts in Stats::dropped_slow_consumer and which render()
// reports as wshost_dropped_total{reason="slow_consumer"}. Passing
// "slow_consumer" here adds to that sample.
void dropped(std::string_view reason, std::uint64_t n);
// One WebSocket handshake refused by the host: wshost_handshakes_refused_total{status}
// ("400", "403", "404", "426", "431", "503", or "closed": dropped at accept).
void handshake_refused(std::string_view status);
// One control API request: wshost_control_requests_total{endpoint,status};
// `endpoint` is the route pattern ("/v1/rooms/{room}/join"), not the raw path.
void control(std::string_view endpoint, int status);
// One finished reload: wshost_reloads_total{result} ("ok" | "failed").
void reload(std::string_view result);
// wshost_reload_generation (starts at 1: the configuration loaded at start).
void set_reload_generation(std::uint64_t generation);

// The whole scrape.
std::string render(const Stats &stats);

// Tests only: forgets every recorded sample.
void reset_for_tests();

} // namespace wshost::metrics
