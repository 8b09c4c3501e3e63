#include "server/grpc/incident_service_handler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "server/grpc/api_auth.h"
#include "server/grpc/proto_conversion.h"
#include "server/grpc/status_conversion.h"
#include "server/model/errors.h"

namespace alertgate {
namespace {

// The delivery an ingest request carries for the delivery log, if any.
template <typename Request>
std::optional<Delivery> DeliveryOf(const Request& request) {
  if (!request.has_delivery()) return std::nullopt;
  return DeliveryFromProto(request.delivery());
}

// The answer's view, when this server knows it.
template <typename Request>
absl::Status CheckView(const Request& request) {
  if (v1::IngestView_IsValid(request.view())) return absl::OkStatus();
  return errors::InvalidField(
      "view", absl::StrCat("unknown value ", request.view(),
                           "; INGEST_VIEW_FULL or INGEST_VIEW_BASIC"));
}

}  // namespace

grpc::ServerUnaryReactor* IncidentServiceHandler::IngestAlert(
    grpc::CallbackServerContext* context, const v1::IngestAlertRequest* request,
    v1::IngestAlertResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (auto caller = CallerOf(*context, *access_, Permission::kIngest);
      !caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  if (!request->has_alert()) {
    reactor->Finish(ToGrpcStatus(errors::InvalidField("alert", "required")));
    return reactor;
  }
  if (absl::Status view = CheckView(*request); !view.ok()) {
    reactor->Finish(ToGrpcStatus(view));
    return reactor;
  }
  absl::StatusOr<Alert> alert = AlertFromProto(request->alert());
  if (!alert.ok()) {
    reactor->Finish(ToGrpcStatus(alert.status()));
    return reactor;
  }
  // `response` lives until Finish(); the callback runs once, after commit.
  core_->IngestAsync(
      *std::move(alert),
      [reactor, response,
       view = request->view()](absl::StatusOr<IngestResult> result) {
        if (result.ok()) IngestResultToProto(*result, view, response);
        reactor->Finish(ToGrpcStatus(result.status()));
      },
      DeliveryOf(*request));
  return reactor;
}

grpc::ServerUnaryReactor* IncidentServiceHandler::IngestAlerts(
    grpc::CallbackServerContext* context,
    const v1::IngestAlertsRequest* request,
    v1::IngestAlertsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (auto caller = CallerOf(*context, *access_, Permission::kIngest);
      !caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  if (absl::Status view = CheckView(*request); !view.ok()) {
    reactor->Finish(ToGrpcStatus(view));
    return reactor;
  }
  std::vector<Alert> alerts;
  alerts.reserve(request->alerts_size());
  for (int i = 0; i < request->alerts_size(); ++i) {
    absl::StatusOr<Alert> alert = AlertFromProto(request->alerts(i));
    if (!alert.ok()) {
      reactor->Finish(ToGrpcStatus(absl::Status(
          alert.status().code(),
          absl::StrCat("alerts[", i, "]: ", alert.status().message()))));
      return reactor;
    }
    alerts.push_back(*std::move(alert));
  }
  core_->IngestBatchAsync(
      std::move(alerts),
      [reactor, response, view = request->view()](
          absl::StatusOr<std::vector<IngestResult>> results) {
        if (results.ok()) {
          for (const IngestResult& result : *results) {
            IngestResultToProto(result, view, response->add_results());
          }
        }
        reactor->Finish(ToGrpcStatus(results.status()));
      },
      DeliveryOf(*request));
  return reactor;
}

grpc::Status IncidentServiceHandler::GetIncident(
    grpc::ServerContext* context, const v1::GetIncidentRequest* request,
    v1::GetIncidentResponse* response) {
  if (auto caller = CallerOf(*context, *access_, Permission::kRead);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  response->set_log_sequence(store_->LastCommittedSequence());
  absl::StatusOr<IncidentWithTimeline> got =
      core_->GetIncident(request->id(), request->timeline_page_size(),
                         request->timeline_page_token());
  if (!got.ok()) return ToGrpcStatus(got.status());
  IncidentToProto(got->incident, response->mutable_incident());
  for (const IncidentEvent& event : got->timeline) {
    EventToProto(event, response->add_timeline());
  }
  response->set_next_timeline_page_token(got->next_timeline_page_token);
  return grpc::Status::OK;
}

grpc::Status IncidentServiceHandler::ListIncidents(
    grpc::ServerContext* context, const v1::ListIncidentsRequest* request,
    v1::ListIncidentsResponse* response) {
  if (auto caller = CallerOf(*context, *access_, Permission::kRead);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<IncidentFilter> filter = FilterFromProto(*request);
  if (!filter.ok()) return ToGrpcStatus(filter.status());
  // Read before the list: a change after it is in the list, the watch, or
  // both, never in neither.
  response->set_log_sequence(store_->LastCommittedSequence());
  absl::StatusOr<IncidentPage> page = core_->ListIncidents(
      *filter, request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const Incident& incident : page->incidents) {
    IncidentToProto(incident, response->add_incidents());
  }
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status IncidentServiceHandler::AcknowledgeIncident(
    grpc::ServerContext* context, const v1::AcknowledgeIncidentRequest* request,
    v1::AcknowledgeIncidentResponse* response) {
  absl::StatusOr<Principal> caller =
      CallerOf(*context, *access_, Permission::kOperate);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<ApiActionResult> result = core_->Acknowledge(
      request->id(), ActorOf(*caller, request->actor()), request->note());
  if (!result.ok()) return ToGrpcStatus(result.status());
  IncidentToProto(result->incident, response->mutable_incident());
  response->set_changed(result->changed);
  response->set_sequence(result->sequence);
  return grpc::Status::OK;
}

grpc::Status IncidentServiceHandler::ResolveIncident(
    grpc::ServerContext* context, const v1::ResolveIncidentRequest* request,
    v1::ResolveIncidentResponse* response) {
  absl::StatusOr<Principal> caller =
      CallerOf(*context, *access_, Permission::kOperate);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<ApiActionResult> result = core_->Resolve(
      request->id(), ActorOf(*caller, request->actor()), request->note());
  if (!result.ok()) return ToGrpcStatus(result.status());
  IncidentToProto(result->incident, response->mutable_incident());
  response->set_changed(result->changed);
  response->set_sequence(result->sequence);
  return grpc::Status::OK;
}

grpc::ServerWriteReactor<v1::WatchIncidentsResponse>*
IncidentServiceHandler::WatchIncidents(
    grpc::CallbackServerContext* context,
    const v1::WatchIncidentsRequest* request) {
  absl::StatusOr<Principal> caller =
      CallerOf(*context, *access_, Permission::kRead);
  return watches_.Open(
      *request, caller.ok() ? grpc::Status::OK : ToGrpcStatus(caller.status()));
}

}  // namespace alertgate
