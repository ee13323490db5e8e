#include "runner.h"

#include "exit_codes.h"
#include "json_body.h"
#include "output.h"
#include "url.h"

#include <chrono>
#include <set>
#include <thread>
#include <vector>

namespace wshost::ctl
{

namespace
{

bool is_2xx(const Response &r)
{
    return r.status >= 200 && r.status < 300;
}

void add_body(std::string &out, const std::string &body)
{
    out += body;
    if (!body.empty() && body.back() != '\n')
        out += '\n';
}

// Sends one request; on a transport failure fills `outcome` (exit 3) and returns false.
bool exchange(const Transport &send, const Request &request, Response &response, Outcome &outcome)
{
    Exchange ex = send(request);
    if (!ex.ok) {
        outcome.err += "wshostctl: " + ex.error + "\n";
        outcome.exit_code = exit_unreachable;
        return false;
    }
    response = std::move(ex.response);
    return true;
}

// In --json mode every body goes to stdout; a refused request also gets its line on stderr.
// Returns false (exit 1 set) when the answer is not 2xx.
bool accept(const Response &r, const RunOptions &options, Outcome &outcome)
{
    if (options.json)
        add_body(outcome.out, r.body);
    if (is_2xx(r))
        return true;
    outcome.err += "wshostctl: " + format_error(r, options.token_sent);
    outcome.exit_code = exit_refused;
    return false;
}

std::string string_field(const std::string &body, const char *name)
{
    JsonDoc doc(cJSON_ParseWithLength(body.data(), body.size()));
    const cJSON *v = doc ? cJSON_GetObjectItemCaseSensitive(doc.get(), name) : nullptr;
    return cJSON_IsString(v) ? v->valuestring : "";
}

double number_field(const std::string &body, const char *name)
{
    JsonDoc doc(cJSON_ParseWithLength(body.data(), body.size()));
    const cJSON *v = doc ? cJSON_GetObjectItemCaseSensitive(doc.get(), name) : nullptr;
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

Outcome run_single(const Plan &plan, const RunOptions &options, const Transport &send)
{
    Outcome outcome;
    Response r;
    if (!exchange(send, plan.request, r, outcome) || !accept(r, options, outcome))
        return outcome;
    if (!options.json)
        plan.print(std::span<const Response>(&r, 1), outcome.out);
    return outcome;
}

Outcome run_paginate(const Plan &plan, const RunOptions &options, const Transport &send)
{
    Outcome outcome;
    std::vector<Response> pages;
    std::set<std::string> seen;
    Request request = plan.request;
    for (;;) {
        Response r;
        if (!exchange(send, request, r, outcome) || !accept(r, options, outcome))
            return outcome;
        std::string cursor = string_field(r.body, "next_cursor");
        pages.push_back(std::move(r));
        if (cursor.empty())
            break;
        if (!seen.insert(cursor).second) {
            outcome.err +=
                "wshostctl: the server returned next_cursor '" + sanitize(cursor) + "' twice; stopping\n";
            outcome.exit_code = exit_unreachable;
            break;
        }
        request.target = with_cursor(plan.request.target, cursor);
    }
    if (!options.json)
        plan.print(pages, outcome.out);
    return outcome;
}

// A reload status ({"generation":N,"status":"..."}), as opposed to an error body.
bool is_reload_result(const std::string &body)
{
    return !string_field(body, "status").empty() && number_field(body, "generation") >= 0;
}

// The server answers POST /v1/reload once the attempt has finished: 200 with status "ok", or 422
// with the same body and status "failed". A "running" answer (an asynchronous server) is polled
// through GET /v1/reload. Anything else (401, 501...) is an ordinary refusal.
Outcome run_reload_wait(const Plan &plan, const RunOptions &options, const Transport &send)
{
    Outcome outcome;
    auto refused = [](const Response &x) { return !is_2xx(x) && !is_reload_result(x.body); };
    Response r;
    if (!exchange(send, plan.request, r, outcome))
        return outcome;
    if (refused(r)) {
        accept(r, options, outcome);
        return outcome;
    }
    double generation = number_field(r.body, "generation");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.reload_wait_ms);
    // Poll while our reload runs (or GET still reports an older generation).
    while (is_2xx(r) &&
           (string_field(r.body, "status") == "running" || number_field(r.body, "generation") < generation)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            outcome.err += "wshostctl: the reload is still running after " +
                           std::to_string(options.reload_wait_ms / 1000) +
                           " s; see `wshostctl reload-status`\n";
            outcome.exit_code = exit_unreachable;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(options.reload_poll_ms));
        Response polled;
        if (!exchange(send, Request{"GET", "/v1/reload", {}}, polled, outcome))
            return outcome;
        if (refused(polled)) {
            accept(polled, options, outcome);
            return outcome;
        }
        r = std::move(polled);
    }
    if (options.json)
        add_body(outcome.out, r.body);
    else
        plan.print(std::span<const Response>(&r, 1), outcome.out);
    if (outcome.exit_code == exit_ok && (!is_2xx(r) || string_field(r.body, "status") == "failed")) {
        outcome.err += "wshostctl: the reload failed (HTTP " + std::to_string(r.status) +
                       "); the running generation is unchanged\n";
        outcome.exit_code = exit_refused;
    }
    return outcome;
}

Outcome run_status(const Plan &plan, const RunOptions &options, const Transport &send)
{
    Outcome outcome;
    Response answers[2];
    if (!exchange(send, plan.request, answers[0], outcome) ||
        !exchange(send, Request{"GET", "/readyz", {}}, answers[1], outcome))
        return outcome;
    for (const Response &r : answers) {
        if (options.json)
            add_body(outcome.out, r.body);
        if (!is_2xx(r))
            outcome.exit_code = exit_refused;
    }
    if (!options.json)
        plan.print(std::span<const Response>(answers), outcome.out);
    return outcome;
}

} // namespace

std::string with_cursor(const std::string &target, const std::string &cursor)
{
    size_t q = target.find('?');
    std::string path = target.substr(0, q);
    std::string query = "cursor=" + percent_encode(cursor);
    if (q != std::string::npos) {
        std::string_view rest = std::string_view(target).substr(q + 1);
        while (!rest.empty()) {
            size_t amp = rest.find('&');
            std::string_view param = rest.substr(0, amp);
            if (!param.starts_with("cursor=") && !param.empty())
                query += "&" + std::string(param);
            rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        }
    }
    return path + "?" + query;
}

Outcome run_plan(const Plan &plan, const RunOptions &options, const Transport &send)
{
    switch (plan.flow) {
    case Flow::paginate:
        return run_paginate(plan, options, send);
    case Flow::reload_wait:
        return run_reload_wait(plan, options, send);
    case Flow::status:
        return run_status(plan, options, send);
    case Flow::single:
        break;
    }
    return run_single(plan, options, send);
}

} // namespace wshost::ctl
