// The physical limit of a durable receiver, for bench/run.sh: how long one
// fdatasync takes on the disk of a folder, and so how many commits a second
// that disk allows. Each round appends 4 KiB to a file and fdatasyncs it, as
// a write-ahead log's commit does (SQLite in WAL mode with synchronous=FULL
// syncs the log once per commit).
//
//   bench_fsync_probe --dir=FOLDER --seconds=3
//
// Prints JSON: syncs, mean_us, p50_us, p99_us, syncs_per_second (1 / mean).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"

ABSL_FLAG(std::string, dir, ".", "A folder on the disk to measure.");
ABSL_FLAG(double, seconds, 3, "How long to measure.");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string path = absl::GetFlag(FLAGS_dir) + "/fsync-probe.tmp";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    perror(path.c_str());
    return 1;
  }
  const std::string page(4096, 'x');
  std::vector<double> micros;
  const absl::Time end =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_seconds));
  while (absl::Now() < end) {
    if (write(fd, page.data(), page.size()) !=
        static_cast<ssize_t>(page.size())) {
      perror("write");
      return 1;
    }
    const absl::Time start = absl::Now();
    if (fdatasync(fd) != 0) {
      perror("fdatasync");
      return 1;
    }
    micros.push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
  }
  close(fd);
  unlink(path.c_str());
  if (micros.empty()) return 1;
  double total = 0;
  for (double m : micros) total += m;
  const double mean = total / micros.size();
  std::sort(micros.begin(), micros.end());
  printf(
      "{\"syncs\": %zu, \"mean_us\": %.1f, \"p50_us\": %.1f, \"p99_us\": "
      "%.1f, \"syncs_per_second\": %.0f}\n",
      micros.size(), mean, micros[micros.size() / 2],
      micros[std::min(micros.size() - 1, micros.size() * 99 / 100)],
      1e6 / mean);
  return 0;
}
