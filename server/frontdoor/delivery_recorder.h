// DeliveryRecorder: sends what the front door answered to the core's
// delivery log, off the request path. Record() only queues; one thread
// sends the queue in batches (RecordDeliveries) every `interval` or as soon
// as `batch` entries wait. The queue is bounded: when the core is
// unreachable for long, the oldest entries are dropped and counted, never
// the answers to senders delayed.
//
// Thread safety: Record() from any thread.
#ifndef ALERTGATE_SERVER_FRONTDOOR_DELIVERY_RECORDER_H_
#define ALERTGATE_SERVER_FRONTDOOR_DELIVERY_RECORDER_H_

#include <cstdint>
#include <deque>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "alertgate/v1/service_directory.pb.h"
#include "server/frontdoor/core_api.h"

namespace alertgate {

class DeliveryRecorder {
 public:
  struct Options {
    size_t max_queued = 10000;
    size_t batch = 500;
    absl::Duration interval = absl::Milliseconds(100);
    // Kept requests (refused deliveries' bodies) waiting, in bytes: past
    // it, new entries are queued without theirs. Bounds the memory a flood
    // of refused deliveries can take while the core is away.
    size_t max_queued_kept_bytes = 16 << 20;
    // Kept bytes per RecordDeliveries call (gRPC's messages are limited to
    // 4 MiB); a batch always takes at least one entry.
    size_t batch_kept_bytes = 2 << 20;
  };

  // REQUIRES: `core` outlives the recorder.
  DeliveryRecorder(CoreApi* core, Options options);
  // Sends what is queued (one try), then stops the thread.
  ~DeliveryRecorder();
  DeliveryRecorder(const DeliveryRecorder&) = delete;
  DeliveryRecorder& operator=(const DeliveryRecorder&) = delete;

  // Queues `delivery`; its kept request goes if too many bytes wait.
  void Record(v1::Delivery delivery);
  // Entries dropped: the queue was full, or the core refused them.
  int64_t dropped() const;

 private:
  void SendLoop();
  // Sends up to one batch; false when the core could not be reached (the
  // batch stays queued).
  bool SendBatch();

  CoreApi* const core_;
  const Options options_;
  mutable absl::Mutex mu_;
  std::deque<v1::Delivery> queue_ ABSL_GUARDED_BY(mu_);
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  size_t queued_kept_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  size_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;  // Being sent: the first ones.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread sender_;  // Last: starts after everything above exists.
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_FRONTDOOR_DELIVERY_RECORDER_H_
