#include "server/grpc/rules_handler.h"

#include <optional>
#include <utility>
#include <vector>

#include "server/grpc/api_auth.h"
#include "server/grpc/proto_conversion.h"
#include "server/grpc/rule_conversion.h"
#include "server/grpc/status_conversion.h"
#include "server/model/alert_limits.h"
#include "server/model/errors.h"

namespace alertgate {

grpc::Status RulesHandler::GetRules(grpc::ServerContext* context,
                                    const v1::GetRulesRequest* request,
                                    v1::ServiceRules* response) {
  if (auto caller = CallerOf(*context, *access_, Permission::kRead);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<ServiceRules> rules = rules_->Get(request->service_id());
  if (!rules.ok()) return ToGrpcStatus(rules.status());
  ServiceRulesToProto(*rules, response);
  return grpc::Status::OK;
}

grpc::Status RulesHandler::SetRules(grpc::ServerContext* context,
                                    const v1::SetRulesRequest* request,
                                    v1::ServiceRules* response) {
  absl::StatusOr<Principal> caller =
      CallerOf(*context, *access_, Permission::kAdmin);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<std::vector<Rule>> rules = RulesFromProto(request->rules());
  if (!rules.ok()) return ToGrpcStatus(rules.status());
  absl::StatusOr<ServiceRules> saved = rules_->Set(
      request->service_id(), *std::move(rules),
      request->has_expected_revision() ? request->expected_revision() : -1,
      caller->name);
  if (!saved.ok()) return ToGrpcStatus(saved.status());
  ServiceRulesToProto(*saved, response);
  return grpc::Status::OK;
}

grpc::Status RulesHandler::TestRules(grpc::ServerContext* context,
                                     const v1::TestRulesRequest* request,
                                     v1::TestRulesResponse* response) {
  if (auto caller = CallerOf(*context, *access_, Permission::kRead);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<Alert> alert = AlertFromProto(request->alert());
  if (!alert.ok()) return ToGrpcStatus(alert.status());
  BoundAlert(*alert);
  std::optional<std::vector<Rule>> candidate;
  if (request->has_rules()) {
    absl::StatusOr<std::vector<Rule>> rules =
        RulesFromProto(request->rules().rules());
    if (!rules.ok()) return ToGrpcStatus(rules.status());
    candidate = *std::move(rules);
  }
  absl::StatusOr<RuleTrial> trial =
      rules_->Test(request->service_id(), *std::move(alert), candidate);
  if (!trial.ok()) return ToGrpcStatus(trial.status());
  RuleTrialToProto(*trial, response);
  return grpc::Status::OK;
}

grpc::Status RulesHandler::SetMaintenanceWindows(
    grpc::ServerContext* context,
    const v1::SetMaintenanceWindowsRequest* request,
    v1::ServiceRules* response) {
  absl::StatusOr<Principal> caller =
      CallerOf(*context, *access_, Permission::kAdmin);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<std::vector<MaintenanceWindow>> windows =
      MaintenanceFromProto(request->windows());
  if (!windows.ok()) return ToGrpcStatus(windows.status());
  absl::StatusOr<ServiceRules> saved = rules_->SetMaintenance(
      request->service_id(), *std::move(windows),
      request->has_expected_revision() ? request->expected_revision() : -1,
      caller->name);
  if (!saved.ok()) return ToGrpcStatus(saved.status());
  ServiceRulesToProto(*saved, response);
  return grpc::Status::OK;
}

grpc::Status RulesHandler::SetAutoResolve(
    grpc::ServerContext* context, const v1::SetAutoResolveRequest* request,
    v1::ServiceRules* response) {
  absl::StatusOr<Principal> caller =
      CallerOf(*context, *access_, Permission::kAdmin);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<ServiceRules> saved = rules_->SetAutoResolve(
      request->service_id(), AutoResolveFromProto(request->settings()),
      request->has_expected_revision() ? request->expected_revision() : -1,
      caller->name);
  if (!saved.ok()) return ToGrpcStatus(saved.status());
  ServiceRulesToProto(*saved, response);
  return grpc::Status::OK;
}

grpc::Status RulesHandler::PutWebhook(grpc::ServerContext* context,
                                      const v1::PutWebhookRequest* request,
                                      v1::ServiceRules* response) {
  absl::StatusOr<Principal> caller =
      CallerOf(*context, *access_, Permission::kAdmin);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<WebhookSubscription> webhook =
      WebhookFromProto(request->webhook());
  if (!webhook.ok()) return ToGrpcStatus(webhook.status());
  absl::StatusOr<ServiceRules> saved = rules_->PutWebhook(
      request->service_id(), *std::move(webhook),
      request->has_expected_revision() ? request->expected_revision() : -1,
      caller->name);
  if (!saved.ok()) return ToGrpcStatus(saved.status());
  ServiceRulesToProto(*saved, response, /*with_secrets=*/true);
  return grpc::Status::OK;
}

grpc::Status RulesHandler::RemoveWebhook(
    grpc::ServerContext* context, const v1::RemoveWebhookRequest* request,
    v1::ServiceRules* response) {
  absl::StatusOr<Principal> caller =
      CallerOf(*context, *access_, Permission::kAdmin);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<ServiceRules> saved = rules_->RemoveWebhook(
      request->service_id(), request->name(),
      request->has_expected_revision() ? request->expected_revision() : -1,
      caller->name);
  if (!saved.ok()) return ToGrpcStatus(saved.status());
  ServiceRulesToProto(*saved, response);
  return grpc::Status::OK;
}

grpc::Status RulesHandler::ListWebhookMessages(
    grpc::ServerContext* context, const v1::ListWebhookMessagesRequest* request,
    v1::ListWebhookMessagesResponse* response) {
  if (auto caller = CallerOf(*context, *access_, Permission::kRead);
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  std::optional<OutboundState> state;
  if (request->state() != v1::WEBHOOK_MESSAGE_STATE_UNSPECIFIED) {
    if (request->state() < v1::WEBHOOK_MESSAGE_STATE_PENDING ||
        request->state() > v1::WEBHOOK_MESSAGE_STATE_DEAD_LETTERED) {
      return ToGrpcStatus(errors::InvalidField("state", "not a state"));
    }
    state = static_cast<OutboundState>(request->state());
  }
  absl::StatusOr<OutboundPage> page =
      outbox_->List(request->service_id(), state, request->page_size(),
                    request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const OutboundMessage& message : page->messages) {
    WebhookMessageToProto(message, response->add_messages());
  }
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status RulesHandler::RedeliverWebhookMessage(
    grpc::ServerContext* context,
    const v1::RedeliverWebhookMessageRequest* request,
    v1::WebhookMessage* response) {
  absl::StatusOr<Principal> caller =
      CallerOf(*context, *access_, Permission::kOperate);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<OutboundMessage> message =
      outbox_->Redeliver(request->id(), caller->name);
  if (!message.ok()) return ToGrpcStatus(message.status());
  WebhookMessageToProto(*message, response);
  return grpc::Status::OK;
}

}  // namespace alertgate
