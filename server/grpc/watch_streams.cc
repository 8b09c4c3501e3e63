#include "server/grpc/watch_streams.h"

#include <algorithm>
#include <deque>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/core/incident_core.h"
#include "server/grpc/proto_conversion.h"
#include "server/grpc/status_conversion.h"
#include "server/model/errors.h"

namespace alertgate {
namespace {

// The longest a stream with room waits for the pump when the log did not
// grow (its backlog is read in batches of IncidentWatch::kBatchSize).
constexpr absl::Duration kPumpInterval = absl::Milliseconds(20);

}  // namespace

class WatchStreams::Stream
    : public grpc::ServerWriteReactor<v1::WatchIncidentsResponse> {
 public:
  Stream(WatchStreams* owner, IncidentStore* store,
         const v1::WatchIncidentsRequest& request)
      : owner_(owner),
        store_(store),
        watch_(store, request.after_sequence(), request.service_id()),
        backlog_end_(std::max(request.after_sequence(),
                              store->LastCommittedSequence())) {}

  // With nothing in flight, reads what is new and starts writing it. Run
  // by the pump, and once by Open() so a new stream starts at once.
  void Refill() {
    absl::MutexLock refilling(&refill_mu_);
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || closing_) return;
    }
    std::deque<v1::WatchIncidentsResponse> batch;
    if (watch_.cursor() < store_->LastCommittedSequence()) {
      absl::StatusOr<std::vector<IncidentEvent>> events =
          watch_.Next(absl::ZeroDuration());
      if (!events.ok()) {
        End(ToGrpcStatus(events.status()));
        return;
      }
      for (const IncidentEvent& event : *events) {
        batch.emplace_back();
        EventToProto(event, batch.back().mutable_event());
      }
    }
    if (!caught_up_sent_ && watch_.cursor() >= backlog_end_) {
      batch.emplace_back();
      batch.back().mutable_caught_up()->set_sequence(backlog_end_);
      caught_up_sent_ = true;
    }
    if (batch.empty()) return;
    const v1::WatchIncidentsResponse* first = nullptr;
    {
      absl::MutexLock lock(&mu_);
      if (closing_) return;
      queue_ = std::move(batch);
      writing_ = true;
      first = &queue_.front();
    }
    // Outside the lock: gRPC may run OnWriteDone on another thread at once.
    StartWrite(first);
  }

  // Ends the stream with `status` once nothing is in flight.
  void End(const grpc::Status& status) {
    bool finish_now = false;
    grpc::Status final_status;
    {
      absl::MutexLock lock(&mu_);
      if (closing_) return;
      closing_ = true;
      final_ = status;
      finish_now = !writing_ && !finished_;
      if (finish_now) finished_ = true;
      final_status = final_;
    }
    if (finish_now) Finish(final_status);
  }

  void OnWriteDone(bool ok) override {
    const v1::WatchIncidentsResponse* next = nullptr;
    bool finish = false;
    grpc::Status final_status;
    {
      absl::MutexLock lock(&mu_);
      queue_.pop_front();
      if (!ok && !closing_) {
        closing_ = true;
        final_ = grpc::Status::CANCELLED;
      }
      if (closing_) {
        writing_ = false;
        finish = !finished_;
        finished_ = true;
        final_status = final_;
      } else if (!queue_.empty()) {
        next = &queue_.front();
      } else {
        writing_ = false;  // The pump refills it.
      }
    }
    // Nothing of this object is touched after Finish(): OnDone may follow.
    if (next != nullptr) {
      StartWrite(next);
    } else if (finish) {
      Finish(final_status);
    }
  }

  void OnCancel() override { End(grpc::Status::CANCELLED); }

  void OnDone() override { owner_->Remove(this); }

 private:
  WatchStreams* owner_;
  IncidentStore* store_;
  // One Refill() at a time reads the store for this stream.
  absl::Mutex refill_mu_;
  IncidentWatch watch_ ABSL_GUARDED_BY(refill_mu_);
  const int64_t backlog_end_;
  bool caught_up_sent_ ABSL_GUARDED_BY(refill_mu_) = false;
  absl::Mutex mu_;
  std::deque<v1::WatchIncidentsResponse> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_ ABSL_GUARDED_BY(mu_);
};

WatchStreams::WatchStreams(IncidentStore* store, int max_streams)
    : store_(store), max_streams_(max_streams) {
  pump_ = std::thread([this] { Pump(); });
}

WatchStreams::~WatchStreams() { Join(); }

void WatchStreams::Join() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (pump_.joinable()) pump_.join();
}

grpc::ServerWriteReactor<v1::WatchIncidentsResponse>* WatchStreams::Open(
    const v1::WatchIncidentsRequest& request, const grpc::Status& refused) {
  auto stream = std::make_shared<Stream>(this, store_, request);
  Stream* reactor = stream.get();
  grpc::Status refusal;
  {
    absl::MutexLock lock(&mu_);
    if (!refused.ok()) {
      refusal = refused;
    } else if (request.after_sequence() < 0) {
      refusal = ToGrpcStatus(
          errors::InvalidField("after_sequence", "must not be negative"));
    } else if (stopping_) {
      refusal = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             "server is shutting down; resume from the last "
                             "sequence received");
    } else if (absl::StatusOr<int64_t> pruned = store_->PrunedThroughSequence();
               !pruned.ok()) {
      refusal = ToGrpcStatus(pruned.status());
    } else if (*pruned > 0 && request.after_sequence() < *pruned) {
      // Some events at or before the pruned mark are gone: streaming from
      // there would leave a silent gap.
      refusal = grpc::Status(
          grpc::StatusCode::OUT_OF_RANGE,
          absl::StrCat("events up to sequence ", *pruned,
                       " were pruned by retention; resync (ListIncidents), "
                       "then watch with after_sequence=",
                       *pruned));
    } else if (static_cast<int>(streams_.size()) >= max_streams_) {
      refusal = grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("this core serves at most ", max_streams_,
                       " watches at once (--max_watchers); retry later or "
                       "watch another core"));
    }
    // Kept even when refused: OnDone() removes it.
    streams_.emplace(reactor, std::move(stream));
  }
  if (!refusal.ok()) {
    reactor->End(refusal);
  } else {
    reactor->Refill();
  }
  return reactor;
}

void WatchStreams::Remove(Stream* stream) {
  // The pump may still hold a reference; the stream is deleted with it.
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
}

int WatchStreams::active() {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(streams_.size());
}

void WatchStreams::Pump() {
  int64_t seen = store_->LastCommittedSequence();
  while (true) {
    std::vector<std::shared_ptr<Stream>> streams;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ && streams_.empty()) return;
      streams.reserve(streams_.size());
      for (auto& [raw, stream] : streams_) streams.push_back(stream);
    }
    for (auto& stream : streams) stream->Refill();
    streams.clear();
    store_->WaitForEventsAfter(seen, kPumpInterval);
    seen = store_->LastCommittedSequence();
  }
}

void WatchStreams::Stop(absl::Duration timeout) {
  std::vector<std::shared_ptr<Stream>> streams;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (auto& [raw, stream] : streams_) streams.push_back(stream);
  }
  for (auto& stream : streams) {
    stream->End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             "server is shutting down; resume from the last "
                             "sequence received"));
  }
  streams.clear();
  absl::MutexLock lock(&mu_);
  auto none = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return streams_.empty();
  };
  mu_.AwaitWithTimeout(absl::Condition(&none), timeout);
}

}  // namespace alertgate
