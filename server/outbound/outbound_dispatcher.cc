#include "server/outbound/outbound_dispatcher.h"

#include <stdio.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "server/model/status_macros.h"

namespace alertgate {
namespace {

std::string QueueName(const OutboundQueue& queue) {
  return absl::StrCat(queue.service_id, "/", queue.subscription);
}

const WebhookSubscription* FindSubscription(
    const std::optional<ServiceRules>& rules, const std::string& name) {
  if (!rules) return nullptr;
  for (const WebhookSubscription& webhook : rules->webhooks) {
    if (webhook.name == name) return &webhook;
  }
  return nullptr;
}

}  // namespace

OutboundDispatcher::OutboundDispatcher(IncidentStore* store, const Clock* clock,
                                       OutboundOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      sender_(options_.sender) {}

OutboundDispatcher::~OutboundDispatcher() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

void OutboundDispatcher::Start() {
  if (options_.senders <= 0 || !threads_.empty()) return;
  threads_.emplace_back([this] { LookForDue(); });
  for (int i = 0; i < options_.senders; ++i) {
    threads_.emplace_back([this] { Serve(); });
  }
}

bool OutboundDispatcher::Stopping() {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

absl::Duration OutboundDispatcher::RetryDelay(int attempts) const {
  absl::Duration delay = options_.first_retry;
  for (int i = 1; i < attempts && delay < options_.max_retry_delay; ++i) {
    delay *= 2;
  }
  delay = std::min(delay, options_.max_retry_delay);
  absl::BitGen random;
  return delay / 2 + absl::Uniform(random, 0.0, 1.0) * (delay / 2);
}

absl::StatusOr<int> OutboundDispatcher::DeliverDue() {
  AG_ASSIGN_OR_RETURN(
      std::vector<OutboundQueue> due,
      store_->ListDueOutboundQueues(clock_->Now(), kQueuesPerRound));
  int attempts = 0;
  for (const OutboundQueue& queue : due) {
    AG_ASSIGN_OR_RETURN(int made, ServeQueue(queue));
    attempts += made;
  }
  return attempts;
}

absl::StatusOr<int> OutboundDispatcher::ServeQueue(const OutboundQueue& queue) {
  // The subscription as it is now: a corrected URL or secret applies to
  // retries too.
  AG_ASSIGN_OR_RETURN(std::optional<ServiceRules> rules,
                      store_->GetServiceRules(queue.service_id));
  const WebhookSubscription* subscription =
      FindSubscription(rules, queue.subscription);
  // One connection for the queue's messages, kept open between them.
  std::unique_ptr<WebhookSender::Connection> connection;
  if (subscription != nullptr)
    connection = sender_.ConnectTo(subscription->url);
  int attempts = 0;
  while (!Stopping()) {
    const absl::Time now = clock_->Now();
    // As the store keeps it (microseconds), so Record() finds its own lease.
    const absl::Time lease_until =
        absl::FromUnixMicros(absl::ToUnixMicros(now + lease()));
    std::vector<OutboundMessage> claimed;
    AG_RETURN_IF_ERROR(store_->Write([&](StoreTransaction& tx) -> absl::Status {
      AG_ASSIGN_OR_RETURN(claimed, tx.ClaimOutboundMessages(
                                       queue, now, lease_until, kClaimBatch));
      return absl::OkStatus();
    }));
    if (claimed.empty()) break;
    // Sent in order while the lease still covers a whole attempt; the rest
    // are let go for the next claim.
    std::vector<std::optional<SendAttempt>> outcomes(claimed.size());
    for (size_t i = 0; i < claimed.size(); ++i) {
      if (Stopping() || clock_->Now() + longest_attempt() > lease_until) {
        break;
      }
      if (subscription == nullptr) {
        outcomes[i].emplace();
        outcomes[i]->error = absl::StrCat("the subscription \"",
                                          queue.subscription, "\" was removed");
        continue;
      }
      outcomes[i] =
          connection->Send(subscription->secret, claimed[i], clock_->Now());
      ++attempts;
    }
    AG_RETURN_IF_ERROR(Record(claimed, outcomes, subscription == nullptr));
  }
  return attempts;
}

absl::Status OutboundDispatcher::Record(
    const std::vector<OutboundMessage>& claimed,
    const std::vector<std::optional<SendAttempt>>& outcomes,
    bool subscription_gone) {
  const absl::Time now = clock_->Now();
  std::vector<absl::Duration> delays;
  for (const OutboundMessage& sent : claimed) {
    delays.push_back(RetryDelay(sent.attempts + 1));
  }
  return store_->Write([&](StoreTransaction& tx) -> absl::Status {
    for (size_t i = 0; i < claimed.size(); ++i) {
      const OutboundMessage& sent = claimed[i];
      AG_ASSIGN_OR_RETURN(std::optional<OutboundMessage> stored,
                          tx.FindOutboundMessage(sent.id));
      // Redelivered or taken over meanwhile: that one's record counts.
      if (!stored || stored->state != OutboundState::kPending ||
          stored->leased_until != sent.leased_until) {
        continue;
      }
      OutboundMessage message = *std::move(stored);
      message.leased_until.reset();
      if (!outcomes[i]) {  // Not tried: free for the next claim.
        AG_RETURN_IF_ERROR(tx.UpdateOutboundMessage(message));
        continue;
      }
      const SendAttempt& attempt = *outcomes[i];
      message.last_http_status = attempt.http_status;
      if (!subscription_gone) message.attempts += 1;
      if (attempt.delivered()) {
        message.state = OutboundState::kDelivered;
        message.finished_at = now;
        message.last_error.clear();
      } else if (subscription_gone ||
                 now + delays[i] > message.created_at + options_.retry_for) {
        message.state = OutboundState::kDeadLettered;
        message.finished_at = now;
        message.last_error =
            subscription_gone
                ? attempt.error
                : absl::StrCat(attempt.error, " (gave up after ",
                               message.attempts, " attempts in ",
                               absl::FormatDuration(absl::Trunc(
                                   now - message.created_at, absl::Seconds(1))),
                               ")");
      } else {
        message.next_attempt_at = now + delays[i];
        message.last_error = attempt.error;
      }
      AG_RETURN_IF_ERROR(tx.UpdateOutboundMessage(message));
    }
    return absl::OkStatus();
  });
}

void OutboundDispatcher::LookForDue() {
  int64_t seen = store_->LastCommittedSequence();
  bool failing = false;
  while (!Stopping()) {
    absl::StatusOr<std::vector<OutboundQueue>> due =
        store_->ListDueOutboundQueues(clock_->Now(), kQueuesPerRound);
    if (!due.ok()) {
      // Said once per failing spell, not once per poll.
      if (!failing) {
        fprintf(stderr, "alertgate: outbound webhooks: %s\n",
                std::string(due.status().message()).c_str());
      }
      failing = true;
    } else {
      failing = false;
      absl::MutexLock lock(&mu_);
      for (OutboundQueue& queue : *due) {
        if (taken_.insert(QueueName(queue)).second) {
          waiting_.push_back(std::move(queue));
        }
      }
    }
    // New messages are committed with new events: look again after the
    // next commit, or after `poll`, and not more often than every 50 ms.
    store_->WaitForEventsAfter(seen, options_.poll);
    seen = store_->LastCommittedSequence();
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(50));
  }
}

void OutboundDispatcher::Serve() {
  while (true) {
    OutboundQueue queue;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || !waiting_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      queue = std::move(waiting_.front());
      waiting_.pop_front();
    }
    absl::StatusOr<int> served = ServeQueue(queue);
    if (!served.ok()) {
      fprintf(stderr, "alertgate: outbound webhooks to %s: %s\n",
              QueueName(queue).c_str(),
              std::string(served.status().message()).c_str());
    }
    absl::MutexLock lock(&mu_);
    taken_.erase(QueueName(queue));
  }
}

}  // namespace alertgate
