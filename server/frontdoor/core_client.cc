#include "server/frontdoor/core_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "server/grpc/status_conversion.h"

namespace alertgate {

CoreClient::CoreClient(const Options& options, const Clock* clock,
                       std::shared_ptr<grpc::Channel> channel)
    : options_(options), clock_(clock) {
  if (channel) {
    incidents_.push_back(v1::IncidentService::NewStub(channel));
    directory_.push_back(v1::ServiceDirectory::NewStub(channel));
    channels_.push_back(std::move(channel));
    watcher_ = std::thread([this] { WatchCredentials(); });
    return;
  }
  for (int i = 0; i < std::max(1, options.channels); ++i) {
    grpc::ChannelArguments args;
    // Each channel gets its own connection rather than sharing one.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    // A restarted core is found again within a second, not after gRPC's
    // default back-off of up to two minutes.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    auto channel = grpc::CreateCustomChannel(
        options.address, grpc::InsecureChannelCredentials(), args);
    incidents_.push_back(v1::IncidentService::NewStub(channel));
    directory_.push_back(v1::ServiceDirectory::NewStub(channel));
    channels_.push_back(std::move(channel));
  }
  watcher_ = std::thread([this] { WatchCredentials(); });
}

CoreClient::~CoreClient() {
  {
    absl::MutexLock lock(&cache_mu_);
    stopping_ = true;
    if (watch_context_) watch_context_->TryCancel();
  }
  watcher_.join();
}

void CoreClient::WatchCredentials() {
  absl::Duration backoff = absl::Milliseconds(100);
  while (true) {
    grpc::ClientContext context;
    {
      absl::MutexLock lock(&cache_mu_);
      if (stopping_) return;
      watch_context_ = &context;
    }
    // Wait for the core rather than fail at once while it starts.
    context.set_wait_for_ready(true);
    auto stream = directory_[0]->WatchWebhookCredentials(
        &context, v1::WatchWebhookCredentialsRequest());
    v1::WebhookCredentialChange change;
    while (stream->Read(&change)) {
      DropCachedKeys(/*subscribed=*/true);
      backoff = absl::Milliseconds(100);
    }
    stream->Finish().IgnoreError();
    DropCachedKeys(/*subscribed=*/false);
    absl::MutexLock lock(&cache_mu_);
    watch_context_ = nullptr;
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(cache_mu_) {
      return stopping_;
    };
    if (cache_mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff)) return;
    backoff = std::min(2 * backoff, absl::Seconds(2));
  }
}

void CoreClient::DropCachedKeys(bool subscribed) {
  absl::MutexLock lock(&cache_mu_);
  cache_.clear();
  ++cache_epoch_;
  subscribed_ = subscribed;
}


size_t CoreClient::NextChannel() { return next_++ % channels_.size(); }

absl::StatusOr<WebhookTarget> CoreClient::ResolveWebhookKey(
    const std::string& source, const std::string& key) {
  const std::string cache_key = source + '\0' + key;
  const absl::Time now = clock_->Now();
  int64_t epoch;
  {
    absl::MutexLock lock(&cache_mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end() && it->second.expires > now) return it->second.target;
    epoch = cache_epoch_;
  }
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  v1::ResolveWebhookKeyRequest request;
  request.set_source(source);
  request.set_webhook_key(key);
  v1::ResolveWebhookKeyResponse response;
  grpc::Status status =
      directory_[NextChannel()]->ResolveWebhookKey(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  WebhookTarget target{response.service().id(), response.service().name(),
                       response.webhook_secret()};
  absl::MutexLock lock(&cache_mu_);
  // Only while subscribed, and only if no credential changed meanwhile.
  if (!subscribed_ || epoch != cache_epoch_) return target;
  // Bounded: a flood of distinct valid keys cannot grow it without limit.
  if (cache_.size() > 100000) cache_.clear();
  cache_[cache_key] = {target, now + options_.key_cache_ttl};
  return target;
}

absl::StatusOr<v1::IngestAlertResponse> CoreClient::IngestAlert(
    const v1::Alert& alert) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  v1::IngestAlertRequest request;
  *request.mutable_alert() = alert;
  v1::IngestAlertResponse response;
  grpc::Status status =
      incidents_[NextChannel()]->IngestAlert(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::IngestAlertsResponse> CoreClient::IngestAlerts(
    const v1::IngestAlertsRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  v1::IngestAlertsResponse response;
  grpc::Status status =
      incidents_[NextChannel()]->IngestAlerts(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

bool CoreClient::IsReachable(absl::Duration wait) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + wait));
  v1::ListServicesRequest request;
  request.set_page_size(1);
  v1::ListServicesResponse response;
  return directory_[NextChannel()]->ListServices(&context, request, &response).ok();
}

}  // namespace alertgate
