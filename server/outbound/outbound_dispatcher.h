// OutboundDispatcher: delivers the outbox. The core writes each message in
// the transaction of the incident change it tells of (incident_core.h); the
// dispatcher sends it, signed, to its subscription's URL as it is at that
// moment, and records each attempt:
//   - 2xx: delivered, never sent again by the dispatcher;
//   - anything else (an error status, a timeout, a refused connection, a
//     TLS failure): retried with exponential backoff and jitter (first
//     after `first_retry`, doubling up to `max_retry_delay`), until
//     `retry_for` after the change, then dead-lettered, visible in the API
//     (RulesService.ListWebhookMessages) with its last error;
//   - its subscription removed: dead-lettered at once.
// Messages are leased in batches while they are sent (one write to claim a
// batch, one to record it), so several cores on one database (or a
// restarted one) never send one at the same time; a core that dies mid-
// batch lets them go when the lease passes, and they are sent again:
// delivery is at least once, and the receiver drops repeats by
// X-Alertgate-Delivery.
//
// Sending runs on the dispatcher's own threads, each serving one queue (a
// subscription) at a time, oldest message first, on one kept-open
// connection: a slow or failing receiver holds one of them, never ingest,
// and never more than one queue.
//
// Thread safety: DeliverDue() and ServeQueue() may run beside the
// background threads; the lease keeps them from sending one message twice.
#ifndef ALERTGATE_SERVER_OUTBOUND_OUTBOUND_DISPATCHER_H_
#define ALERTGATE_SERVER_OUTBOUND_OUTBOUND_DISPATCHER_H_

#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/common/clock.h"
#include "server/outbound/webhook_sender.h"
#include "server/store/incident_store.h"

namespace alertgate {

struct OutboundOptions {
  // Queues served at once by background threads; 0: none (tests call
  // DeliverDue()).
  int senders = 4;
  WebhookSenderOptions sender;
  absl::Duration first_retry = absl::Seconds(10);
  absl::Duration max_retry_delay = absl::Hours(1);
  absl::Duration retry_for = absl::Hours(24);
  // How often due messages are looked for when nothing was committed.
  absl::Duration poll = absl::Seconds(1);
};

class OutboundDispatcher {
 public:
  // Queues looked at per round.
  static constexpr int kQueuesPerRound = 100;
  // Messages of a queue claimed (leased) in one write, then sent in order
  // and recorded in one write: two writes per batch, not per message.
  static constexpr int kClaimBatch = 20;

  // REQUIRES: `store` and `clock` outlive the dispatcher.
  OutboundDispatcher(IncidentStore* store, const Clock* clock,
                     OutboundOptions options);
  // Stops the background threads, letting each finish the attempt it is in.
  ~OutboundDispatcher();
  OutboundDispatcher(const OutboundDispatcher&) = delete;
  OutboundDispatcher& operator=(const OutboundDispatcher&) = delete;

  // Starts the background threads (options.senders of them, and one that
  // looks for due messages).
  void Start();

  // Every message due now, queue by queue, on the calling thread. Returns
  // how many attempts it made.
  absl::StatusOr<int> DeliverDue();

  // The longest one attempt can take: connecting, then the answer.
  absl::Duration longest_attempt() const { return 2 * options_.sender.timeout; }
  // How long a claimed batch is leased: longer than one attempt; a batch
  // sends only while a whole attempt still fits in it.
  absl::Duration lease() const { return longest_attempt() + absl::Seconds(5); }

  // The wait before attempt `attempts` + 1, jitter included: between half
  // and all of first_retry * 2^(attempts-1), at most max_retry_delay.
  absl::Duration RetryDelay(int attempts) const;

 private:
  // Sends the queue's due messages, oldest first, a leased batch at a time
  // on one kept-open connection, until none is due. Returns how many
  // attempts it made.
  absl::StatusOr<int> ServeQueue(const OutboundQueue& queue);
  // Writes what each claimed message's attempt came to (none: not tried,
  // let go), except for messages no longer leased to this batch.
  absl::Status Record(const std::vector<OutboundMessage>& claimed,
                      const std::vector<std::optional<SendAttempt>>& outcomes,
                      bool subscription_gone);

  void LookForDue();
  void Serve();
  bool Stopping();

  IncidentStore* store_;
  const Clock* clock_;
  const OutboundOptions options_;
  const WebhookSender sender_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<OutboundQueue> waiting_ ABSL_GUARDED_BY(mu_);
  // Queues waiting or being served, as "service_id/subscription".
  absl::flat_hash_set<std::string> taken_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_OUTBOUND_OUTBOUND_DISPATCHER_H_
