// ServiceCatalog: services, their alert sources' webhook credentials, and
// whether each source is receiving alerts.
//
// Thread safety: all methods are safe to call concurrently.
#ifndef ALERTGATE_SERVER_CORE_SERVICE_CATALOG_H_
#define ALERTGATE_SERVER_CORE_SERVICE_CATALOG_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/common/clock.h"
#include "server/core/id_generator.h"
#include "server/model/incident_model.h"
#include "server/store/incident_store.h"
#include "server/store/sequence_notifier.h"

namespace alertgate {

// One alert source of one service, and how it has been doing.
struct AlertSourceStatus {
  std::string service_id;
  std::string source;
  bool has_webhook_key = false;
  bool has_webhook_secret = false;
  std::optional<absl::Time> webhook_key_issued_at;
  std::optional<absl::Time> last_alert_at;
  std::optional<absl::Time> last_incident_at;
  bool receiving_alerts = false;
};

struct IssuedWebhookKey {
  std::string webhook_key;  // Shown once; only its hash is stored.
  AlertSourceStatus status;
  std::string webhook_path;  // /v1/webhooks/<source>/<key>
  std::string webhook_url;   // Empty while no public base URL is set.
};

// Where senders post deliveries for (source, key): the front door's route.
std::string WebhookPath(const std::string& source, const std::string& key);

struct ResolvedWebhookKey {
  Service service;
  std::string webhook_secret;  // Empty when none is set.
};

struct ServicePage {
  std::vector<Service> services;
  std::string next_page_token;
};

class ServiceCatalog {
 public:
  // A source is receiving alerts while its last incident is this recent.
  static constexpr absl::Duration kReceivingWindow = absl::Hours(24 * 30);
  static constexpr int kDefaultPageSize = 100;
  static constexpr int kMaxPageSize = 1000;

  // REQUIRES: every argument outlives the catalog.
  ServiceCatalog(IncidentStore* store, const Clock* clock, IdGenerator* ids);

  // Who changes the directory, for the audit log, when no caller is named.
  static constexpr char kSystemActor[] = "alertgate";

  // ALREADY_EXISTS if the name is taken; INVALID_ARGUMENT for a bad name.
  // Every change below is recorded in the audit log as done by `actor`.
  absl::StatusOr<Service> CreateService(
      const std::string& name, const std::string& description,
      const std::string& actor = kSystemActor);
  absl::StatusOr<Service> GetService(const std::string& id);
  absl::StatusOr<Service> GetServiceByName(const std::string& name);
  absl::StatusOr<ServicePage> ListServices(int page_size,
                                           const std::string& page_token);

  // Issues a new key for (service, source), revoking the previous one. Keeps
  // the webhook secret.
  absl::StatusOr<IssuedWebhookKey> IssueWebhookKey(
      const std::string& service_id, const std::string& source,
      const std::string& actor = kSystemActor);
  // Sets the secret deliveries must be signed with; empty clears it.
  absl::StatusOr<AlertSourceStatus> SetWebhookSecret(
      const std::string& service_id, const std::string& source,
      const std::string& secret, const std::string& actor = kSystemActor);
  // NOT_FOUND for an unknown or revoked key, INVALID_ARGUMENT for a key of
  // the wrong shape (no store lookup is made for those).
  absl::StatusOr<ResolvedWebhookKey> ResolveWebhookKey(
      const std::string& source, const std::string& webhook_key);

  // How senders reach the front doors, e.g. "https://alerts.example.com";
  // issued keys come with a full URL once it is set. Empty: unknown.
  void SetPublicBaseUrl(std::string url);
  std::string public_base_url();

  // Counts credential changes (keys issued, secrets set) since start, so
  // that front doors can drop cached key resolutions at once.
  int64_t CredentialGeneration() { return credential_changes_.Last(); }
  // Waits until CredentialGeneration() > `generation`, the catalog stops
  // its watches, or `timeout`; true when it grew.
  bool WaitForCredentialChange(int64_t generation, absl::Duration timeout) {
    return credential_changes_.WaitAfter(generation, timeout);
  }
  // Wakes and ends every credential watch (the server is stopping).
  void StopCredentialWatches() { credential_changes_.Close(); }
  bool CredentialWatchesStopped() { return credential_changes_.IsClosed(); }

  // Every source with a credential or activity for the service, by name.
  absl::StatusOr<std::vector<AlertSourceStatus>> ListAlertSources(
      const std::string& service_id);
  absl::StatusOr<AlertSourceStatus> GetAlertSource(
      const std::string& service_id, const std::string& source);
  // Open incidents by service id (services with none are absent).
  absl::StatusOr<std::map<std::string, OpenIncidentCount>> OpenIncidentCounts();
  // The webhook secret of (service, source) now; empty when none is set.
  absl::StatusOr<std::string> WebhookSecretOf(const std::string& service_id,
                                              const std::string& source);

 private:
  IncidentStore* store_;
  const Clock* clock_;
  IdGenerator* ids_;
  SequenceNotifier credential_changes_{0};
  absl::Mutex url_mu_;
  std::string public_base_url_ ABSL_GUARDED_BY(url_mu_);
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_SERVICE_CATALOG_H_
