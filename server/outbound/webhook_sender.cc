#include "server/outbound/webhook_sender.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "httplib.h"
#include "server/common/webhook_signature.h"

namespace alertgate {
namespace {

// "https://host:port" and "/path?query" of a URL the rules checked.
std::pair<std::string, std::string> SplitUrl(const std::string& url) {
  const size_t scheme_end = url.find("://") + 3;
  const size_t path_start = url.find_first_of("/?#", scheme_end);
  if (path_start == std::string::npos) return {url, "/"};
  std::string path = url.substr(path_start);
  const size_t fragment = path.find('#');
  if (fragment != std::string::npos) path.resize(fragment);
  if (path.empty() || path[0] != '/') path = "/" + path;
  return {url.substr(0, path_start), path};
}

std::string Describe(httplib::Error error, absl::Duration timeout) {
  switch (error) {
    case httplib::Error::Connection:
      return "could not connect (refused, unreachable or timed out)";
    case httplib::Error::Read:
      return absl::StrCat("no answer within ", absl::FormatDuration(timeout));
    case httplib::Error::Write:
      return "the connection broke while sending";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed";
    case httplib::Error::SSLServerVerification:
      return "the receiver's TLS certificate is not trusted";
    case httplib::Error::ConnectionTimeout:
      return absl::StrCat("could not connect within ",
                          absl::FormatDuration(timeout));
    default:
      return absl::StrCat("HTTP client error: ", httplib::to_string(error));
  }
}

}  // namespace

WebhookSender::WebhookSender(WebhookSenderOptions options)
    : options_(std::move(options)) {}

WebhookSender::Connection::~Connection() = default;

std::unique_ptr<WebhookSender::Connection> WebhookSender::ConnectTo(
    const std::string& url) const {
  std::unique_ptr<Connection> connection(new Connection());
  connection->options_ = &options_;
  const auto [origin, path] = SplitUrl(url);
  connection->path_ = path;
  auto client = std::make_unique<httplib::Client>(origin);
  if (!client->is_valid()) {
    connection->unusable_ = "the URL cannot be used: " + origin;
    return connection;
  }
  const auto timeout =
      std::chrono::microseconds(absl::ToInt64Microseconds(options_.timeout));
  client->set_connection_timeout(timeout);
  client->set_read_timeout(timeout);
  client->set_write_timeout(timeout);
  client->set_keep_alive(true);
  client->set_follow_location(false);
  client->enable_server_certificate_verification(true);
  if (!options_.ca_file.empty()) client->set_ca_cert_path(options_.ca_file);
  connection->client_ = std::move(client);
  return connection;
}

SendAttempt WebhookSender::Connection::Send(const std::string& secret,
                                            const OutboundMessage& message,
                                            absl::Time at) {
  SendAttempt attempt;
  if (client_ == nullptr) {
    attempt.error = unusable_;
    return attempt;
  }
  httplib::Request request;
  request.method = "POST";
  request.path = path_;
  request.headers = {
      {"Content-Type", "application/json"},
      {"User-Agent", "alertgate-webhooks/1"},
      {"X-Alertgate-Delivery", message.id},
      {"X-Alertgate-Event",
       absl::StrCat("incident.", NotifyEventName(message.event))},
      {"X-Alertgate-Signature", SignTimestampedBody(secret, message.body, at)},
  };
  request.body = message.body;
  // The status is all that counts; the body is read up to a bound and
  // dropped, so a receiver cannot make alertgate hold or wait for much.
  int status = 0;
  size_t answer_bytes = 0;
  request.response_handler = [&status](const httplib::Response& response) {
    status = response.status;
    return true;
  };
  request.content_receiver = [&answer_bytes](const char*, size_t length,
                                             uint64_t, uint64_t) {
    answer_bytes += length;
    return answer_bytes <= kMaxAnswerBytes;
  };
  httplib::Result result = client_->send(request);
  // The handler saw the status of an answer whose body was cut short; the
  // result has it for every answer read whole (a 204 has no body at all).
  if (result) status = result->status;
  attempt.http_status = status;
  if (status == 0) {
    attempt.error = Describe(result.error(), options_->timeout);
  } else if (status < 200 || status > 299) {
    attempt.error = status >= 300 && status <= 399
                        ? absl::StrCat("answered ", status,
                                       " (redirects are not followed: set "
                                       "the URL it points to)")
                        : absl::StrCat("answered ", status);
  }
  return attempt;
}

}  // namespace alertgate
