// sum — a C++ wshost plugin written with the header-only wrapper plugin.hpp.
//
// Action `sum`: {"numbers":[1,2,3.5]} -> {"result":6.5}; {"numbers":[1,2,3]} -> {"result":6}.
// No configuration keys.
//
// Shows: a plugin class whose constructor registers a lambda handler, errors
// returned as values (reply_error), and a config check that throws — which
// the wrapper turns into a refused init with the reason in the log.
#include <wshost/plugin.hpp>

#include <cjson/cJSON.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace
{

struct JsonDeleter {
    void operator()(cJSON *j) const noexcept { cJSON_Delete(j); }
};
using Json = std::unique_ptr<cJSON, JsonDeleter>;

// Strict parse of non-terminated text (cJSON needs the terminator for that).
Json parse(std::string_view text)
{
    const std::string buf(text);
    return Json(cJSON_ParseWithLengthOpts(buf.c_str(), buf.size() + 1, nullptr, 1));
}

// cJSON holds every number as a double (LWS-NOTES T23): a value counts as an
// integer when it is integral and exactly representable (|v| <= 2^53).
constexpr double kMaxExactInt = 9007199254740992.0;

bool is_exact_integer(double v)
{
    return std::isfinite(v) && std::trunc(v) == v && std::fabs(v) <= kMaxExactInt;
}

wshost::Reply invalid(std::string_view message)
{
    return wshost::reply_error("invalid_payload", message);
}

wshost::Reply sum(const wshost::Request &req)
{
    const Json payload = parse(req.payload);
    const cJSON *numbers = cJSON_GetObjectItemCaseSensitive(payload.get(), "numbers");
    if (!numbers)
        return invalid("missing 'numbers' (an array of numbers)");
    if (!cJSON_IsArray(numbers))
        return invalid("'numbers' must be an array of numbers");

    double total = 0.0;
    std::int64_t int_total = 0;
    bool all_integers = true; // and int_total has not overflowed
    int index = 0;
    for (const cJSON *n = numbers->child; n; n = n->next, ++index) {
        if (!cJSON_IsNumber(n) || !std::isfinite(n->valuedouble))
            return invalid("'numbers[" + std::to_string(index) + "]' is not a number");
        total += n->valuedouble;
        if (all_integers && is_exact_integer(n->valuedouble))
            all_integers =
                !__builtin_add_overflow(int_total, static_cast<std::int64_t>(n->valuedouble), &int_total);
        else
            all_integers = false;
    }
    if (!std::isfinite(total))
        return invalid("the sum overflows a double");

    // Integers print exactly; doubles in their shortest round-trip form.
    char buf[64];
    const auto res = all_integers ? std::to_chars(buf, buf + sizeof buf, int_total)
                                  : std::to_chars(buf, buf + sizeof buf, total);
    return wshost::reply_success("{\"result\":" + std::string(buf, res.ptr) + "}");
}

class SumPlugin
{
  public:
    explicit SumPlugin(wshost::InitContext &ctx)
    {
        const Json config = parse(ctx.config_json());
        if (!cJSON_IsObject(config.get()))
            throw std::runtime_error("config is not a JSON object");
        if (config->child) // sum has no settings: any key is a typo
            throw std::runtime_error(std::string("unknown config key '") + config->child->string +
                                     "' (sum has no config keys)");
        ctx.on("sum", &sum);
    }
};

} // namespace

WSHOST_PLUGIN(SumPlugin, "sum", "1.0.0")
