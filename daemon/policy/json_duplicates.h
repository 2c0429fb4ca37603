// SPDX-License-Identifier: GPL-2.0-only
// Keys given twice in one JSON object. The JSON library keeps the last one
// silently, so `"priority": 90, "priority": 5` would mean 5 with no word;
// a policy must say what it means once. Pure.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace llm::policy {

struct DuplicateKey {
    std::string path;    // JSON pointer of the key ("/classes/0/priority")
    size_t first_line;   // 1-based
    size_t second_line;
};

// Every key that repeats within its object, in document order. Assumes
// `text` is well-formed JSON (the parser reports syntax first).
std::vector<DuplicateKey> find_duplicate_keys(const std::string& text);

// "~0" and "~1" escapes of a JSON pointer token (RFC 6901).
std::string json_pointer_token(const std::string& key);

}  // namespace llm::policy
