#include "output.h"

#include "json_body.h"

#include <cmath>
#include <cstdio>
#include <vector>

namespace wshost::ctl
{

namespace
{

JsonDoc parse_json(const std::string &text)
{
    return JsonDoc(cJSON_ParseWithLength(text.data(), text.size()));
}

std::string number_text(double v)
{
    char buf[64];
    if (std::nearbyint(v) == v && std::fabs(v) < 1e18)
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    else
        std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

bool is_scalar(const cJSON *v)
{
    return !cJSON_IsObject(v) && !cJSON_IsArray(v);
}

// cJSON_Print indents with tabs and writes ":\t" between key and value; strings never hold a
// raw tab (it is escaped), so every tab is layout: two spaces of indent, or one after ':'.
std::string pretty(const cJSON *doc)
{
    char *text = cJSON_Print(doc);
    std::string out;
    for (const char *p = text; p && *p; ++p) {
        if (*p != '\t')
            out += *p;
        else if (p != text && p[-1] == ':')
            out += ' ';
        else
            out += "  ";
    }
    cJSON_free(text);
    return sanitize(out);
}

void append_line(std::string &out, std::string_view line)
{
    out += line;
    if (out.empty() || out.back() != '\n')
        out += '\n';
}

// The "status":"success" member says nothing the exit code does not; it is left out of listings.
bool is_success_status(const cJSON *member)
{
    return member && member->string && std::string_view(member->string) == "status" &&
           cJSON_IsString(member) && std::string_view(member->valuestring) == "success";
}

// The generic rendering of one body: {"status":"success"} alone is "ok"; a success whose other
// members are all scalars ({"status":"success","room":"r","changed":1}) is "key: value" lines;
// anything else is pretty-printed JSON (without the success status).
void render_generic(const Response &r, std::string &out)
{
    if (r.body.empty()) {
        append_line(out, "ok");
        return;
    }
    JsonDoc doc = parse_json(r.body);
    if (!doc) {
        append_line(out, sanitize(r.body));
        return;
    }
    if (cJSON_IsObject(doc.get())) {
        if (cJSON *status = cJSON_GetObjectItemCaseSensitive(doc.get(), "status"); is_success_status(status))
            cJSON_Delete(cJSON_DetachItemViaPointer(doc.get(), status));
        if (!doc->child) {
            append_line(out, "ok");
            return;
        }
        bool flat = true;
        for (const cJSON *f = doc->child; f; f = f->next)
            flat = flat && is_scalar(f);
        if (flat) {
            for (const cJSON *f = doc->child; f; f = f->next)
                out += sanitize(f->string) + ": " + cell_text(f) + "\n";
            return;
        }
    }
    append_line(out, pretty(doc.get()));
}

const char *string_member(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : nullptr;
}

// Display width of UTF-8 text, counting code points (good enough for ids, tags and names).
size_t width(std::string_view s)
{
    size_t n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
            ++n;
    return n;
}

std::string upper(std::string_view s)
{
    std::string out(s);
    for (char &c : out)
        if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
    return out;
}

void render_rows(const std::vector<const cJSON *> &rows, std::string &out)
{
    if (rows.empty()) {
        out += "(none)\n";
        return;
    }
    bool all_objects = true;
    for (const cJSON *row : rows)
        all_objects = all_objects && cJSON_IsObject(row);
    if (!all_objects) {
        for (const cJSON *row : rows)
            append_line(out, cell_text(row));
        return;
    }
    std::vector<std::string> columns; // union of keys, in order of first appearance
    for (const cJSON *row : rows) {
        for (const cJSON *f = row->child; f; f = f->next) {
            bool known = false;
            for (const std::string &c : columns)
                known = known || c == f->string;
            if (!known)
                columns.emplace_back(f->string);
        }
    }
    std::vector<std::vector<std::string>> cells;
    std::vector<size_t> widths;
    widths.reserve(columns.size());
    for (const std::string &c : columns)
        widths.push_back(width(c));
    for (const cJSON *row : rows) {
        std::vector<std::string> line;
        for (size_t i = 0; i < columns.size(); ++i) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, columns[i].c_str());
            line.push_back(v ? cell_text(v) : "-");
            widths[i] = std::max(widths[i], width(line.back()));
        }
        cells.push_back(std::move(line));
    }
    auto emit = [&](const std::vector<std::string> &line) {
        std::string text;
        for (size_t i = 0; i < line.size(); ++i) {
            text += line[i];
            if (i + 1 < line.size())
                text += std::string(widths[i] - width(line[i]) + 2, ' ');
        }
        while (!text.empty() && text.back() == ' ')
            text.pop_back();
        append_line(out, text);
    };
    std::vector<std::string> header;
    header.reserve(columns.size());
    for (const std::string &c : columns)
        header.push_back(upper(c));
    emit(header);
    for (const auto &line : cells)
        emit(line);
}

} // namespace

std::string sanitize(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u == '\n' || u == '\t' || (u >= 0x20 && u != 0x7F))
            out += c;
        else if (u != '\r')
            out += '?';
    }
    return out;
}

std::string cell_text(const cJSON *v)
{
    if (cJSON_IsString(v))
        return sanitize(v->valuestring);
    if (cJSON_IsNumber(v))
        return number_text(v->valuedouble);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) ? "true" : "false";
    if (cJSON_IsNull(v))
        return "-";
    bool flat = true;
    for (const cJSON *c = v->child; c; c = c->next)
        flat = flat && is_scalar(c);
    if (!flat)
        return sanitize(json_text(v));
    std::string out;
    for (const cJSON *c = v->child; c; c = c->next) {
        if (!out.empty())
            out += ',';
        if (cJSON_IsObject(v))
            out += sanitize(c->string) + "=";
        out += cell_text(c);
    }
    return out.empty() ? "-" : out;
}

void print_delivery(std::span<const Response> responses, std::string &out)
{
    for (const Response &r : responses) {
        JsonDoc doc = parse_json(r.body);
        const cJSON *d = doc ? cJSON_GetObjectItemCaseSensitive(doc.get(), "delivery") : nullptr;
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(d, "matched");
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(d, "enqueued");
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(d, "dropped");
        if (cJSON_IsNumber(m) && cJSON_IsNumber(e) && cJSON_IsNumber(x)) {
            out += "delivered: matched " + number_text(m->valuedouble) + ", enqueued " +
                   number_text(e->valuedouble) + ", dropped " + number_text(x->valuedouble);
            // A cluster's receipt: the other nodes reached, the publishes that failed.
            if (const cJSON *n = cJSON_GetObjectItemCaseSensitive(d, "nodes"); cJSON_IsNumber(n))
                out += "; other nodes " + number_text(n->valuedouble);
            if (const cJSON *f = cJSON_GetObjectItemCaseSensitive(d, "publish_failed"); cJSON_IsNumber(f))
                out += ", publish failed " + number_text(f->valuedouble);
            out += "\n";
        } else {
            render_generic(r, out);
        }
    }
}

void print_generic(std::span<const Response> responses, std::string &out)
{
    for (const Response &r : responses)
        render_generic(r, out);
}

void print_table(std::span<const Response> responses, std::string &out)
{
    std::vector<JsonDoc> docs;
    const cJSON *rows_key_owner = nullptr;
    std::string rows_key; // the member that holds the rows ("" when the body is an array)
    for (const Response &r : responses) {
        JsonDoc doc = parse_json(r.body);
        if (!doc || is_scalar(doc.get())) {
            print_generic(responses, out);
            return;
        }
        docs.push_back(std::move(doc));
    }
    // The rows member: the first array of the first page.
    if (!docs.empty() && cJSON_IsObject(docs.front().get())) {
        for (const cJSON *f = docs.front()->child; f; f = f->next) {
            if (cJSON_IsArray(f)) {
                rows_key = f->string;
                rows_key_owner = f;
                break;
            }
        }
        if (!rows_key_owner) {
            print_generic(responses, out);
            return;
        }
    }
    std::vector<const cJSON *> rows;
    for (const JsonDoc &doc : docs) {
        const cJSON *array =
            rows_key.empty() ? doc.get() : cJSON_GetObjectItemCaseSensitive(doc.get(), rows_key.c_str());
        for (const cJSON *item = cJSON_IsArray(array) ? array->child : nullptr; item; item = item->next)
            rows.push_back(item);
    }
    // Other members of the last page (counts, the room's name...), but not the cursor.
    const cJSON *last = docs.back().get();
    std::string next_cursor;
    if (cJSON_IsObject(last)) {
        for (const cJSON *f = last->child; f; f = f->next) {
            if (rows_key == f->string || cJSON_IsNull(f) || is_success_status(f))
                continue;
            if (std::string_view(f->string) == "next_cursor") {
                if (cJSON_IsString(f))
                    next_cursor = f->valuestring;
                continue;
            }
            out += sanitize(f->string) + ": " + cell_text(f) + "\n";
        }
    }
    render_rows(rows, out);
    if (!next_cursor.empty())
        out += "more: --cursor " + sanitize(next_cursor) + " (or --all)\n";
}

void print_reload(std::span<const Response> responses, std::string &out)
{
    for (const Response &r : responses) {
        JsonDoc doc = parse_json(r.body);
        const char *status = doc ? string_member(doc.get(), "status") : nullptr;
        if (!status || !cJSON_IsObject(doc.get())) {
            render_generic(r, out);
            continue;
        }
        const cJSON *gen = cJSON_GetObjectItemCaseSensitive(doc.get(), "generation");
        out += "reload";
        if (cJSON_IsNumber(gen))
            out += " generation " + number_text(gen->valuedouble);
        out += ": " + sanitize(status) + "\n";
        for (const cJSON *f = doc->child; f; f = f->next) {
            std::string_view key = f->string;
            bool empty = cJSON_IsNull(f) || (cJSON_IsString(f) && !*f->valuestring) ||
                         ((cJSON_IsArray(f) || cJSON_IsObject(f)) && !f->child);
            if (key == "status" || key == "generation" || key == "errors" || empty)
                continue;
            out += "  " + sanitize(key) + ": " + cell_text(f) + "\n";
        }
        const cJSON *errors = cJSON_GetObjectItemCaseSensitive(doc.get(), "errors");
        if (cJSON_GetArraySize(errors) > 0)
            out += "  errors:\n";
        for (const cJSON *e = cJSON_IsArray(errors) ? errors->child : nullptr; e; e = e->next) {
            if (!cJSON_IsObject(e)) {
                out += "    " + cell_text(e) + "\n";
                continue;
            }
            std::string where;
            if (const char *file = string_member(e, "file"); file && *file) {
                where = sanitize(file);
                for (const char *pos : {"line", "col"}) {
                    const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, pos);
                    if (cJSON_IsNumber(n) && n->valuedouble > 0)
                        where += ":" + number_text(n->valuedouble);
                }
                where += ": ";
            }
            const char *message = string_member(e, "message");
            out += "    " + where + (message ? sanitize(message) : cell_text(e)) + "\n";
        }
    }
}

void print_status(std::span<const Response> responses, std::string &out)
{
    static constexpr const char *labels[][3] = {
        {"health:", "ok", "failing"},
        {"ready: ", "yes", "no"},
    };
    for (size_t i = 0; i < responses.size() && i < 2; ++i) {
        const Response &r = responses[i];
        bool ok = r.status >= 200 && r.status < 300;
        std::string line = std::string(labels[i][0]) + " " + labels[i][ok ? 1 : 2] + " (HTTP " +
                           std::to_string(r.status) + ")";
        // A short reason from the body, when there is one beyond the status code.
        std::string detail;
        if (JsonDoc doc = parse_json(r.body)) {
            const cJSON *error = cJSON_GetObjectItemCaseSensitive(doc.get(), "error");
            if (const char *m = string_member(error, "message"))
                detail = m;
            else if (const char *reason = string_member(doc.get(), "reason"))
                detail = reason;
            else if (const char *message = string_member(doc.get(), "message"))
                detail = message;
            else if (const char *cluster = string_member(doc.get(), "cluster"))
                detail = std::string_view(cluster) == "none" ? "" : std::string("cluster ") + cluster;
        } else if (!r.body.empty() && r.body.size() <= 200) {
            detail = r.body;
            while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r'))
                detail.pop_back();
        }
        if (!detail.empty() && detail != labels[i][1] && detail != "ok")
            line += ": " + sanitize(detail);
        append_line(out, line);
    }
}

void print_raw(std::span<const Response> responses, std::string &out)
{
    for (const Response &r : responses)
        out += r.body;
}

std::string format_error(const Response &r, bool token_sent)
{
    std::string line = "HTTP " + std::to_string(r.status);
    if (!r.reason.empty())
        line += " " + sanitize(r.reason);
    std::string message, code;
    if (JsonDoc doc = parse_json(r.body)) {
        const cJSON *error = cJSON_GetObjectItemCaseSensitive(doc.get(), "error");
        if (const char *m = string_member(error, "message"))
            message = m;
        else if (const char *m2 = string_member(doc.get(), "message"))
            message = m2;
        if (const char *c = string_member(error, "code"))
            code = c;
    } else {
        std::string_view body = r.body;
        body = body.substr(0, body.find('\n'));
        message = body.substr(0, 200);
    }
    if (!message.empty())
        line += ": " + sanitize(message);
    if (!code.empty())
        line += " (" + sanitize(code) + ")";
    line += "\n";
    if (r.status == 401) {
        const std::string *challenge = r.header("www-authenticate");
        bool bearer = challenge && challenge->size() >= 6 && upper(challenge->substr(0, 6)) == "BEARER";
        if (!token_sent)
            line += std::string("hint: the server wants a ") + (bearer ? "bearer " : "") +
                    "token: pass --token, --token-file or set WSHOST_CONTROL_TOKEN\n";
        else
            line += "hint: the server refused the token\n";
    } else if (r.status == 403) {
        line += "hint: the token lacks the scope this endpoint needs (push, admin or metrics)\n";
    }
    return line;
}

} // namespace wshost::ctl
