// DataFolder: the core's data folder, made the process's own. It holds the
// store (webhook signing secrets among it) and the first start's webhook
// URLs, so other local users must not read it, and two processes must never
// write it at once (a watcher on one would miss the other's events).
//
// Claim() creates the folder 0700 (tightening an existing one), makes the
// files alertgate keeps there 0600, and takes an exclusive lock on
// <folder>/lock, which records the holder's PID. The lock lasts as long as
// the DataFolder object (the kernel drops it if the process dies).
//
// Thread safety: construction and destruction only; no shared state.
#ifndef ALERTGATE_SERVER_DATA_FOLDER_H_
#define ALERTGATE_SERVER_DATA_FOLDER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace alertgate {

class DataFolder {
 public:
  // FAILED_PRECONDITION when another process holds the folder (the message
  // names its PID); UNAVAILABLE when the folder cannot be made or locked.
  static absl::StatusOr<std::unique_ptr<DataFolder>> Claim(
      const std::string& path);
  ~DataFolder();
  DataFolder(const DataFolder&) = delete;
  DataFolder& operator=(const DataFolder&) = delete;

  const std::string& path() const { return path_; }

  // True when the folder was used before: the first start wrote its webhook
  // URLs here. A store missing from such a folder was lost, not never made.
  bool UsedBefore() const;

 private:
  DataFolder(std::string path, int lock_fd)
      : path_(std::move(path)), lock_fd_(lock_fd) {}

  std::string path_;
  int lock_fd_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_DATA_FOLDER_H_
