// SPDX-License-Identifier: GPL-2.0-only
#include "protocol/http_route.h"

namespace llm::control {

HttpRoute route_http(std::string_view head)
{
    auto eol = head.find("\r\n");
    auto line = head.substr(0, eol);
    auto sp1 = line.find(' ');
    auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.substr(sp2 + 1).rfind("HTTP/1.", 0) != 0)
        return HttpRoute::BadRequest;
    auto method = line.substr(0, sp1);
    auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (method != "GET")
        return HttpRoute::BadMethod;
    auto path = target.substr(0, target.find('?'));
    return path == "/metrics" ? HttpRoute::Metrics : HttpRoute::NotFound;
}

std::string http_response(HttpRoute route, const std::string& metrics_body)
{
    std::string status, type = "text/plain; charset=utf-8", body, extra;
    switch (route) {
    case HttpRoute::Metrics:
        status = "200 OK";
        type = "text/plain; version=0.0.4; charset=utf-8";
        body = metrics_body;
        break;
    case HttpRoute::NotFound:
        status = "404 Not Found";
        body = "llm-schedd serves only /metrics\n";
        break;
    case HttpRoute::BadMethod:
        status = "405 Method Not Allowed";
        extra = "Allow: GET\r\n";
        body = "use GET /metrics\n";
        break;
    case HttpRoute::BadRequest:
        status = "400 Bad Request";
        body = "malformed request\n";
        break;
    }
    return "HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + extra + "Connection: close\r\n\r\n" + body;
}

}  // namespace llm::control
