// Translation between the rules of the API (rules.proto) and the model's
// (server/model/rule.h): field mapping and enum range checks only; what a
// valid rule is, RuleSet::Compile decides.
#ifndef ALERTGATE_SERVER_GRPC_RULE_CONVERSION_H_
#define ALERTGATE_SERVER_GRPC_RULE_CONVERSION_H_

#include <vector>

#include "absl/status/statusor.h"
#include "alertgate/v1/rules.pb.h"
#include "server/core/rule_book.h"
#include "server/model/rule.h"

namespace alertgate {

// INVALID_ARGUMENT naming the rule and field for an unset or unknown field,
// operator or severity.
absl::StatusOr<std::vector<Rule>> RulesFromProto(
    const google::protobuf::RepeatedPtrField<v1::Rule>& protos);

// INVALID_ARGUMENT naming the window and field for a start that is not a
// local time ("2026-12-08T02:00") or an unknown repeat.
absl::StatusOr<std::vector<MaintenanceWindow>> MaintenanceFromProto(
    const google::protobuf::RepeatedPtrField<v1::MaintenanceWindow>& protos);
std::vector<AutoResolve> AutoResolveFromProto(
    const google::protobuf::RepeatedPtrField<v1::AutoResolve>& protos);

// INVALID_ARGUMENT naming the field for an unset or unknown event or
// format.
absl::StatusOr<WebhookSubscription> WebhookFromProto(
    const v1::WebhookSubscription& proto);

// Readers never see a webhook's secret: only admins who set one get
// `with_secrets` answers.
void ServiceRulesToProto(const ServiceRules& rules, v1::ServiceRules* proto,
                         bool with_secrets = false);
void WebhookMessageToProto(const OutboundMessage& message,
                           v1::WebhookMessage* proto);
void RuleTrialToProto(const RuleTrial& trial, v1::TestRulesResponse* proto);

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_GRPC_RULE_CONVERSION_H_
