#include "server/frontdoor/delivery_recorder.h"

#include <cstddef>
#include <utility>

namespace alertgate {

DeliveryRecorder::DeliveryRecorder(CoreApi* core, Options options)
    : core_(core), options_(options) {
  sender_ = std::thread([this] { SendLoop(); });
}

DeliveryRecorder::~DeliveryRecorder() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  sender_.join();
}

namespace {

size_t KeptBytes(const v1::Delivery& delivery) {
  return delivery.has_kept_request() ? delivery.kept_request().ByteSizeLong()
                                     : 0;
}

}  // namespace

void DeliveryRecorder::Record(v1::Delivery delivery) {
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= options_.max_queued) {
    ++dropped_;
    // The oldest not being sent right now goes; if all are, this one.
    if (in_flight_ >= queue_.size()) return;
    auto oldest = queue_.begin() + static_cast<std::ptrdiff_t>(in_flight_);
    queued_kept_bytes_ -= KeptBytes(*oldest);
    queue_.erase(oldest);
  }
  if (queued_kept_bytes_ + KeptBytes(delivery) >
      options_.max_queued_kept_bytes) {
    delivery.clear_kept_request();
  }
  queued_kept_bytes_ += KeptBytes(delivery);
  queue_.push_back(std::move(delivery));
}

int64_t DeliveryRecorder::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

bool DeliveryRecorder::SendBatch() {
  v1::RecordDeliveriesRequest request;
  {
    absl::MutexLock lock(&mu_);
    size_t kept_bytes = 0;
    for (size_t i = 0; i < queue_.size() && i < options_.batch; ++i) {
      kept_bytes += KeptBytes(queue_[i]);
      if (i > 0 && kept_bytes > options_.batch_kept_bytes) break;
      *request.add_deliveries() = queue_[i];
    }
    in_flight_ = static_cast<size_t>(request.deliveries_size());
  }
  if (request.deliveries_size() == 0) return true;
  const absl::Status sent = core_->RecordDeliveries(request);
  absl::MutexLock lock(&mu_);
  const size_t done = in_flight_;
  in_flight_ = 0;
  if (absl::IsUnavailable(sent) || absl::IsDeadlineExceeded(sent)) {
    return false;  // Kept; tried again at the next interval.
  }
  // Sent, or refused for good (then counted as dropped, not retried).
  for (size_t i = 0; i < done && !queue_.empty(); ++i) {
    queued_kept_bytes_ -= KeptBytes(queue_.front());
    queue_.pop_front();
  }
  if (!sent.ok()) dropped_ += static_cast<int64_t>(done);
  return true;
}

void DeliveryRecorder::SendLoop() {
  while (true) {
    bool stopping = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || queue_.size() >= options_.batch;
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready), options_.interval);
      stopping = stopping_;
    }
    // While stopping: one last try for what is queued.
    while (SendBatch()) {
      absl::MutexLock lock(&mu_);
      if (queue_.empty()) break;
    }
    if (stopping) return;
  }
}

}  // namespace alertgate
