// Files that hold credentials (webhook URLs, the first admin token): created
// with mode 0600 from the first byte (O_CREAT | O_EXCL, never written first
// and chmod-ed after), written in full and fsynced under a temporary name,
// then renamed into place, so nobody ever reads a partial or readable-by-
// others file. Every failure is an error naming the file.
#ifndef ALERTGATE_SERVER_SECRET_FILE_H_
#define ALERTGATE_SERVER_SECRET_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace alertgate {

// Writes `text` to `path` as described above, replacing an existing file.
absl::Status WriteSecretFile(const std::string& path, absl::string_view text);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_SECRET_FILE_H_
