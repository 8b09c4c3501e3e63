#include "server/secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace alertgate {
namespace {

absl::Status Failed(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat(what, " ", path, ": ", strerror(errno)));
}

}  // namespace

absl::Status WriteSecretFile(const std::string& path, absl::string_view text) {
  const std::string temporary = path + ".new";
  unlink(temporary.c_str());  // A leftover of an interrupted write.
  const int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Failed("cannot create", temporary);
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      absl::Status status = Failed("cannot write", temporary);
      close(fd);
      unlink(temporary.c_str());
      return status;
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    absl::Status status = Failed("cannot sync", temporary);
    close(fd);
    unlink(temporary.c_str());
    return status;
  }
  if (close(fd) != 0) {
    unlink(temporary.c_str());
    return Failed("cannot close", temporary);
  }
  if (rename(temporary.c_str(), path.c_str()) != 0) {
    absl::Status status = Failed("cannot rename into place", path);
    unlink(temporary.c_str());
    return status;
  }
  return absl::OkStatus();
}

}  // namespace alertgate
