// Hostile HTTP clients for bench/run.sh: holds idle connections, trickles
// requests one byte at a time, or streams endless chunked bodies, at a front
// door, for a fixed time, while wrk measures real deliveries beside them.
//
//   bench_hold --port=P [--host=127.0.0.1] --idle=1000 --trickle=300
//       [--chunked=0] --seconds=15 [--path=/v1/webhooks/bitbucket/KEY]
//
// Connections come from 127.0.1.1 ... 127.0.1.250 in turn, as many hosts'
// would (the front door caps connections per address). An idle or trickling
// connection the server closes is opened again at once, as an attacker
// would, so the pressure lasts the whole run. Loopback only. Prints JSON:
// connections held, how many times the server closed one, bytes sent.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

ABSL_FLAG(std::string, host, "127.0.0.1", "The front door's address.");
ABSL_FLAG(int, port, 0, "The front door's port.");
ABSL_FLAG(int, idle, 0, "Connections that send nothing.");
ABSL_FLAG(int, trickle, 0, "Connections that send a request a byte a second.");
ABSL_FLAG(int, chunked, 0,
          "Connections that stream a chunked body without end.");
ABSL_FLAG(double, seconds, 10, "How long to hold them.");
ABSL_FLAG(std::string, path, "/v1/webhooks/bitbucket/x", "The request path.");

namespace {

int Connect(int n) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  const std::string from = absl::StrCat("127.0.1.", 1 + n % 250);
  inet_pton(AF_INET, from.c_str(), &local.sin_addr);
  bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local));
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(static_cast<uint16_t>(absl::GetFlag(FLAGS_port)));
  inet_pton(AF_INET, absl::GetFlag(FLAGS_host).c_str(), &server.sin_addr);
  connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof(server));
  return fd;
}

// True while the server has not closed `fd`.
bool Open(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, 0) <= 0) return true;
  char buffer[4096];
  return recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT) > 0 || errno == EAGAIN;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const absl::Time end =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_seconds));
  const std::string request = "POST " + absl::GetFlag(FLAGS_path) +
                              " HTTP/1.1\r\nHost: alertgate\r\nContent-Type: "
                              "application/json\r\nX-Event-Key: repo:push\r\n";
  std::vector<int> idle, trickle, chunked;
  int n = 0;
  for (int i = 0; i < absl::GetFlag(FLAGS_idle); ++i)
    idle.push_back(Connect(n++));
  for (int i = 0; i < absl::GetFlag(FLAGS_trickle); ++i)
    trickle.push_back(Connect(n++));
  for (int i = 0; i < absl::GetFlag(FLAGS_chunked); ++i)
    chunked.push_back(Connect(n++));
  std::atomic<int64_t> sent{0};
  // Chunked streams: as fast as the server reads.
  std::thread streamer([&] {
    const std::string head = request + "Transfer-Encoding: chunked\r\n\r\n";
    const std::string chunk = "10000\r\n" + std::string(65536, ' ') + "\r\n";
    std::vector<size_t> offset(chunked.size(), 0);
    std::vector<bool> started(chunked.size(), false);
    while (absl::Now() < end) {
      for (size_t i = 0; i < chunked.size(); ++i) {
        const std::string& data = started[i] ? chunk : head;
        const ssize_t w =
            send(chunked[i], data.data() + offset[i], data.size() - offset[i],
                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
          sent += w;
          offset[i] += w;
          if (offset[i] == data.size()) {
            offset[i] = 0;
            started[i] = true;
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  // Trickling: one more byte a second each; closed ones come back.
  std::vector<size_t> position(trickle.size(), 0);
  int64_t reopened = 0;
  while (absl::Now() < end) {
    for (size_t i = 0; i < trickle.size(); ++i) {
      if (!Open(trickle[i])) {
        close(trickle[i]);
        trickle[i] = Connect(n++);
        position[i] = 0;
        ++reopened;
      }
      if (position[i] < request.size() &&
          send(trickle[i], request.data() + position[i], 1,
               MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
        ++sent;
        ++position[i];
      }
    }
    for (int& fd : idle) {
      if (!Open(fd)) {
        close(fd);
        fd = Connect(n++);
        ++reopened;
      }
    }
    absl::SleepFor(std::min(absl::Seconds(1), end - absl::Now()));
  }
  streamer.join();
  int total = 0;
  for (const std::vector<int>* group : {&idle, &trickle, &chunked}) {
    for (int fd : *group) {
      ++total;
      close(fd);
    }
  }
  printf(
      "{\"connections\": %d, \"closed_by_server\": %lld, \"bytes_sent\": "
      "%lld}\n",
      total, static_cast<long long>(reopened),
      static_cast<long long>(sent.load()));
  return 0;
}
