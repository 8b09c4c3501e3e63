// IncidentEventStream: one browser's Server-Sent Events stream, bridged
// from the API's WatchIncidents with the person's token. A thread reads the
// watch into a bounded queue; the HTTP worker writes what is queued as SSE
// ("id: <sequence>", so the browser's reconnect resumes from the last event
// it saw via Last-Event-ID), and a comment every `heartbeat` so that a
// closed tab is noticed. A browser that reads too slowly (more than
// kMaxQueued waiting) is disconnected; it reconnects and resumes.
//
// Thread safety: Next() from the HTTP worker; Cancel() from any thread.
#ifndef ALERTGATE_SERVER_CONSOLE_INCIDENT_EVENT_STREAM_H_
#define ALERTGATE_SERVER_CONSOLE_INCIDENT_EVENT_STREAM_H_

#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "alertgate/alertgate_client.h"

namespace alertgate::console {

class IncidentEventStream {
 public:
  static constexpr size_t kMaxQueued = 1000;

  // Starts watching events after `after_sequence`, of `service_id` unless
  // it is empty.
  IncidentEventStream(std::shared_ptr<client::AlertgateClient> api,
                      int64_t after_sequence, const std::string& service_id);
  // Cancels the watch and waits for its thread.
  ~IncidentEventStream();
  IncidentEventStream(const IncidentEventStream&) = delete;
  IncidentEventStream& operator=(const IncidentEventStream&) = delete;

  // The next SSE text to send: queued events, or a heartbeat comment after
  // `heartbeat` without any. Empty once the stream ended (the watch failed,
  // the reader was too slow, or Cancel()).
  std::string Next(absl::Duration heartbeat);
  void Cancel();

 private:
  std::shared_ptr<client::AlertgateClient> api_;
  client::WatchCancellation cancellation_;
  absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  std::thread reader_;  // Last: starts once the rest exists.
};

}  // namespace alertgate::console

#endif  // ALERTGATE_SERVER_CONSOLE_INCIDENT_EVENT_STREAM_H_
