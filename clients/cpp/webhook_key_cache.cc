#include "alertgate/webhook_key_cache.h"

#include <algorithm>
#include <utility>

namespace alertgate::client {

WebhookKeyCache::WebhookKeyCache(AlertgateClient* client, Options options)
    : client_(client), options_(std::move(options)) {
  watcher_ = std::thread([this] { WatchCredentials(); });
}

WebhookKeyCache::~WebhookKeyCache() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  cancellation_.Cancel();
  watcher_.join();
}

void WebhookKeyCache::WatchCredentials() {
  absl::Duration backoff = absl::Milliseconds(100);
  while (true) {
    // Waits for the server rather than failing at once while it starts.
    client_
        ->WatchWebhookCredentials(
            [&](const v1::WebhookCredentialChange&) {
              Forget(/*subscribed=*/true);
              backoff = absl::Milliseconds(100);
              return true;
            },
            &cancellation_, /*wait_for_ready=*/true)
        .IgnoreError();  // Any end is followed by a reconnect.
    Forget(/*subscribed=*/false);
    absl::MutexLock lock(&mu_);
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_;
    };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff)) return;
    backoff = std::min(2 * backoff, absl::Seconds(2));
  }
}

void WebhookKeyCache::Forget(bool subscribed) {
  absl::MutexLock lock(&mu_);
  entries_.clear();
  ++epoch_;
  subscribed_ = subscribed;
}

bool WebhookKeyCache::subscribed() const {
  absl::MutexLock lock(&mu_);
  return subscribed_;
}

absl::StatusOr<v1::ResolveWebhookKeyResponse> WebhookKeyCache::Resolve(
    const std::string& source, const std::string& webhook_key) {
  std::string cache_key = source;
  cache_key.push_back('\0');
  cache_key += webhook_key;
  const absl::Time now = Now();
  int64_t epoch;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(cache_key);
    if (it != entries_.end() && it->second.expires > now) {
      return it->second.answer;
    }
    epoch = epoch_;
  }
  absl::StatusOr<v1::ResolveWebhookKeyResponse> answer =
      client_->ResolveWebhookKey(source, webhook_key);
  if (!answer.ok()) return answer;
  absl::MutexLock lock(&mu_);
  // Only while subscribed, and only if no credential changed meanwhile.
  if (!subscribed_ || epoch != epoch_) return answer;
  if (entries_.size() >= options_.max_entries) entries_.clear();
  entries_[std::move(cache_key)] = {*answer, now + options_.ttl};
  return answer;
}

}  // namespace alertgate::client
