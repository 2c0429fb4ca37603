// SPDX-License-Identifier: GPL-2.0-only
// The daemon's one error style: a function that can fail returns a
// [[nodiscard]] Result<T> (a value, or an error message that says where,
// what, and how to fix it) or a Status (nothing, or such a message).
// C++20 has no std::expected; this is the small part of it we use.
//
// Not errors, and so not Results: a check whose answer is a finding (a
// trust problem, an access denial, a mount mismatch) returns
// std::optional<std::string> with the finding, [[nodiscard]] as well; the
// low-level readers in util/ return an optional value and an errno; and a
// step that does many things (apply a knob plan, mount a list) returns a
// report of each, whose `fatal` says why it stopped.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace llm::util {

struct Error {
    std::string message;
};

inline Error error(std::string message) { return Error{std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor): as std::expected
    Result(Error e) : v_(std::move(e)) {}       // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const { return std::holds_alternative<T>(v_); }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] T& value() & { return std::get<T>(v_); }
    [[nodiscard]] const T& value() const& { return std::get<T>(v_); }
    [[nodiscard]] T&& value() && { return std::get<T>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    [[nodiscard]] const std::string& error() const { return std::get<Error>(v_).message; }

private:
    std::variant<T, Error> v_;
};

class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error e) : err_(std::move(e.message)) {}  // NOLINT(google-explicit-constructor)
    static Status success() { return {}; }

    [[nodiscard]] bool ok() const { return !err_; }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const std::string& error() const { return *err_; }

private:
    std::optional<std::string> err_;
};

}  // namespace llm::util
