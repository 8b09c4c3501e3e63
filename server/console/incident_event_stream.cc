#include "server/console/incident_event_stream.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/console/api_bridge.h"

namespace alertgate::console {

IncidentEventStream::IncidentEventStream(
    std::shared_ptr<client::AlertgateClient> api, int64_t after_sequence,
    const std::string& service_id)
    : api_(std::move(api)) {
  v1::WatchIncidentsRequest request;
  request.set_after_sequence(after_sequence);
  request.set_service_id(service_id);
  reader_ = std::thread([this, request] {
    const absl::Status ended = api_->WatchIncidents(
        request,
        [this](const v1::WatchIncidentsResponse& message) {
          std::string text;
          if (message.has_event()) {
            text = absl::StrCat("id: ", message.event().sequence(),
                                "\nevent: incident\ndata: ",
                                MessageToJson(message.event()), "\n\n");
          } else {
            text = absl::StrCat("event: caught_up\ndata: ",
                                MessageToJson(message.caught_up()), "\n\n");
          }
          absl::MutexLock lock(&mu_);
          if (queue_.size() >= kMaxQueued) return false;  // Too slow.
          queue_.push_back(std::move(text));
          return true;
        },
        &cancellation_);
    absl::MutexLock lock(&mu_);
    if (!ended.ok() && !absl::IsCancelled(ended)) {
      // The page shows it and reconnects (EventSource does by itself).
      queue_.push_back(absl::StrCat(
          "event: stream_error\ndata: ", ErrorAnswer(ended).body, "\n\n"));
    }
    ended_ = true;
  });
}

IncidentEventStream::~IncidentEventStream() {
  Cancel();
  reader_.join();
}

void IncidentEventStream::Cancel() { cancellation_.Cancel(); }

std::string IncidentEventStream::Next(absl::Duration heartbeat) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || ended_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), heartbeat);
  if (queue_.empty()) return ended_ ? "" : ": keep-alive\n\n";
  std::string text;
  while (!queue_.empty()) {
    text += queue_.front();
    queue_.pop_front();
  }
  return text;
}

}  // namespace alertgate::console
