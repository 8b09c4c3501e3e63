// CoreApi: the calls of alertgate's public gRPC API a front door makes, and
// nothing else. The front door is written against this interface, so that
// ClientCoreApi (the C++ client library) serves in production and a fake in
// unit tests; nothing here knows how the core is built.
//
// Thread safety: implementations are called concurrently.
#ifndef ALERTGATE_SERVER_FRONTDOOR_CORE_API_H_
#define ALERTGATE_SERVER_FRONTDOOR_CORE_API_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "alertgate/v1/incident_service.pb.h"
#include "alertgate/v1/service_directory.pb.h"

namespace alertgate {

// The service a webhook key belongs to.
struct WebhookTarget {
  std::string service_id;
  std::string service_name;
  std::string webhook_secret;  // Empty: no signature required.
};

class CoreApi {
 public:
  virtual ~CoreApi() = default;

  // NOT_FOUND (unknown or revoked key), INVALID_ARGUMENT (malformed key),
  // UNAVAILABLE / DEADLINE_EXCEEDED (core unreachable).
  virtual absl::StatusOr<WebhookTarget> ResolveWebhookKey(
      const std::string& source, const std::string& key) = 0;
  // One alert (with, from the front door, the delivery it came from for the
  // delivery log: recorded in the alert's transaction).
  virtual absl::StatusOr<v1::IngestAlertResponse> IngestAlert(
      const v1::IngestAlertRequest& request) = 0;
  // Several alerts in one call and one transaction (all or none).
  virtual absl::StatusOr<v1::IngestAlertsResponse> IngestAlerts(
      const v1::IngestAlertsRequest& request) = 0;
  // Records deliveries in the core's delivery log.
  virtual absl::Status RecordDeliveries(
      const v1::RecordDeliveriesRequest& request) = 0;
  // True when the core answers a small call within `wait` (readiness).
  virtual bool IsReachable(absl::Duration wait) = 0;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_FRONTDOOR_CORE_API_H_
