// Prints a /metrics scrape after recording a few samples of every kind,
// label values that need escaping included; check_metrics.py parses it.
#include "base/metrics.h"
#include "base/stats.h"

#include <cstdio>

int main()
{
    using namespace wshost;
    bump(stats().connections_opened, 3);
    stats().connections.store(2);
    bump(stats().messages_received, 10);
    bump(stats().dropped_slow_consumer, 4);
    metrics::action("echo", "success", 0.0003);
    metrics::action("echo", "handler_failed", 0.2);
    metrics::action("quote\"back\\slash\nnewline", "success", 20);
    metrics::closed(1000);
    metrics::closed(1013);
    metrics::auth("accepted");
    metrics::dropped("closing", 2);
    metrics::control("/v1/send", 200);
    metrics::reload("ok");
    metrics::set_reload_generation(2);
    std::fputs(metrics::render(stats()).c_str(), stdout);
    return 0;
}
