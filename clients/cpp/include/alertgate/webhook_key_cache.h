// WebhookKeyCache: resolves webhook keys through the API and remembers the
// answers while the server says nothing has changed. For front doors, which
// resolve a key on every delivery.
//
// The cache is used only while a WatchWebhookCredentials stream to the
// server is live: every credential change the server commits empties it, so
// a rotated or revoked key stops working here as soon as the notice arrives
// (milliseconds). While the stream is down, every lookup asks the server.
// `ttl` bounds an entry's life regardless. A resolution in flight across a
// change is answered but not cached.
//
//   alertgate::client::WebhookKeyCache keys(client.get(), {absl::Seconds(5)});
//   auto target = keys.Resolve("bitbucket", key);  // NOT_FOUND: unknown key
//
// Thread safety: Resolve() may be called concurrently.
#ifndef ALERTGATE_WEBHOOK_KEY_CACHE_H_
#define ALERTGATE_WEBHOOK_KEY_CACHE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "alertgate/alertgate_client.h"

namespace alertgate::client {

class WebhookKeyCache {
 public:
  struct Options {
    absl::Duration ttl = absl::Seconds(5);
    // Past this many entries the cache starts again empty, so a flood of
    // distinct valid keys cannot grow it without bound.
    size_t max_entries = 100000;
    // Where "now" comes from (tests step it); absl::Now when empty.
    std::function<absl::Time()> now;
  };

  // Starts the credential watch. REQUIRES: `client` outlives the cache.
  WebhookKeyCache(AlertgateClient* client, Options options);
  // Stops the watch.
  ~WebhookKeyCache();
  WebhookKeyCache(const WebhookKeyCache&) = delete;
  WebhookKeyCache& operator=(const WebhookKeyCache&) = delete;

  // The server's answer for (source, key), from the cache when it may be.
  absl::StatusOr<v1::ResolveWebhookKeyResponse> Resolve(
      const std::string& source, const std::string& webhook_key);

  // True while the credential stream is live (the cache is in use).
  bool subscribed() const;

 private:
  struct Entry {
    v1::ResolveWebhookKeyResponse answer;
    absl::Time expires;
  };
  // Keeps the stream open, reconnecting with back-off.
  void WatchCredentials();
  // The stream ended or a notice came: forget every answer.
  void Forget(bool subscribed);
  absl::Time Now() const { return options_.now ? options_.now() : absl::Now(); }

  AlertgateClient* client_;
  Options options_;
  WatchCancellation cancellation_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Grows with every Forget(), so an answer that was in flight across a
  // credential change is not cached.
  int64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
  bool subscribed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watcher_;
};

}  // namespace alertgate::client

#endif  // ALERTGATE_WEBHOOK_KEY_CACHE_H_
