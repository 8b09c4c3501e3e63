// CoreClient: how the front door talks to the core — the gRPC API, nothing
// else — so the same code serves in one process and across machines.
//
// Webhook keys are resolved through ResolveWebhookKey and cached, so a
// delivery costs one IngestAlert call per alert. The cache is used only
// while a WatchWebhookCredentials stream to the core is live: every
// credential change the core commits empties it, so a rotated key stops
// working on this front door as soon as the notice arrives (milliseconds).
// While the stream is down, every delivery resolves its key at the core.
// key_cache_ttl bounds an entry's life regardless.
//
// Thread safety: all methods are safe to call concurrently.
#ifndef ALERTGATE_SERVER_FRONTDOOR_CORE_CLIENT_H_
#define ALERTGATE_SERVER_FRONTDOOR_CORE_CLIENT_H_

#include <grpcpp/channel.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "alertgate/v1/incident_service.grpc.pb.h"
#include "alertgate/v1/service_directory.grpc.pb.h"
#include "server/core/clock.h"

namespace alertgate {

// The service a webhook key belongs to.
struct WebhookTarget {
  std::string service_id;
  std::string service_name;
  std::string webhook_secret;  // Empty: no signature required.
};

class CoreClient {
 public:
  struct Options {
    std::string address;  // host:port of the core's gRPC API.
    absl::Duration timeout = absl::Seconds(5);
    absl::Duration key_cache_ttl = absl::Seconds(5);
    int channels = 4;  // Separate connections, for throughput.
  };

  // REQUIRES: `clock` outlives the client. With `channel` set, calls go over
  // it (e.g. the core's in-process channel) and `options.address` and
  // `options.channels` are not used.
  CoreClient(const Options& options, const Clock* clock,
             std::shared_ptr<grpc::Channel> channel = nullptr);

  // NOT_FOUND (unknown or revoked key), INVALID_ARGUMENT (malformed key),
  // UNAVAILABLE / DEADLINE_EXCEEDED (core unreachable).
  absl::StatusOr<WebhookTarget> ResolveWebhookKey(const std::string& source,
                                                  const std::string& key);

  absl::StatusOr<v1::IngestAlertResponse> IngestAlert(const v1::Alert& alert);
  // Several alerts in one call and one transaction (all or none).
  absl::StatusOr<v1::IngestAlertsResponse> IngestAlerts(
      const v1::IngestAlertsRequest& request);

  // True when the core answers a small call within `wait` (readiness).
  bool IsReachable(absl::Duration wait);

  // Stops the credential stream.
  ~CoreClient();

 private:
  // Keeps a WatchWebhookCredentials stream open, reconnecting with back-off.
  void WatchCredentials();
  // The stream ended or a notice came: forget every resolution.
  void DropCachedKeys(bool subscribed);

  struct CachedTarget {
    WebhookTarget target;
    absl::Time expires;
  };
  size_t NextChannel();

  Options options_;
  const Clock* clock_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<v1::IncidentService::Stub>> incidents_;
  std::vector<std::unique_ptr<v1::ServiceDirectory::Stub>> directory_;
  std::atomic<size_t> next_{0};
  absl::Mutex cache_mu_;
  absl::flat_hash_map<std::string, CachedTarget> cache_ ABSL_GUARDED_BY(cache_mu_);
  // Grows with every drop, so a resolution that was in flight across a
  // credential change is not cached.
  int64_t cache_epoch_ ABSL_GUARDED_BY(cache_mu_) = 0;
  bool subscribed_ ABSL_GUARDED_BY(cache_mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(cache_mu_) = false;
  grpc::ClientContext* watch_context_ ABSL_GUARDED_BY(cache_mu_) = nullptr;
  std::thread watcher_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_FRONTDOOR_CORE_CLIENT_H_
