// Reading fields out of webhook JSON without trusting its shape.
//
// Lookups by path return null or a default when a member is missing or has
// another type; Require* functions throw PayloadError naming the path, which
// an adapter turns into a "bad payload" answer. Header-only, for plugins:
// standard C++17 and nlohmann/json only.
#ifndef ALERTGATE_ADAPTERS_COMMON_JSON_FIELDS_H_
#define ALERTGATE_ADAPTERS_COMMON_JSON_FIELDS_H_

#include <time.h>

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>

#include "nlohmann/json.hpp"

namespace alertgate::adapters {

using Json = nlohmann::json;

// The payload lacks a required field or has it with the wrong type.
class PayloadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "a.b.c" for messages.
inline std::string PathName(std::initializer_list<const char*> path) {
  std::string name;
  for (const char* part : path) {
    if (!name.empty()) name += '.';
    name += part;
  }
  return name;
}

// The member at `path`, or null if any step is missing or not an object.
inline const Json* Find(const Json& root,
                        std::initializer_list<const char*> path) {
  const Json* at = &root;
  for (const char* part : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(part);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

// The string at `path`; numbers are written out; otherwise `fallback`.
inline std::string String(const Json& root,
                          std::initializer_list<const char*> path,
                          const std::string& fallback = "") {
  const Json* at = Find(root, path);
  if (at == nullptr) return fallback;
  if (at->is_string()) return at->get<std::string>();
  if (at->is_number_integer()) return std::to_string(at->get<int64_t>());
  return fallback;
}

inline const Json& RequireObject(const Json& root,
                                 std::initializer_list<const char*> path) {
  const Json* at = Find(root, path);
  if (at == nullptr || !at->is_object()) {
    throw PayloadError(PathName(path) + ": missing or not an object");
  }
  return *at;
}

inline const Json& RequireArray(const Json& root,
                                std::initializer_list<const char*> path) {
  const Json* at = Find(root, path);
  if (at == nullptr || !at->is_array()) {
    throw PayloadError(PathName(path) + ": missing or not an array");
  }
  return *at;
}

inline std::string RequireString(const Json& root,
                                 std::initializer_list<const char*> path) {
  const Json* at = Find(root, path);
  if (at == nullptr || !at->is_string() || at->get_ref<const std::string&>().empty()) {
    throw PayloadError(PathName(path) + ": missing, empty or not a string");
  }
  return at->get<std::string>();
}

// An id that payloads write as a number (or, in some captures, a string).
inline std::string RequireId(const Json& root,
                             std::initializer_list<const char*> path) {
  const Json* at = Find(root, path);
  if (at != nullptr && at->is_number_integer()) {
    return std::to_string(at->get<int64_t>());
  }
  if (at != nullptr && at->is_string() && !at->get_ref<const std::string&>().empty()) {
    return at->get<std::string>();
  }
  throw PayloadError(PathName(path) + ": missing or not a number");
}

// Parses ISO-8601 date-times as webhooks write them:
// "2024-01-02T03:04:05Z", "...05.123456+00:00", "...05+0000", "...05-0400".
// Returns microseconds since the Unix epoch, or nullopt.
inline std::optional<int64_t> ParseIso8601Micros(const std::string& text) {
  int year, month, day, hour, minute, second, consumed = 0;
  if (sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day,
             &hour, &minute, &second, &consumed) != 6) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  size_t i = static_cast<size_t>(consumed);
  int64_t micros = 0;
  if (i < text.size() && text[i] == '.') {
    int64_t scale = 100000;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      micros += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  int64_t offset_seconds = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    int sign = text[i] == '-' ? -1 : 1;
    std::string digits;
    for (++i; i < text.size(); ++i) {
      if (text[i] >= '0' && text[i] <= '9') digits += text[i];
    }
    if (digits.size() != 4) return std::nullopt;
    offset_seconds =
        sign * (std::stoi(digits.substr(0, 2)) * 3600 + std::stoi(digits.substr(2)) * 60);
  } else if (i < text.size() && text[i] != 'Z') {
    return std::nullopt;
  }
  struct tm tm = {};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const int64_t seconds = static_cast<int64_t>(timegm(&tm)) - offset_seconds;
  return seconds * 1000000 + micros;
}

// A time written either as epoch milliseconds or as an ISO-8601 string;
// 0 when absent or unreadable (the host then uses the arrival time).
inline int64_t TimeMicros(const Json& root,
                          std::initializer_list<const char*> path) {
  const Json* at = Find(root, path);
  if (at == nullptr) return 0;
  if (at->is_number_integer()) return at->get<int64_t>() * 1000;
  if (at->is_string()) {
    return ParseIso8601Micros(at->get<std::string>()).value_or(0);
  }
  return 0;
}

}  // namespace alertgate::adapters

#endif  // ALERTGATE_ADAPTERS_COMMON_JSON_FIELDS_H_
