// Control API: POST /v1/send-batch, several /v1/send messages in one request.
//
// Why: a fan-out published one request at a time reaches each recipient as
// one frame per loop pass, so every delivery costs its own send(). Messages
// of one batch are queued in the same pass, and the end-of-pass flush writes
// each recipient's share in one coalesced send(), as the plugin path does
// (docs/PERFORMANCE.md, finding 12). Like every push route it checks the
// whole body first: a batch with one invalid message pushes nothing.
#include "control/control_internal.h"

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace wshost::control
{
namespace
{

struct Message {
    Target target;
    std::string data;
    bool binary = false;
};

// {"status":"success","delivery":{the sums},"deliveries":[one receipt each]};
// with a cluster every receipt has "nodes" (and "publish_failed" when some
// publish failed), as a /v1/send receipt does.
ControlResponse batch_receipt(const std::vector<Receipt> &receipts, const std::vector<ClusterReach> &reaches)
{
    return success([&](JsonWriter &w) {
        auto write = [&](const Receipt &receipt, const ClusterReach *reach) {
            write_receipt(w, receipt, reach);
        };
        Receipt total;
        ClusterReach reach_total;
        for (std::size_t i = 0; i < receipts.size(); ++i) {
            total.matched += receipts[i].matched;
            total.enqueued += receipts[i].enqueued;
            total.dropped += receipts[i].dropped;
            if (!reaches.empty()) {
                reach_total.nodes += reaches[i].nodes;
                reach_total.failed += reaches[i].failed;
            }
        }
        w.key("delivery");
        write(total, reaches.empty() ? nullptr : &reach_total);
        w.key("deliveries").begin_array();
        for (std::size_t i = 0; i < receipts.size(); ++i)
            write(receipts[i], reaches.empty() ? nullptr : &reaches[i]);
        w.end_array();
    });
}

} // namespace

// POST /v1/send-batch {"messages":[<a /v1/send body>, ...]}
ControlResponse send_batch(const Call &call)
{
    Reader r;
    r.only_keys(call.body, "", {"messages"});
    const JsonValue *list = r.get(call.body, "messages", "messages", true);
    if (!r.ok())
        return bad_request(r.error());
    if (!list->is(JsonValue::Type::array) || list->items.empty() || list->items.size() > kMaxBatchMessages)
        return bad_request("\"messages\" must be an array of 1 to " + std::to_string(kMaxBatchMessages) +
                           " /v1/send bodies");
    std::vector<Message> messages(list->items.size());
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const JsonValue &item = list->items[i];
        Reader one;
        if (!item.is(JsonValue::Type::object))
            one.fail("must be an object, the body of a /v1/send");
        else
            read_send(one, item, messages[i].target, messages[i].data, messages[i].binary);
        if (!one.ok())
            return bad_request("messages[" + std::to_string(i) + "]: " + one.error());
    }
    // In array order: a connection receives the batch's messages in that
    // order. As /v1/send (deliver() in control_push.cpp): this node's delivery
    // at once; with a cluster the answer waits for every publish's reply.
    std::vector<Receipt> receipts;
    receipts.reserve(messages.size());
    for (const Message &m : messages)
        receipts.push_back(call.gateway.send_local(m.target, m.data, m.binary));
    if (!call.hooks.cluster_send)
        return batch_receipt(receipts, {});
    ControlResponse answer;
    answer.defer = [send = call.hooks.cluster_send, messages = std::move(messages),
                    receipts](std::function<void(ControlResponse)> reply) {
        struct Pending {
            std::vector<Receipt> receipts;
            std::vector<ClusterReach> reaches;
            std::atomic<std::size_t> left;
            std::function<void(ControlResponse)> reply;
        };
        auto pending = std::make_shared<Pending>();
        pending->receipts = receipts;
        pending->reaches.resize(messages.size());
        pending->left = messages.size();
        pending->reply = std::move(reply);
        for (std::size_t i = 0; i < messages.size(); ++i)
            send(messages[i].target, messages[i].data, messages[i].binary,
                 [pending, i](std::uint64_t nodes, std::uint64_t failed) {
                     pending->reaches[i] = {nodes, failed};
                     if (pending->left.fetch_sub(1, std::memory_order_acq_rel) == 1)
                         pending->reply(batch_receipt(pending->receipts, pending->reaches));
                 });
    };
    return answer;
}

} // namespace wshost::control
