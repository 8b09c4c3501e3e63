#include "server/data_folder.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace alertgate {
namespace {

constexpr char kLockFile[] = "lock";

std::string ReadAll(int fd) {
  std::string text;
  char buffer[64];
  ssize_t n;
  lseek(fd, 0, SEEK_SET);
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) text.append(buffer, n);
  return text;
}

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<DataFolder>> DataFolder::Claim(
    const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create ", path, ": ", error.message()));
  }
  if (chmod(path.c_str(), 0700) != 0) return Errno("chmod 0700 " + path);

  const std::string lock_path = path + "/" + kLockFile;
  const int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("open " + lock_path);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int lock_errno = errno;
    std::string holder(absl::StripAsciiWhitespace(ReadAll(fd)));
    close(fd);
    if (lock_errno != EWOULDBLOCK) {
      errno = lock_errno;
      return Errno("lock " + lock_path);
    }
    int pid = 0;
    return absl::FailedPreconditionError(absl::StrCat(
        "data folder ", path, " is in use by ",
        absl::SimpleAtoi(holder, &pid) ? absl::StrCat("process ", pid)
                                       : std::string("another process"),
        " (it holds ", lock_path,
        "); stop that process or give this one its own --data_dir"));
  }
  // The holder's PID, for the message a second process prints.
  const std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    close(fd);
    return Errno("write " + lock_path);
  }
  // Files an earlier version left readable: the store (with its WAL and
  // shared memory) and the first start's webhook URLs.
  for (const char* name : {"alertgate.db", "alertgate.db-wal",
                           "alertgate.db-shm", "webhook-urls.txt"}) {
    const std::string file = path + "/" + name;
    if (access(file.c_str(), F_OK) == 0) chmod(file.c_str(), 0600);
  }
  return std::unique_ptr<DataFolder>(new DataFolder(path, fd));
}

DataFolder::~DataFolder() {
  // Closing drops the lock; the file stays, so the next holder reuses it.
  close(lock_fd_);
}

bool DataFolder::UsedBefore() const {
  return access((path_ + "/webhook-urls.txt").c_str(), F_OK) == 0;
}

}  // namespace alertgate
