#include "clients/cli/alertctl_output.h"

#include <stdio.h>

#include <algorithm>

#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"

namespace alertgate::cli {

void Table::Print() const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    printf("%s\n", line.c_str());
  }
}

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = pretty;
  std::string json;
  // Printing a valid message cannot fail.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

std::string FormatTime(const google::protobuf::Timestamp& time, bool set) {
  if (!set) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%SZ",
                          absl::FromUnixSeconds(time.seconds()),
                          absl::UTCTimeZone());
}

namespace {

// INCIDENT_STATE_TRIGGERED → TRIGGERED: drop the enum's own prefix.
std::string WithoutPrefix(const google::protobuf::EnumValueDescriptor* value) {
  std::string name = value->name();
  const std::string type = value->type()->name();
  std::string prefix;
  for (size_t i = 0; i < type.size(); ++i) {
    if (i > 0 && isupper(static_cast<unsigned char>(type[i]))) prefix += '_';
    prefix += static_cast<char>(toupper(static_cast<unsigned char>(type[i])));
  }
  prefix += "_";
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

}  // namespace

std::string EnumName(const google::protobuf::Message& message,
                     const std::string& field) {
  const auto* descriptor = message.GetDescriptor()->FindFieldByName(field);
  return WithoutPrefix(message.GetReflection()->GetEnum(message, descriptor));
}

std::vector<std::string> EnumNames(const google::protobuf::Message& message,
                                   const std::string& field) {
  const auto* descriptor = message.GetDescriptor()->FindFieldByName(field);
  const auto* reflection = message.GetReflection();
  std::vector<std::string> names;
  for (int i = 0; i < reflection->FieldSize(message, descriptor); ++i) {
    names.push_back(
        WithoutPrefix(reflection->GetRepeatedEnum(message, descriptor, i)));
  }
  return names;
}

}  // namespace alertgate::cli
