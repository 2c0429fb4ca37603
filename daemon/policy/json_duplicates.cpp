// SPDX-License-Identifier: GPL-2.0-only
#include "policy/json_duplicates.h"

#include <map>
#include <nlohmann/json.hpp>

namespace llm::policy {
namespace {

using json = nlohmann::json;

// The library's SAX events carry no positions: record each key's ordinal
// (the n-th key of the document), and find its line by scanning for key
// tokens (a string followed by ':') afterwards.
class KeyCollector : public json::json_sax_t {
public:
    struct Frame {
        bool object = false;
        size_t index = 0;                 // arrays: the next element's index
        std::map<std::string, size_t> seen;  // objects: key -> its ordinal
        std::string key;                  // objects: the current key
    };
    struct Dup {
        std::string path;
        size_t first, second;  // ordinals
    };
    std::vector<Frame> stack;
    std::vector<Dup> dups;
    size_t ordinal = 0;

    std::string path() const
    {
        std::string p;
        for (const auto& f : stack)
            p += "/" + (f.object ? json_pointer_token(f.key) : std::to_string(f.index));
        return p;
    }
    void value_done()
    {
        if (!stack.empty() && !stack.back().object)
            ++stack.back().index;
    }
    bool null() override { value_done(); return true; }
    bool boolean(bool) override { value_done(); return true; }
    bool number_integer(number_integer_t) override { value_done(); return true; }
    bool number_unsigned(number_unsigned_t) override { value_done(); return true; }
    bool number_float(number_float_t, const string_t&) override { value_done(); return true; }
    bool string(string_t&) override { value_done(); return true; }
    bool binary(binary_t&) override { value_done(); return true; }
    bool start_object(std::size_t) override
    {
        stack.push_back({true, 0, {}, {}});
        return true;
    }
    bool key(string_t& k) override
    {
        auto& f = stack.back();
        f.key = k;
        auto [it, fresh] = f.seen.emplace(k, ordinal);
        if (!fresh)
            dups.push_back({path(), it->second, ordinal});
        ++ordinal;
        return true;
    }
    bool end_object() override
    {
        stack.pop_back();
        value_done();
        return true;
    }
    bool start_array(std::size_t) override
    {
        stack.push_back({false, 0, {}, {}});
        return true;
    }
    bool end_array() override
    {
        stack.pop_back();
        value_done();
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
};

// Line of every key token, in order.
std::vector<size_t> key_lines(const std::string& text)
{
    std::vector<size_t> lines;
    size_t line = 1;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\n') {
            ++line;
        } else if (c == '"') {
            size_t start_line = line;
            for (++i; i < text.size() && text[i] != '"'; ++i) {
                if (text[i] == '\\')
                    ++i;
                else if (text[i] == '\n')
                    ++line;
            }
            size_t j = i + 1;
            while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r' || text[j] == '\n'))
                ++j;
            if (j < text.size() && text[j] == ':')
                lines.push_back(start_line);
        }
    }
    return lines;
}

}  // namespace

std::string json_pointer_token(const std::string& key)
{
    std::string out;
    for (char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

std::vector<DuplicateKey> find_duplicate_keys(const std::string& text)
{
    KeyCollector sax;
    if (!json::sax_parse(text, &sax) || sax.dups.empty())
        return {};
    auto lines = key_lines(text);
    auto line_of = [&](size_t ordinal) { return ordinal < lines.size() ? lines[ordinal] : 0; };
    std::vector<DuplicateKey> out;
    for (const auto& d : sax.dups)
        out.push_back({d.path, line_of(d.first), line_of(d.second)});
    return out;
}

}  // namespace llm::policy
