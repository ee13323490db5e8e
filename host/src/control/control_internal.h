// Internals shared by the control API's files: the call passed to each route
// handler, response builders and the body field readers.
#pragma once

#include "control/control_api.h"
#include "control/control_json.h"
#include "gateway/gateway.h"
#include "json/name_rule.h"
#include "base/json_writer.h"

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace wshost::control
{

struct Call {
    const ControlRequest &request;
    const std::vector<std::string> &params; // path parameters, percent-decoded, in pattern order
    const JsonValue &body;                  // the body object (routes with a body), else null
    Gateway &gateway;
    const ControlHooks &hooks;
    bool local = false; // cluster: a part asked for by another node, answered for this node only
};

using Handler = ControlResponse (*)(const Call &);

// {"status":"success", ...}: `members(w)` writes the members after "status".
template <typename Members> ControlResponse success(Members &&members)
{
    ControlResponse r;
    JsonWriter w(r.body);
    w.begin_object().key("status").string("success");
    members(w);
    w.end_object();
    return r;
}
ControlResponse success();                             // {"status":"success"}
ControlResponse bad_request(std::string_view message); // 400
ControlResponse not_found(std::string_view message);   // 404
// Cluster: the other nodes a push's publishes reached, and how many failed.
struct ClusterReach {
    std::uint64_t nodes = 0;
    std::uint64_t failed = 0;
};
// {"status":"success","delivery":{matched,enqueued,dropped[,nodes[,publish_failed]]}}:
// "nodes" with a cluster, "publish_failed" when some publish failed.
ControlResponse push_receipt(const Receipt &receipt, const std::optional<ClusterReach> &reach = {});
// One receipt object ({matched,enqueued,dropped[,nodes[,publish_failed]]}); `reach` may be null.
void write_receipt(JsonWriter &w, const Receipt &receipt, const ClusterReach *reach);
// A connection's public view: id, user (null when anonymous), peer, tags,
// rooms, queue figures.
// `node` (cluster): the node holding it, written as "node".
void write_snapshot(JsonWriter &w, const ConnectionSnapshot &snap, std::string_view node = {});
// Cluster: when connection `id` is another node's, the answer of that node
// to this very request; nullopt: it is this node's (or there is no cluster).
std::optional<ControlResponse> forwarded(const Call &call, wsh_conn_id id);

// Cluster-wide answers (control_gather.cpp): `local` is this node's part;
// with a cluster (and unless the call is itself a part) the nodes `scope`
// names answer theirs, and `merge` makes one answer of every part's body
// (this node's first). An error part (or no parts: Redis away, a node silent)
// is the answer. `local` may be deferred (a change waiting for its
// subscriptions); the others are asked once it has answered.
using Merge = std::function<ControlResponse(const std::vector<JsonValue> &parts)>;
ControlResponse gathered(const Call &call, ControlResponse local, GatherScope scope, Merge merge);
// Pieces of merges: a number member summed over the parts; the items of an
// array member of every part in ascending order of their id member; those
// items written (at most `limit`); any parsed value written back.
bool read_count(const JsonValue *v, std::uint64_t &out); // a non-negative integer that fits; else false
std::uint64_t sum_of(const std::vector<JsonValue> &parts, std::string_view key);
std::vector<const JsonValue *> items_by_id(const std::vector<JsonValue> &parts, std::string_view array,
                                           std::string_view id_key);
void write_items(JsonWriter &w, const std::vector<const JsonValue *> &items, std::size_t limit = SIZE_MAX);
void write_value(JsonWriter &w, const JsonValue &v);

// Reads body fields, keeping the first error. Field names in messages are
// paths as the client wrote them: "userIds[2]", "to.tags.language".
class Reader
{
  public:
    bool ok() const { return error_.empty(); }
    const std::string &error() const { return error_; }
    bool fail(std::string message);

    // Fails on a key of `object` that is not in `allowed`; `where` prefixes
    // names ("" at top level, "to." inside "to").
    bool only_keys(const JsonValue &object, std::string_view where,
                   std::initializer_list<std::string_view> allowed);
    // The member or null; a missing required one fails.
    const JsonValue *get(const JsonValue &object, std::string_view key, std::string_view field,
                         bool required);

    // A user id: a name (string) or an integer, read as its decimal text.
    bool user(const JsonValue &v, const std::string &field, std::string &out);
    bool users(const JsonValue &v, const std::string &field, std::vector<std::string> &out);
    // A connection id: a decimal string or an integer, 1..2^64-1.
    bool connection(const JsonValue &v, const std::string &field, wsh_conn_id &out);
    bool connections(const JsonValue &v, const std::string &field, std::vector<wsh_conn_id> &out);
    // A room name, tag key or tag value (string, see valid_name).
    bool name(const JsonValue &v, const std::string &field, std::string &out);
    // A non-empty object of string values (a tag predicate or tags to set).
    bool tags(const JsonValue &v, const std::string &field, Tags &out);
    // Any JSON string (text payload: UTF-8 by construction).
    bool text(const JsonValue &v, const std::string &field, std::string &out);
    // A base64 string (binary payload), decoded.
    bool base64(const JsonValue &v, const std::string &field, std::string &out);

  private:
    std::string error_;
};

// "field" quoted for a message.
std::string quote(std::string_view field);

// Route handlers (control_push.cpp).
ControlResponse send_text(const Call &call);
ControlResponse send_binary(const Call &call);
ControlResponse multicast_text(const Call &call);
ControlResponse multicast_binary(const Call &call);
ControlResponse broadcast_text(const Call &call);
ControlResponse broadcast_binary(const Call &call);
ControlResponse publish(const Call &call);
ControlResponse generic_send(const Call &call);
// The body of a /v1/send read into `t`, `data` and `binary`; false (error in
// `r`) when any field is invalid. Also each message of /v1/send-batch.
bool read_send(Reader &r, const JsonValue &body, Target &t, std::string &data, bool &binary);

// Route handler (control_batch.cpp). At most this many messages per batch.
constexpr std::size_t kMaxBatchMessages = 1000;
ControlResponse send_batch(const Call &call);

// Route handlers (control_admin.cpp).
ControlResponse healthz(const Call &call);
ControlResponse readyz(const Call &call);
ControlResponse metrics_scrape(const Call &call);
ControlResponse room_join(const Call &call);
ControlResponse room_leave(const Call &call);
ControlResponse rooms_list(const Call &call);
ControlResponse room_get(const Call &call);
ControlResponse connection_tags(const Call &call);
ControlResponse connection_get(const Call &call);
ControlResponse connections_list(const Call &call);
ControlResponse disconnect(const Call &call);
ControlResponse user_get(const Call &call);
ControlResponse plugins_list(const Call &call);
ControlResponse reload_start(const Call &call);
ControlResponse reload_status(const Call &call);
ControlResponse nodes_list(const Call &call);

} // namespace wshost::control
