// Control API: POST /v1/send-batch, several /v1/send messages in one request.
//
// Why: a fan-out published one request at a time reaches each recipient as
// one frame per loop pass, so every delivery costs its own send(). Messages
// of one batch are queued in the same pass, and the end-of-pass flush writes
// each recipient's share in one coalesced send(), as the plugin path does
// (docs/PERFORMANCE.md, finding 12). Like every push route it checks the
// whole body first: a batch with one invalid message pushes nothing.
#include "control/control_internal.h"

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
    // In array order: a connection receives the batch's messages in that order.
    Receipt total;
    std::vector<Receipt> receipts;
    receipts.reserve(messages.size());
    for (const Message &m : messages) {
        receipts.push_back(call.gateway.send(m.target, m.data, m.binary));
        total.matched += receipts.back().matched;
        total.enqueued += receipts.back().enqueued;
        total.dropped += receipts.back().dropped;
    }
    return success([&](JsonWriter &w) {
        auto write = [&](const Receipt &receipt) {
            w.begin_object().key("matched").number(receipt.matched).key("enqueued").number(receipt.enqueued);
            w.key("dropped").number(receipt.dropped).end_object();
        };
        w.key("delivery");
        write(total);
        w.key("deliveries").begin_array();
        for (const Receipt &receipt : receipts)
            write(receipt);
        w.end_array();
    });
}

} // namespace wshost::control
