// AlertgateClient: the C++ client library of alertgate's gRPC API, for tools
// that want incidents without writing gRPC plumbing.
//
//   auto client =
//   alertgate::client::AlertgateClient::Connect({"127.0.0.1:50051"}); auto open
//   = (*client)->ListIncidents(request);   // absl::StatusOr<...>
//
// Every call has a deadline (ConnectOptions::timeout) and returns the API's
// status code unchanged (see proto/alertgate/v1/incident_service.proto).
// Requests and answers are the API's own messages, so new fields reach
// callers without a new client.
//
// Thread safety: a client may be shared by threads.
#ifndef ALERTGATE_ALERTGATE_CLIENT_H_
#define ALERTGATE_ALERTGATE_CLIENT_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "alertgate/v1/incident_service.grpc.pb.h"
#include "alertgate/v1/rules.grpc.pb.h"
#include "alertgate/v1/service_directory.grpc.pb.h"

namespace grpc {
class Channel;
class ClientContext;
}  // namespace grpc

namespace alertgate::client {

struct ConnectOptions {
  // host:port of the core's gRPC API; several cores as a list of
  // "ip:port,ip:port" or one DNS name with an address per core. Calls are
  // spread over the cores that answer (round robin).
  std::string address = "127.0.0.1:50051";
  // TLS with these PEM root certificates (empty: the system's).
  bool use_tls = false;
  std::string tls_root_certificates;
  // For servers that require client certificates (mutual TLS): PEM.
  std::string tls_client_certificate;
  std::string tls_client_key;
  // An API token, sent as "authorization: Bearer <token>" with every call.
  std::string token;
  // Deadline of each call (watches excepted).
  absl::Duration timeout = absl::Seconds(10);
  // Separate connections, used in turn, for callers that send many calls at
  // once (the front door uses 4).
  int channels = 1;
};

// Ends a watch from another thread: Cancel() stops the watch running now and
// every later one given this object (they return CANCELLED at once).
class WatchCancellation {
 public:
  void Cancel();
  bool cancelled() const;

 private:
  friend class AlertgateClient;
  // False when already cancelled; else `context` is cancelled by Cancel()
  // until Detach().
  bool Attach(grpc::ClientContext* context);
  void Detach();

  mutable std::mutex mu_;
  bool cancelled_ = false;
  grpc::ClientContext* context_ = nullptr;
};

class AlertgateClient {
 public:
  // Creates the channel; does not wait for a connection (calls fail with
  // UNAVAILABLE while the server is unreachable).
  static absl::StatusOr<std::unique_ptr<AlertgateClient>> Connect(
      const ConnectOptions& options);
  // Over a channel the caller made, e.g. a server's in-process channel;
  // options.address, use_tls and channels are not used.
  static std::unique_ptr<AlertgateClient> OverChannel(
      std::shared_ptr<grpc::Channel> channel, const ConnectOptions& options);
  // A client over the same connections that sends `token` instead: for a
  // server acting for several users (the console), one per user.
  std::unique_ptr<AlertgateClient> WithToken(const std::string& token) const;

  // Incidents.
  absl::StatusOr<v1::IngestAlertResponse> IngestAlert(const v1::Alert& alert);
  // The same with the whole request (e.g. the delivery it came from).
  absl::StatusOr<v1::IngestAlertResponse> IngestAlert(
      const v1::IngestAlertRequest& request);
  // Several alerts in order, atomically (all committed or none).
  absl::StatusOr<v1::IngestAlertsResponse> IngestAlerts(
      const v1::IngestAlertsRequest& request);
  // The incident and the newest `timeline_page_size` timeline entries (0:
  // the server's default) before `timeline_page_token`.
  absl::StatusOr<v1::GetIncidentResponse> GetIncident(
      const std::string& id, int timeline_page_size = 0,
      const std::string& timeline_page_token = "");
  absl::StatusOr<v1::ListIncidentsResponse> ListIncidents(
      const v1::ListIncidentsRequest& request);
  absl::StatusOr<v1::AcknowledgeIncidentResponse> AcknowledgeIncident(
      const std::string& id, const std::string& actor, const std::string& note);
  absl::StatusOr<v1::ResolveIncidentResponse> ResolveIncident(
      const std::string& id, const std::string& actor, const std::string& note);
  // Calls `on_message` for each message (an event, or once the caught_up
  // marker) until it returns false, the stream ends or `cancellation` is
  // cancelled from another thread. Returns the stream's final status (OK
  // after on_message returned false, CANCELLED after a cancellation).
  absl::Status WatchIncidents(
      const v1::WatchIncidentsRequest& request,
      const std::function<bool(const v1::WatchIncidentsResponse&)>& on_message,
      WatchCancellation* cancellation = nullptr);

  // Services and their alert sources.
  absl::StatusOr<v1::Service> CreateService(const std::string& name,
                                            const std::string& description);
  // By id or, failing that, by name.
  absl::StatusOr<v1::Service> FindService(const std::string& id_or_name);
  absl::StatusOr<v1::ListServicesResponse> ListServices(
      int page_size, const std::string& page_token);
  absl::StatusOr<v1::IssueWebhookKeyResponse> IssueWebhookKey(
      const std::string& service_id, const std::string& source);
  absl::StatusOr<v1::AlertSourceStatus> SetWebhookSecret(
      const std::string& service_id, const std::string& source,
      const std::string& secret);
  // The token's name and role.
  absl::StatusOr<v1::Caller> GetCaller();
  // The source plugins the core's process loaded.
  absl::StatusOr<v1::ListSourcePluginsResponse> ListSourcePlugins();
  absl::StatusOr<v1::ListAlertSourcesResponse> ListAlertSources(
      const std::string& service_id);

  // API tokens and the audit log (role admin).
  absl::StatusOr<v1::CreateApiTokenResponse> CreateApiToken(
      const std::string& name, v1::Role role);
  absl::StatusOr<v1::ListApiTokensResponse> ListApiTokens();
  // By id or name.
  absl::StatusOr<v1::ApiToken> RevokeApiToken(const std::string& id_or_name);
  absl::StatusOr<v1::ListAuditEntriesResponse> ListAuditEntries(
      int page_size, const std::string& page_token);
  // A service's delivery log, newest first (of one source, if named).
  absl::StatusOr<v1::ListDeliveriesResponse> ListDeliveries(
      const std::string& service_id, const std::string& source, int page_size,
      const std::string& page_token);
  // One delivery with its kept request, if any (role admin).
  absl::StatusOr<v1::Delivery> GetDelivery(const std::string& id);
  // Runs a refused delivery's kept request again (role admin).
  absl::StatusOr<v1::ReplayDeliveryResponse> ReplayDelivery(
      const std::string& id);
  // A test incident for (service, source), resolved at once (role operate).
  absl::StatusOr<v1::SendTestAlertResponse> SendTestAlert(
      const std::string& service_id, const std::string& source);

  // A service's rules (role read), replacing them (role admin;
  // `expected_revision` < 0: whatever the stored revision), and a dry run
  // of saved or given rules on an alert (role read).
  absl::StatusOr<v1::ServiceRules> GetRules(const std::string& service_id);
  absl::StatusOr<v1::ServiceRules> SetRules(
      const std::string& service_id,
      const google::protobuf::RepeatedPtrField<v1::Rule>& rules,
      int64_t expected_revision = -1);
  absl::StatusOr<v1::TestRulesResponse> TestRules(
      const v1::TestRulesRequest& request);
  // Replace a service's maintenance windows or auto-resolve settings (role
  // admin; expected_revision as for SetRules).
  absl::StatusOr<v1::ServiceRules> SetMaintenanceWindows(
      const v1::SetMaintenanceWindowsRequest& request);
  absl::StatusOr<v1::ServiceRules> SetAutoResolve(
      const v1::SetAutoResolveRequest& request);
  // Outbound webhooks (role admin to change them; the answer to PutWebhook
  // carries the secrets).
  absl::StatusOr<v1::ServiceRules> PutWebhook(
      const v1::PutWebhookRequest& request);
  absl::StatusOr<v1::ServiceRules> RemoveWebhook(
      const v1::RemoveWebhookRequest& request);
  // What was sent, what waits for a retry, what was given up (role read).
  absl::StatusOr<v1::ListWebhookMessagesResponse> ListWebhookMessages(
      const v1::ListWebhookMessagesRequest& request);
  // Sends a message again now (role operate).
  absl::StatusOr<v1::WebhookMessage> RedeliverWebhookMessage(
      const std::string& id);

  // For front doors: records deliveries they answered in the delivery log.
  absl::StatusOr<v1::RecordDeliveriesResponse> RecordDeliveries(
      const v1::RecordDeliveriesRequest& request);
  // For front doors: the service behind a webhook key (NOT_FOUND for an
  // unknown or revoked key). WebhookKeyCache (webhook_key_cache.h) caches it.
  absl::StatusOr<v1::ResolveWebhookKeyResponse> ResolveWebhookKey(
      const std::string& source, const std::string& webhook_key);
  // Calls `on_change` after each credential change the core commits, as
  // WatchIncidents calls on_message. `wait_for_ready`: wait for an
  // unreachable server instead of failing at once.
  absl::Status WatchWebhookCredentials(
      const std::function<bool(const v1::WebhookCredentialChange&)>& on_change,
      WatchCancellation* cancellation = nullptr, bool wait_for_ready = false);

  // True when the server's health check (grpc.health.v1, which needs no
  // token) answers SERVING within `wait` (readiness).
  bool IsReachable(absl::Duration wait);

 private:
  explicit AlertgateClient(const ConnectOptions& options);
  void AddChannel(std::shared_ptr<grpc::Channel> channel);
  void Prepare(grpc::ClientContext& context, bool with_deadline = true) const;
  // The stubs of the next channel in turn.
  v1::IncidentService::Stub& Incidents();
  v1::ServiceDirectory::Stub& Directory();
  v1::RulesService::Stub& Rules();
  template <typename Message>
  absl::Status Watch(
      grpc::ClientContext& context, WatchCancellation* cancellation,
      const std::function<std::unique_ptr<grpc::ClientReader<Message>>()>& open,
      const std::function<bool(const Message&)>& on_message);

  ConnectOptions options_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<v1::IncidentService::Stub>> incidents_;
  std::vector<std::unique_ptr<v1::ServiceDirectory::Stub>> directory_;
  std::vector<std::unique_ptr<v1::RulesService::Stub>> rules_;
  std::atomic<size_t> next_{0};
};

}  // namespace alertgate::client

#endif  // ALERTGATE_ALERTGATE_CLIENT_H_
