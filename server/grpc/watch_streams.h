// WatchStreams: every running WatchIncidents stream, served without a
// thread each.
//
// Each stream is a gRPC callback reactor that writes one message at a time.
// One pump thread refills the streams that have nothing in flight from the
// store, whenever the event log grows (and at least every 20 ms), so
// 2,000 watchers cost 2,000 small objects, not 2,000 threads, and a slow
// watcher only slows itself. At most `max_streams` run at once; beyond,
// a new watch ends at once with RESOURCE_EXHAUSTED.
//
// Thread safety: Open() is called by gRPC from any thread; Stop() once.
#ifndef ALERTGATE_SERVER_GRPC_WATCH_STREAMS_H_
#define ALERTGATE_SERVER_GRPC_WATCH_STREAMS_H_

#include <grpcpp/support/server_callback.h>

#include <memory>
#include <thread>
#include <unordered_map>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "alertgate/v1/incident_service.pb.h"
#include "server/store/incident_store.h"

namespace alertgate {

class WatchStreams {
 public:
  // REQUIRES: `store` outlives this object.
  WatchStreams(IncidentStore* store, int max_streams);
  // Stops the pump; Stop() must have ended every stream.
  ~WatchStreams();
  WatchStreams(const WatchStreams&) = delete;
  WatchStreams& operator=(const WatchStreams&) = delete;

  // The reactor of a new stream (already finished with an error when
  // `refused` is not OK, the request is invalid or too many streams run).
  grpc::ServerWriteReactor<v1::WatchIncidentsResponse>* Open(
      const v1::WatchIncidentsRequest& request,
      const grpc::Status& refused = grpc::Status::OK);

  // Ends every stream with UNAVAILABLE (clients resume elsewhere or later)
  // and waits up to `timeout` for them to be done.
  void Stop(absl::Duration timeout);

  int active();

  // Waits for the pump to end, which it does once stopping and every
  // stream is done. Call after the gRPC server has shut down and before the
  // store closes.
  void Join();

  class Stream;

 private:
  void Pump();
  void Remove(Stream* stream);

  IncidentStore* store_;
  const int max_streams_;
  absl::Mutex mu_;
  std::unordered_map<Stream*, std::shared_ptr<Stream>> streams_
      ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread pump_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_GRPC_WATCH_STREAMS_H_
