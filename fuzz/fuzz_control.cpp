// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: the bytes an unprivileged peer can send, to the control
// socket (one JSON line) and to the metrics endpoint (an HTTP head). A
// request that parses must survive a round trip through request_line, and
// only root may run a mutating one.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/http_route.h"
#include "protocol/request.h"

using namespace llm::control;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto req = parse_request(bytes);
    if (!req && req.error().empty()) {
        fprintf(stderr, "refused without a reason\n");
        abort();
    }
    if (req) {
        auto line = request_line(*req);
        auto back = parse_request(std::string_view(line).substr(0, line.size() - 1));
        if (!back || back->command != req->command || back->format != req->format) {
            fprintf(stderr, "request_line does not round-trip\n");
            abort();
        }
        const Peer stranger{1, 1000, 1000, {1000}};
        if (is_mutating(req->command) && !authorize(*req, stranger, 1000)) {
            fprintf(stderr, "a non-root peer may run a mutating command\n");
            abort();
        }
    }
    (void)http_response(route_http(bytes), "m 1\n");
    return 0;
}
