// WebhookReceiver: a real HTTP (or HTTPS) server on a loopback port,
// started by the test, that takes outbound webhooks as a team's endpoint
// would: it keeps every request it got and answers as the test says (a
// status, after a delay). ClosedPort() gives a port where nothing listens
// (refused).
#ifndef ALERTGATE_TESTS_WEBHOOK_RECEIVER_H_
#define ALERTGATE_TESTS_WEBHOOK_RECEIVER_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "httplib.h"

namespace alertgate::testing {

class WebhookReceiver {
 public:
  struct Received {
    std::string path;
    std::string body;
    std::string delivery;   // X-Alertgate-Delivery
    std::string event;      // X-Alertgate-Event
    std::string signature;  // X-Alertgate-Signature
    std::string content_type;
  };

  // Plain HTTP; with a certificate and key (PEM files), HTTPS.
  explicit WebhookReceiver(const std::string& certificate_file = "",
                           const std::string& key_file = "")
      : tls_(!certificate_file.empty()),
        server_(tls_ ? std::make_unique<httplib::SSLServer>(
                           certificate_file.c_str(), key_file.c_str())
                     : std::make_unique<httplib::Server>()) {
    server_->Post(".*", [this](const httplib::Request& request,
                               httplib::Response& response) {
      int status;
      absl::Duration delay;
      {
        absl::MutexLock lock(&mu_);
        received_.push_back({request.path, request.body,
                             request.get_header_value("X-Alertgate-Delivery"),
                             request.get_header_value("X-Alertgate-Event"),
                             request.get_header_value("X-Alertgate-Signature"),
                             request.get_header_value("Content-Type")});
        status = status_;
        delay = delay_;
      }
      absl::SleepFor(delay);
      response.status = status;
      if (status != 204) response.set_content("ok", "text/plain");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) absl::SleepFor(absl::Milliseconds(1));
  }
  ~WebhookReceiver() {
    server_->stop();
    thread_.join();
  }

  std::string Url(const std::string& path = "/hooks/alertgate") const {
    return absl::StrCat(tls_ ? "https" : "http", "://127.0.0.1:", port_, path);
  }

  // How the next requests are answered.
  void AnswerWith(int status, absl::Duration delay = absl::ZeroDuration()) {
    absl::MutexLock lock(&mu_);
    status_ = status;
    delay_ = delay;
  }

  std::vector<Received> received() const {
    absl::MutexLock lock(&mu_);
    return received_;
  }

  // Waits up to `timeout` for at least `count` requests; returns them.
  std::vector<Received> WaitFor(size_t count, absl::Duration timeout) const {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      {
        absl::MutexLock lock(&mu_);
        if (received_.size() >= count) return received_;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return received();
  }

  // A loopback port nothing listens on: connecting is refused.
  static int ClosedPort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    return ntohs(address.sin_port);
  }

 private:
  const bool tls_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::vector<Received> received_ ABSL_GUARDED_BY(mu_);
  int status_ ABSL_GUARDED_BY(mu_) = 200;
  absl::Duration delay_ ABSL_GUARDED_BY(mu_);
};

}  // namespace alertgate::testing

#endif  // ALERTGATE_TESTS_WEBHOOK_RECEIVER_H_
