// Translation between the API's protobuf messages and the core's domain
// values. No logic beyond field mapping and enum range checks lives here.
#ifndef ALERTGATE_SERVER_GRPC_PROTO_CONVERSION_H_
#define ALERTGATE_SERVER_GRPC_PROTO_CONVERSION_H_

#include <vector>

#include "absl/status/statusor.h"
#include "alertgate/v1/incident.pb.h"
#include "alertgate/v1/incident_service.pb.h"
#include "alertgate/v1/service_directory.pb.h"
#include "server/core/incident_core.h"
#include "server/core/service_catalog.h"
#include "server/model/api_token.h"
#include "server/model/delivery.h"
#include "server/model/incident_model.h"

namespace alertgate {

// INVALID_ARGUMENT for an unset or unknown action or severity.
absl::StatusOr<Alert> AlertFromProto(const v1::Alert& proto);
void AlertToProto(const Alert& alert, v1::Alert* proto);
void TimeToProto(absl::Time time, google::protobuf::Timestamp* proto);

// INVALID_ARGUMENT for an unset or unknown state.
absl::StatusOr<IncidentFilter> FilterFromProto(
    const v1::ListIncidentsRequest& request);

void IncidentToProto(const Incident& incident, v1::Incident* proto);
// Every field but the content the incident's alerts carry (summary,
// description, severity, tags, links): INGEST_VIEW_BASIC.
void IncidentBasicsToProto(const Incident& incident, v1::Incident* proto);
void EventToProto(const IncidentEvent& event, v1::IncidentEvent* proto);
// The incident as much as `view` asks (FULL, BASIC; UNSPECIFIED is FULL).
void IngestResultToProto(const IngestResult& result, v1::IngestView view,
                         v1::IngestAlertResponse* proto);
void ServiceToProto(const Service& service, v1::Service* proto);
void SourceStatusToProto(const AlertSourceStatus& status,
                         v1::AlertSourceStatus* proto);
void ApiTokenToProto(const ApiToken& token, v1::ApiToken* proto);
void AuditEntryToProto(const AuditEntry& entry, v1::AuditEntry* proto);
// The delivery log's entries; the same numbers for the outcome in both.
void DeliveryToProto(const Delivery& delivery, v1::Delivery* proto);
Delivery DeliveryFromProto(const v1::Delivery& proto);
// Adds the kept request (headers and body) of `delivery`, if any.
void KeptRequestToProto(const Delivery& delivery, v1::Delivery* proto);

// The API's enum for a domain value and back; used by clients too.
v1::IncidentState StateToProto(IncidentState state);
absl::StatusOr<IncidentState> StateFromProto(int state);
absl::StatusOr<Action> ActionFromProto(int action);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_GRPC_PROTO_CONVERSION_H_
