// Helpers shared by the tests: a clock the test sets, and a temporary folder
// removed at the end of the test.
#ifndef ALERTGATE_TESTS_TEST_SUPPORT_H_
#define ALERTGATE_TESTS_TEST_SUPPORT_H_

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/common/clock.h"

namespace alertgate::testing {

// A clock that stands still until the test moves it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1767225600))
      : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// A fresh folder under $TEST_TMPDIR (Bazel) or /tmp, removed on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TEST_TMPDIR");
    std::string pattern =
        std::string(base && *base ? base : "/tmp") + "/alertgate-test-XXXXXX";
    path_ = mkdtemp(pattern.data()) ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ignored;
    if (!getenv("KEEP_TEST_TMP")) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace alertgate::testing

#endif  // ALERTGATE_TESTS_TEST_SUPPORT_H_
