// The adapter SDK's JSON helpers: reading fields out of webhook bodies
// without trusting their shape.
//
//   #include "alertgate/json_fields.h"
//   namespace json = alertgate::sdk::json;
//
//   std::string error;
//   std::optional<json::Value> body = json::Parse(delivery.body(), &error);
//   if (!body) return sdk::Conversion::BadPayload(event, error);
//   std::string name = json::RequireString(*body, {"check"});  // or throws
//   bool up = json::Bool(*body, {"up"}, /*fallback=*/false);
//
// Bodies are parsed with simdjson (Debian's libsimdjson-dev; a 10 KB
// delivery parses in microseconds, not the ~50 µs a DOM of maps and strings
// costs). Lookups by path return nullopt or a fallback when a member is
// missing or has another type; Require* functions throw sdk::PayloadError
// naming the path ("repository.full_name: missing, empty or not a string"),
// which the SDK turns into a "bad payload" answer (HTTP 400 with that text)
// if the plugin does not catch it. Header-only: standard C++17 and simdjson.
//
// Thread safety: Parse() uses a parser per thread; the returned value is
// valid until the same thread parses again.
#ifndef ALERTGATE_JSON_FIELDS_H_
#define ALERTGATE_JSON_FIELDS_H_

#include <simdjson.h>
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alertgate/adapter_sdk.h"

namespace alertgate::sdk::json {

// One JSON value of a parsed body (object, array, string, number, ...).
using Value = simdjson::dom::element;
using Json = Value;

// Parses `body`; nullopt (and `error` set) when it is not valid JSON.
inline std::optional<Json> Parse(std::string_view body, std::string* error) {
  if (body.empty()) {
    *error = "empty body";
    return std::nullopt;
  }
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto code = parser.parse(body.data(), body.size()).get(root); code) {
    *error = simdjson::error_message(code);
    return std::nullopt;
  }
  return root;
}

// "a.b.c" for messages.
inline std::string PathName(std::initializer_list<const char*> path) {
  std::string name;
  for (const char* part : path) {
    if (!name.empty()) name += '.';
    name += part;
  }
  return name;
}

// The member at `path`, or nullopt if any step is missing or not an object.
inline std::optional<Json> Find(const Json& root,
                                std::initializer_list<const char*> path) {
  Json at = root;
  for (const char* part : path) {
    simdjson::dom::object object;
    if (at.get(object) != simdjson::SUCCESS) return std::nullopt;
    if (object.at_key(part).get(at) != simdjson::SUCCESS) return std::nullopt;
  }
  return at;
}

// The string at `path`; integers are written out; otherwise `fallback`.
inline std::string String(const Json& root,
                          std::initializer_list<const char*> path,
                          const std::string& fallback = "") {
  std::optional<Json> at = Find(root, path);
  if (!at) return fallback;
  std::string_view text;
  if (at->get(text) == simdjson::SUCCESS) return std::string(text);
  int64_t number;
  if (at->get(number) == simdjson::SUCCESS) return std::to_string(number);
  return fallback;
}

// A boolean at `path`, `fallback` when absent or null; PayloadError when it
// has another type.
inline bool Bool(const Json& root, std::initializer_list<const char*> path,
                 bool fallback) {
  std::optional<Json> at = Find(root, path);
  if (!at || at->is_null()) return fallback;
  bool value;
  if (at->get(value) != simdjson::SUCCESS) {
    throw PayloadError(PathName(path) + ": not a boolean");
  }
  return value;
}

// The boolean at `path`; PayloadError when absent or of another type.
inline bool RequireBool(const Json& root,
                        std::initializer_list<const char*> path) {
  std::optional<Json> at = Find(root, path);
  bool value;
  if (!at || at->get(value) != simdjson::SUCCESS) {
    throw PayloadError(PathName(path) + ": missing or not a boolean");
  }
  return value;
}

inline Json RequireObject(const Json& root,
                          std::initializer_list<const char*> path) {
  std::optional<Json> at = Find(root, path);
  if (!at || !at->is_object()) {
    throw PayloadError(PathName(path) + ": missing or not an object");
  }
  return *at;
}

inline simdjson::dom::array RequireArray(
    const Json& root, std::initializer_list<const char*> path) {
  std::optional<Json> at = Find(root, path);
  simdjson::dom::array array;
  if (!at || at->get(array) != simdjson::SUCCESS) {
    throw PayloadError(PathName(path) + ": missing or not an array");
  }
  return array;
}

// The array at `path`, or nullopt when absent or not an array.
inline std::optional<simdjson::dom::array> OptionalArray(
    const Json& root, std::initializer_list<const char*> path) {
  std::optional<Json> at = Find(root, path);
  simdjson::dom::array array;
  if (!at || at->get(array) != simdjson::SUCCESS) return std::nullopt;
  return array;
}

inline std::string RequireString(const Json& root,
                                 std::initializer_list<const char*> path) {
  std::optional<Json> at = Find(root, path);
  std::string_view text;
  if (!at || at->get(text) != simdjson::SUCCESS || text.empty()) {
    throw PayloadError(PathName(path) + ": missing, empty or not a string");
  }
  return std::string(text);
}

// A numeric id (a pull request's, an issue's): a positive integer written
// as a JSON number, returned as its decimal text. A string, zero, a negative
// or a fractional number is a PayloadError: keys built from ids must not
// depend on how a sender happened to spell them.
inline std::string RequireId(const Json& root,
                             std::initializer_list<const char*> path) {
  std::optional<Json> at = Find(root, path);
  int64_t number;
  if (at && at->get(number) == simdjson::SUCCESS && number > 0) {
    return std::to_string(number);
  }
  throw PayloadError(PathName(path) + ": missing or not a positive integer");
}

// The members of the object at `path`, whose values must all be strings
// (labels, tags), in order; none when it is absent. PayloadError naming
// the path when it is not an object or a value is not a string.
inline std::vector<std::pair<std::string, std::string>> StringFields(
    const Json& root, std::initializer_list<const char*> path) {
  std::vector<std::pair<std::string, std::string>> fields;
  const std::optional<Json> found = Find(root, path);
  if (!found) return fields;
  simdjson::dom::object members;
  if (found->get(members) != simdjson::SUCCESS) {
    throw PayloadError(PathName(path) + ": not an object");
  }
  for (auto [key, value] : members) {
    std::string_view text;
    if (value.get(text) != simdjson::SUCCESS) {
      throw PayloadError(PathName(path) + "." + std::string(key) +
                         ": not a string");
    }
    fields.emplace_back(std::string(key), std::string(text));
  }
  return fields;
}

// The string at `path`: nullopt when absent or null, PayloadError when it
// has another type (a name sent as a number must not become "7").
// The value of member `name` of what StringFields() read; "" when absent.
inline std::string ValueOf(
    const std::vector<std::pair<std::string, std::string>>& fields,
    std::string_view name) {
  for (const auto& [key, value] : fields) {
    if (key == name) return value;
  }
  return "";
}

inline std::optional<std::string> OptionalString(
    const Json& root, std::initializer_list<const char*> path) {
  std::optional<Json> at = Find(root, path);
  if (!at || at->is_null()) return std::nullopt;
  std::string_view text;
  if (at->get(text) != simdjson::SUCCESS) {
    throw PayloadError(PathName(path) + ": not a string");
  }
  return std::string(text);
}

// Parses ISO-8601 date-times as webhooks write them:
// "2024-01-02T03:04:05Z", "...05.123456+00:00", "...05+0000", "...05-0400",
// and GitLab's "2016-08-22 20:08:13 UTC" and "2022-04-01 13:49:55 +0800".
// Returns microseconds since the Unix epoch, or nullopt.
inline std::optional<int64_t> ParseIso8601Micros(const std::string& text) {
  int year, month, day, hour, minute, second, consumed = 0;
  if (sscanf(text.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &year, &month,
             &day, &hour, &minute, &second, &consumed) != 6) {
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
  if (i < text.size() && text[i] == ' ') {
    ++i;
    if (text.compare(i, std::string::npos, "UTC") == 0) i = text.size();
  }
  int64_t offset_seconds = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    int sign = text[i] == '-' ? -1 : 1;
    std::string digits;
    for (++i; i < text.size(); ++i) {
      if (text[i] >= '0' && text[i] <= '9') digits += text[i];
    }
    if (digits.size() != 4) return std::nullopt;
    offset_seconds = sign * (std::stoi(digits.substr(0, 2)) * 3600 +
                             std::stoi(digits.substr(2)) * 60);
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
  std::optional<Json> at = Find(root, path);
  if (!at) return 0;
  int64_t millis;
  if (at->get(millis) == simdjson::SUCCESS) {
    // Beyond year 5000 is no webhook's time; it would also overflow.
    constexpr int64_t kLimit = 100000000000000;
    return millis > -kLimit && millis < kLimit ? millis * 1000 : 0;
  }
  std::string_view text;
  if (at->get(text) == simdjson::SUCCESS) {
    return ParseIso8601Micros(std::string(text)).value_or(0);
  }
  return 0;
}

// Runs `convert` (a callable returning Conversion) and answers a body that
// lacks what it reads, or whose values have other types, with
// Conversion::BadPayload(event, <what is wrong>): the event name stays in
// the answer and the metrics, where the SDK's own catch has none.
template <typename Convert>
Conversion ConvertOrRefuse(const std::string& event, Convert&& convert) {
  try {
    return convert();
  } catch (const PayloadError& e) {
    return Conversion::BadPayload(event, e.what());
  } catch (const simdjson::simdjson_error& e) {
    return Conversion::BadPayload(event, e.what());
  }
}

}  // namespace alertgate::sdk::json

#endif  // ALERTGATE_JSON_FIELDS_H_
