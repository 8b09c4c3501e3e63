// How alertctl prints: aligned tables for people, JSON for scripts.
#ifndef ALERTGATE_CLIENTS_CLI_ALERTCTL_OUTPUT_H_
#define ALERTGATE_CLIENTS_CLI_ALERTCTL_OUTPUT_H_

#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace alertgate::cli {

// Rows of cells printed with columns padded to their widest cell.
class Table {
 public:
  explicit Table(std::vector<std::string> header) {
    rows_.push_back(std::move(header));
  }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// The message as JSON with the API's field names, every field present;
// on one line unless `pretty`.
std::string ToJson(const google::protobuf::Message& message,
                   bool pretty = true);

// "2026-01-02 03:04:05Z", or "-" when unset.
std::string FormatTime(const google::protobuf::Timestamp& time, bool set);

// The enum value's name without its prefix, e.g. "TRIGGERED".
std::string EnumName(const google::protobuf::Message& message,
                     const std::string& field);
// The same for each value of a repeated enum field.
std::vector<std::string> EnumNames(const google::protobuf::Message& message,
                                   const std::string& field);

}  // namespace alertgate::cli

#endif  // ALERTGATE_CLIENTS_CLI_ALERTCTL_OUTPUT_H_
