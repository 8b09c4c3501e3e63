#include "server/core/service_catalog.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/model/errors.h"
#include "server/model/status_macros.h"
#include "server/model/validation.h"
#include "server/model/webhook_key.h"

namespace alertgate {

ServiceCatalog::ServiceCatalog(IncidentStore* store, const Clock* clock,
                               IdGenerator* ids)
    : store_(store), clock_(clock), ids_(ids) {}

absl::StatusOr<Service> ServiceCatalog::CreateService(
    const std::string& name, const std::string& description,
    const std::string& actor) {
  AG_RETURN_IF_ERROR(ValidateName("name", name));
  if (description.size() > kMaxSummaryBytes) {
    return errors::InvalidField("description", "longer than 1024 bytes");
  }
  Service service{ids_->NewId(), name, description, clock_->Now()};
  AG_RETURN_IF_ERROR(store_->Write([&](StoreTransaction& tx) -> absl::Status {
    AG_RETURN_IF_ERROR(tx.InsertService(service));
    return tx
        .AppendAudit({0, service.created_at, actor, "service.create", name,
                      absl::StrCat("id ", service.id)})
        .status();
  }));
  return service;
}

absl::StatusOr<Service> ServiceCatalog::GetService(const std::string& id) {
  if (id.empty()) return errors::InvalidField("id", "required");
  AG_ASSIGN_OR_RETURN(std::optional<Service> service, store_->GetService(id));
  if (!service) return errors::ServiceNotFound(id);
  return *std::move(service);
}

absl::StatusOr<Service> ServiceCatalog::GetServiceByName(
    const std::string& name) {
  if (name.empty()) return errors::InvalidField("name", "required");
  AG_ASSIGN_OR_RETURN(std::optional<Service> service,
                      store_->GetServiceByName(name));
  if (!service) return errors::ServiceNotFound(name);
  return *std::move(service);
}

absl::StatusOr<ServicePage> ServiceCatalog::ListServices(
    int page_size, const std::string& page_token) {
  if (page_size < 0) {
    return errors::InvalidField("page_size", "must not be negative");
  }
  if (page_size == 0) page_size = kDefaultPageSize;
  page_size = std::min(page_size, kMaxPageSize);
  AG_ASSIGN_OR_RETURN(std::vector<Service> services,
                      store_->ListServices(page_token, page_size + 1));
  ServicePage page;
  if (static_cast<int>(services.size()) > page_size) {
    services.resize(page_size);
    page.next_page_token = services.back().name;
  }
  page.services = std::move(services);
  return page;
}

absl::StatusOr<IssuedWebhookKey> ServiceCatalog::IssueWebhookKey(
    const std::string& service_id, const std::string& source,
    const std::string& actor) {
  if (service_id.empty()) return errors::InvalidField("service_id", "required");
  AG_RETURN_IF_ERROR(ValidateName("source", source));
  AG_ASSIGN_OR_RETURN(std::string key, GenerateWebhookKey());
  AG_RETURN_IF_ERROR(store_->Write([&](StoreTransaction& tx) -> absl::Status {
    AG_ASSIGN_OR_RETURN(std::optional<Service> service,
                        tx.FindService(service_id));
    if (!service) return errors::ServiceNotFound(service_id);
    AG_ASSIGN_OR_RETURN(std::optional<WebhookCredential> previous,
                        tx.FindWebhookCredential(service_id, source));
    // Replacing the row replaces the hash: the old key stops working in the
    // same commit that makes the new one work.
    const absl::Time now = clock_->Now();
    AG_RETURN_IF_ERROR(tx.PutWebhookCredential(
        WebhookCredential{service_id, source, HashWebhookKey(key),
                          previous ? previous->secret : std::string(), now}));
    const bool rotated = previous && !previous->key_hash.empty();
    return tx
        .AppendAudit({0, now, actor,
                      rotated ? "webhook_key.rotate" : "webhook_key.issue",
                      absl::StrCat(service->name, "/", source),
                      rotated ? "the previous key stopped working" : ""})
        .status();
  }));
  credential_changes_.Advance();
  AG_ASSIGN_OR_RETURN(AlertSourceStatus status,
                      GetAlertSource(service_id, source));
  IssuedWebhookKey issued{key, std::move(status), WebhookPath(source, key), ""};
  const std::string base = public_base_url();
  if (!base.empty()) issued.webhook_url = base + issued.webhook_path;
  return issued;
}

std::string WebhookPath(const std::string& source, const std::string& key) {
  return absl::StrCat("/v1/webhooks/", source, "/", key);
}

void ServiceCatalog::SetPublicBaseUrl(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  absl::MutexLock lock(&url_mu_);
  public_base_url_ = std::move(url);
}

std::string ServiceCatalog::public_base_url() {
  absl::MutexLock lock(&url_mu_);
  return public_base_url_;
}

absl::StatusOr<AlertSourceStatus> ServiceCatalog::SetWebhookSecret(
    const std::string& service_id, const std::string& source,
    const std::string& secret, const std::string& actor) {
  if (service_id.empty()) return errors::InvalidField("service_id", "required");
  AG_RETURN_IF_ERROR(ValidateName("source", source));
  if (secret.size() > kMaxKeyBytes) {
    return errors::InvalidField("secret", "longer than 255 bytes");
  }
  AG_RETURN_IF_ERROR(store_->Write([&](StoreTransaction& tx) -> absl::Status {
    AG_ASSIGN_OR_RETURN(std::optional<Service> service,
                        tx.FindService(service_id));
    if (!service) return errors::ServiceNotFound(service_id);
    AG_ASSIGN_OR_RETURN(std::optional<WebhookCredential> credential,
                        tx.FindWebhookCredential(service_id, source));
    if (!credential) {
      // A secret before any key: the credential exists, without a key yet.
      credential = WebhookCredential{service_id, source, "", "", clock_->Now()};
    }
    credential->secret = secret;
    AG_RETURN_IF_ERROR(tx.PutWebhookCredential(*credential));
    // The secret itself is never logged.
    return tx
        .AppendAudit(
            {0, clock_->Now(), actor,
             secret.empty() ? "webhook_secret.clear" : "webhook_secret.set",
             absl::StrCat(service->name, "/", source), ""})
        .status();
  }));
  credential_changes_.Advance();
  return GetAlertSource(service_id, source);
}

absl::StatusOr<ResolvedWebhookKey> ServiceCatalog::ResolveWebhookKey(
    const std::string& source, const std::string& webhook_key) {
  AG_RETURN_IF_ERROR(ValidateName("source", source));
  if (!IsWellFormedWebhookKey(webhook_key)) {
    return errors::InvalidField("webhook_key",
                                "not a key alertgate issued (48 hex digits)");
  }
  const std::string hash = HashWebhookKey(webhook_key);
  AG_ASSIGN_OR_RETURN(std::optional<WebhookCredential> credential,
                      store_->FindWebhookCredentialByKeyHash(source, hash));
  if (!credential || !ConstantTimeEquals(credential->key_hash, hash)) {
    return errors::WebhookKeyUnknown(source);
  }
  AG_ASSIGN_OR_RETURN(Service service, GetService(credential->service_id));
  return ResolvedWebhookKey{std::move(service), credential->secret};
}

absl::StatusOr<std::vector<AlertSourceStatus>> ServiceCatalog::ListAlertSources(
    const std::string& service_id) {
  AG_ASSIGN_OR_RETURN(Service service, GetService(service_id));
  AG_ASSIGN_OR_RETURN(std::vector<WebhookCredential> credentials,
                      store_->ListWebhookCredentials(service.id));
  AG_ASSIGN_OR_RETURN(std::vector<SourceActivity> activity,
                      store_->ListSourceActivity(service.id));
  const absl::Time now = clock_->Now();
  std::map<std::string, AlertSourceStatus> by_source;
  for (const WebhookCredential& c : credentials) {
    AlertSourceStatus& status = by_source[c.source];
    status.service_id = service.id;
    status.source = c.source;
    status.has_webhook_key = !c.key_hash.empty();
    status.has_webhook_secret = !c.secret.empty();
    if (status.has_webhook_key) status.webhook_key_issued_at = c.issued_at;
  }
  for (const SourceActivity& a : activity) {
    AlertSourceStatus& status = by_source[a.source];
    status.service_id = service.id;
    status.source = a.source;
    status.last_alert_at = a.last_alert_at;
    status.last_incident_at = a.last_incident_at;
    status.receiving_alerts =
        a.last_incident_at && now - *a.last_incident_at <= kReceivingWindow;
  }
  std::vector<AlertSourceStatus> result;
  for (auto& [name, status] : by_source) result.push_back(std::move(status));
  return result;
}

absl::StatusOr<std::map<std::string, OpenIncidentCount>>
ServiceCatalog::OpenIncidentCounts() {
  AG_ASSIGN_OR_RETURN(std::vector<OpenIncidentCount> counts,
                      store_->CountOpenIncidents());
  std::map<std::string, OpenIncidentCount> by_service;
  for (OpenIncidentCount& count : counts) {
    by_service[count.service_id] = std::move(count);
  }
  return by_service;
}

absl::StatusOr<std::string> ServiceCatalog::WebhookSecretOf(
    const std::string& service_id, const std::string& source) {
  AG_ASSIGN_OR_RETURN(std::vector<WebhookCredential> credentials,
                      store_->ListWebhookCredentials(service_id));
  for (const WebhookCredential& credential : credentials) {
    if (credential.source == source) return credential.secret;
  }
  return std::string();
}

absl::StatusOr<AlertSourceStatus> ServiceCatalog::GetAlertSource(
    const std::string& service_id, const std::string& source) {
  AG_ASSIGN_OR_RETURN(std::vector<AlertSourceStatus> sources,
                      ListAlertSources(service_id));
  for (AlertSourceStatus& status : sources) {
    if (status.source == source) return std::move(status);
  }
  AlertSourceStatus empty;
  empty.service_id = service_id;
  empty.source = source;
  return empty;
}

}  // namespace alertgate
