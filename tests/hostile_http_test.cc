// The front door as an attacker meets it: a real alertgate on real sockets,
// held by slow, idle, oversized and malformed connections, while a real
// Bitbucket delivery must still be answered, memory must stay bounded and
// nothing malformed may reach the store.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/server_process.h"
#include "tests/test_support.h"

namespace alertgate {
namespace {

using ::alertgate::testing::ProjectBinary;
using ::alertgate::testing::ProjectFile;
using ::alertgate::testing::ReadFileOrEmpty;
using ::alertgate::testing::ServerProcess;
using ::alertgate::testing::TempDir;
using Clock = std::chrono::steady_clock;

// A client socket, from a chosen loopback address (the attackers use
// 127.0.0.1, the legitimate sender 127.0.0.2, as different hosts would).
class Connection {
 public:
  Connection(int port, const char* from = "127.0.0.1") {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, from, &local.sin_addr);
    bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local));
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
    connected_ =
        connect(fd_, reinterpret_cast<sockaddr*>(&server), sizeof(server)) == 0;
  }
  ~Connection() { close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Reads until the server closes or `wait` passes.
  std::string ReadAll(std::chrono::milliseconds wait) {
    std::string out;
    const auto end = Clock::now() + wait;
    while (Clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      const int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(end -
                                                                Clock::now())
              .count());
      if (poll(&p, 1, std::max(1, left)) <= 0) break;
      char buffer[65536];
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buffer, n);
    }
    return out;
  }
  // True when the server closed the connection within `wait`.
  bool ClosedWithin(std::chrono::milliseconds wait) {
    ReadAll(wait);
    return closed_;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

class HostileHttpTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "--data_dir=" + dir_.path(), "--grpc_listen=127.0.0.1:0",
        "--http_listen=127.0.0.1:0", "--log_deliveries=false"};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_TRUE(server_.Start(ProjectBinary("server/alertgate"), args,
                              dir_.File("ports"), dir_.File("server.log")))
        << ReadFileOrEmpty(dir_.File("server.log"));
    port_ = server_.http_port();
    path_ = testing::WebhookPathOf(testing::ReadWebhookUrlsFile(
        dir_.File("webhook-urls.txt"))["bitbucket"]);
    ASSERT_FALSE(path_.empty());
  }

  // A real Bitbucket delivery as raw HTTP.
  std::string Delivery(const std::string& id,
                       const std::string& extra_headers = "") {
    const std::string body = ReadFileOrEmpty(
        ProjectFile("tests/fixtures/bitbucket/cloud/pullrequest_created.json"));
    return "POST " + path_ +
           " HTTP/1.1\r\nHost: alertgate\r\n"
           "Content-Type: application/json\r\nX-Event-Key: "
           "pullrequest:created\r\n"
           "X-Request-UUID: " +
           id + "\r\n" + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  // Sends a legitimate delivery from another address; its status line.
  std::string Legitimate(const std::string& id,
                         std::chrono::milliseconds* took) {
    const auto start = Clock::now();
    Connection c(port_, "127.0.0.2");
    if (!c.connected() || !c.Send(Delivery(id, "Connection: close\r\n")))
      return "";
    const std::string answer = c.ReadAll(std::chrono::seconds(15));
    *took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                                  start);
    return answer.substr(0, answer.find("\r\n"));
  }

  int64_t RssKb() {
    std::ifstream status("/proc/" + std::to_string(server_.pid()) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
    }
    return -1;
  }

  TempDir dir_;
  ServerProcess server_;
  int port_ = 0;
  std::string path_;
};

TEST_F(HostileHttpTest, SlowAndIdleClientsDoNotDelayDeliveries) {
  // Four threads and no per-address cap: 400 hostile connections from one
  // address outnumber the threads a hundred to one.
  ASSERT_NO_FATAL_FAILURE(
      Start({"--http_threads=4", "--http_max_connections_per_address=0"}));
  std::vector<std::unique_ptr<Connection>> idle, trickling;
  for (int i = 0; i < 300; ++i)
    idle.push_back(std::make_unique<Connection>(port_));
  for (int i = 0; i < 100; ++i) {
    trickling.push_back(std::make_unique<Connection>(port_));
    trickling.back()->Send("POST " + path_ + " HTTP/1.1\r\nHost: a");
  }
  std::chrono::milliseconds took{0};
  for (int round = 0; round < 3; ++round) {
    for (auto& c : trickling) c->Send("a");  // One more byte each.
    const std::string status =
        Legitimate("legit-" + std::to_string(round), &took);
    EXPECT_EQ(status, "HTTP/1.1 200 OK") << "round " << round;
    EXPECT_LT(took.count(), 2000) << "round " << round;
  }
}

TEST_F(HostileHttpTest, ConnectionsBeyondThePerAddressCapAreClosedAtOnce) {
  ASSERT_NO_FATAL_FAILURE(Start({"--http_max_connections_per_address=8"}));
  std::vector<std::unique_ptr<Connection>> held;
  for (int i = 0; i < 8; ++i)
    held.push_back(std::make_unique<Connection>(port_));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Connection ninth(port_);
  EXPECT_TRUE(ninth.ClosedWithin(std::chrono::milliseconds(1000)))
      << "the ninth connection from one address must be refused";
  std::chrono::milliseconds took{0};
  EXPECT_EQ(Legitimate("other-address", &took), "HTTP/1.1 200 OK");
}

TEST_F(HostileHttpTest, TheRequestDeadlineClosesTricklingAndIdleConnections) {
  ASSERT_NO_FATAL_FAILURE(Start({"--http_request_deadline=1s"}));
  Connection idle(port_);
  Connection trickle(port_);
  const auto start = Clock::now();
  bool trickle_closed = false;
  // One byte every 200 ms never completes a request: cut at the deadline.
  const std::string request = Delivery("slow");
  for (size_t i = 0;
       i < request.size() && Clock::now() - start < std::chrono::seconds(5);
       ++i) {
    if (!trickle.Send(request.substr(i, 1))) {
      trickle_closed = true;
      break;
    }
    if (trickle.ClosedWithin(std::chrono::milliseconds(200))) {
      trickle_closed = true;
      break;
    }
  }
  EXPECT_TRUE(trickle_closed);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(3000));
  EXPECT_TRUE(idle.ClosedWithin(std::chrono::milliseconds(2000)));
}

TEST_F(HostileHttpTest, AmbiguousFramingIs400AndClosesTheConnection) {
  ASSERT_NO_FATAL_FAILURE(Start());
  // Each carries a second, smuggled delivery behind the first: it must
  // never be processed.
  const std::string smuggled = Delivery("smuggled");
  const std::vector<std::string> heads = {
      "Content-Length: 5\r\nContent-Length: 7\r\n",
      "Content-Length: 1234abc\r\n",
      "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
      "Transfer-Encoding: gzip, chunked\r\n",
  };
  for (const std::string& head : heads) {
    Connection c(port_);
    c.Send("POST " + path_ +
           " HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
           "X-Event-Key: pullrequest:created\r\n" +
           head + "\r\nhello\r\n0\r\n\r\n" + smuggled);
    const auto start = Clock::now();
    const std::string answer = c.ReadAll(std::chrono::seconds(3));
    EXPECT_EQ(answer.substr(0, answer.find("\r\n")), "HTTP/1.1 400 Bad Request")
        << head;
    EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << head << answer;
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(2))
        << "the connection must be closed at once: " << head;
  }
  // Nothing reached the store: a real delivery now opens the first incident.
  Connection c(port_);
  c.Send(Delivery("after", "Connection: close\r\n"));
  const std::string answer = c.ReadAll(std::chrono::seconds(3));
  EXPECT_NE(answer.find("\"outcome\":\"opened\""), std::string::npos) << answer;
}

TEST_F(HostileHttpTest,
       OversizedBodiesAndHeadersAreRefusedWithinBoundedMemory) {
  ASSERT_NO_FATAL_FAILURE(Start({"--max_body_bytes=1048576"}));
  const int64_t idle_rss = RssKb();
  // A valid 2 MiB delivery, chunked: 413, never 200.
  std::string chunk(64 * 1024, ' ');
  auto chunked = [&](int chunks) {
    std::string r =
        "POST " + path_ +
        " HTTP/1.1\r\nHost: a\r\n"
        "Content-Type: application/json\r\nX-Event-Key: pullrequest:created\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    return r;
  };
  {
    Connection c(port_);
    c.Send(chunked(0));
    for (int i = 0; i < 32; ++i) c.Send("10000\r\n" + chunk + "\r\n");
    c.Send("0\r\n\r\n");
    const std::string answer = c.ReadAll(std::chrono::seconds(5));
    EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 413") << answer.substr(0, 200);
  }
  // Eight senders streaming 64 MiB each at once: memory stays bounded.
  std::vector<std::thread> senders;
  for (int s = 0; s < 8; ++s) {
    senders.emplace_back([&] {
      Connection c(port_);
      c.Send(chunked(0));
      for (int i = 0; i < 1024 && c.Send("10000\r\n" + chunk + "\r\n"); ++i) {
      }
    });
  }
  for (auto& t : senders) t.join();
  const int64_t attacked_rss = RssKb();
  EXPECT_LT(attacked_rss - idle_rss, 64 * 1024)
      << "RSS grew from " << idle_rss << " kB to " << attacked_rss << " kB";

  // 10,000 headers of 8 KB, and one header of 64 KB: 431.
  for (const std::string& headers :
       {[] {
          std::string h;
          for (int i = 0; i < 10000; ++i)
            h += "X-" + std::to_string(i) + ": " + std::string(8000, 'v') +
                 "\r\n";
          return h;
        }(),
        "X-Big: " + std::string(64 * 1024, 'v') + "\r\n"}) {
    Connection c(port_);
    c.Send("POST " + path_ + " HTTP/1.1\r\nHost: a\r\n" + headers + "\r\n");
    const std::string answer = c.ReadAll(std::chrono::seconds(3));
    EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 431") << answer.substr(0, 100);
  }
  // 101 small headers: over the count limit.
  {
    std::string h;
    for (int i = 0; i < 101; ++i) h += "X-" + std::to_string(i) + ": v\r\n";
    Connection c(port_);
    c.Send("GET /healthz HTTP/1.1\r\nHost: a\r\n" + h + "\r\n");
    const std::string answer = c.ReadAll(std::chrono::seconds(3));
    EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 431") << answer.substr(0, 100);
  }
  // And the front door still answers real deliveries.
  std::chrono::milliseconds took{0};
  EXPECT_EQ(Legitimate("after-attack", &took), "HTTP/1.1 200 OK");
}

TEST_F(HostileHttpTest, PipelinedRequestsAreAnsweredInOrder) {
  ASSERT_NO_FATAL_FAILURE(Start());
  Connection c(port_);
  c.Send(Delivery("p-1") + Delivery("p-2") + Delivery("p-1"));
  std::string answers;
  const auto end = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < end) {
    answers += c.ReadAll(std::chrono::milliseconds(200));
    size_t count = 0;
    for (size_t at = answers.find("HTTP/1.1 200"); at != std::string::npos;
         at = answers.find("HTTP/1.1 200", at + 1)) {
      ++count;
    }
    if (count == 3) break;
  }
  const size_t first = answers.find("\"delivery_id\":\"p-1\"");
  const size_t second = answers.find("\"delivery_id\":\"p-2\"");
  const size_t third = answers.find("\"delivery_id\":\"p-1\"", first + 1);
  ASSERT_NE(first, std::string::npos) << answers;
  ASSERT_NE(second, std::string::npos) << answers;
  ASSERT_NE(third, std::string::npos) << answers;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  const size_t third_answer = answers.rfind("HTTP/1.1 200");
  EXPECT_LT(third_answer, third);
  EXPECT_NE(answers.find("\"replayed\":true", third_answer), std::string::npos)
      << "the third is the first again";
}

// The shipped recipe (deploy/nginx/alertgate.conf), with real nginx in
// front: the same attack through it, and real deliveries still pass.
TEST_F(HostileHttpTest,
       BehindTheShippedNginxTheAttackStillLeavesDeliveriesAnswered) {
  ASSERT_NO_FATAL_FAILURE(Start({"--http_max_connections_per_address=0"}));
  const std::string nginx = "/usr/sbin/nginx";
  ASSERT_EQ(access(nginx.c_str(), X_OK), 0)
      << "nginx is installed by scripts/setup.sh";
  // The recipe with its three "adapt" lines adapted, as an operator would.
  std::string site =
      ReadFileOrEmpty(ProjectFile("deploy/nginx/alertgate.conf"));
  ASSERT_FALSE(site.empty());
  int nginx_port = 0;
  {
    // A free port for nginx.
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &any.sin_addr);
    bind(probe, reinterpret_cast<sockaddr*>(&any), sizeof(any));
    socklen_t length = sizeof(any);
    getsockname(probe, reinterpret_cast<sockaddr*>(&any), &length);
    nginx_port = ntohs(any.sin_port);
    close(probe);
  }
  auto replace_line = [&](const std::string& containing,
                          const std::string& with) {
    const size_t at = site.find(containing);
    ASSERT_NE(at, std::string::npos) << containing;
    const size_t begin = site.rfind('\n', at) + 1;
    site.replace(begin, site.find('\n', at) - begin, with);
  };
  ASSERT_NO_FATAL_FAILURE(
      replace_line("server 127.0.0.1:8080;",
                   "    server 127.0.0.1:" + std::to_string(port_) + ";"));
  // Plain HTTP on loopback for the test; TLS needs a certificate.
  ASSERT_NO_FATAL_FAILURE(
      replace_line("listen 443 ssl;",
                   "    listen 127.0.0.1:" + std::to_string(nginx_port) + ";"));
  ASSERT_NO_FATAL_FAILURE(replace_line("ssl_certificate ", ""));
  ASSERT_NO_FATAL_FAILURE(replace_line("ssl_certificate_key", ""));
  const std::string root = dir_.File("nginx");
  std::filesystem::create_directories(root);
  { std::ofstream(root + "/alertgate.conf") << site; }
  {
    std::ofstream conf(root + "/nginx.conf");
    // As root, nginx hands its temp folders to "nobody", which a sandbox
    // (Bazel's) may not map: keep them root's.
    if (geteuid() == 0) conf << "user root root;\n";
    conf << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
         << "pid " << root << "/nginx.pid;\nerror_log " << root
         << "/error.log warn;\n"
         << "events { worker_connections 4096; }\nhttp {\n  access_log off;\n";
    for (const char* temp :
         {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
      conf << "  " << temp << "_temp_path " << root << "/" << temp << ";\n";
    }
    conf << "  include " << root << "/alertgate.conf;\n}\n";
  }
  ServerProcess proxy;
  // nginx writes no port file; wait for its port to answer instead.
  const pid_t nginx_pid = fork();
  if (nginx_pid == 0) {
    execl(nginx.c_str(), nginx.c_str(), "-p", root.c_str(), "-c",
          (root + "/nginx.conf").c_str(), nullptr);
    _exit(127);
  }
  struct Reap {
    pid_t pid;
    ~Reap() {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  } reap{nginx_pid};
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    Connection probe(nginx_port);
    up = probe.connected();
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(up) << ReadFileOrEmpty(root + "/error.log");

  // The attack, at nginx.
  std::vector<std::unique_ptr<Connection>> idle, trickling;
  for (int i = 0; i < 300; ++i)
    idle.push_back(std::make_unique<Connection>(nginx_port));
  for (int i = 0; i < 100; ++i) {
    trickling.push_back(std::make_unique<Connection>(nginx_port));
    trickling.back()->Send("POST " + path_ + " HTTP/1.1\r\nHost: a");
  }
  for (int round = 0; round < 3; ++round) {
    for (auto& c : trickling) c->Send("a");
    const auto start = Clock::now();
    Connection c(nginx_port, "127.0.0.2");
    ASSERT_TRUE(c.Send(Delivery("via-nginx-" + std::to_string(round),
                                "Connection: close\r\n")));
    const std::string answer = c.ReadAll(std::chrono::seconds(15));
    EXPECT_EQ(answer.substr(0, answer.find("\r\n")), "HTTP/1.1 200 OK")
        << answer.substr(0, 300);
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(2))
        << "round " << round;
  }
  // What the recipe keeps private stays private.
  Connection metrics(nginx_port, "127.0.0.2");
  metrics.Send("GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(metrics.ReadAll(std::chrono::seconds(3)).substr(0, 12),
            "HTTP/1.1 404");
}

}  // namespace
}  // namespace alertgate
