#include "server/console/api_bridge.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace alertgate::console {
namespace {

namespace v1 = ::alertgate::v1;
using client::AlertgateClient;

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return 503;
    default:
      return 500;
  }
}

// A method taking `Request` (parsed from JSON) and answering what `call`
// returns (printed as JSON).
template <typename Request, typename Call>
std::function<absl::StatusOr<std::string>(AlertgateClient&, const std::string&)>
Bridge(Call call) {
  return [call](AlertgateClient& api,
                const std::string& json) -> absl::StatusOr<std::string> {
    Request request;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    const auto parsed = google::protobuf::util::JsonStringToMessage(
        json.empty() ? "{}" : json, &request, options);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the body is not a ", Request::descriptor()->name(),
                       ": ", parsed.ToString()));
    }
    auto answer = call(api, request);
    if (!answer.ok()) return answer.status();
    return MessageToJson(*answer);
  };
}

}  // namespace

std::string MessageToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    return "{}";
  }
  return json;
}

JsonAnswer ErrorAnswer(const absl::Status& status) {
  const nlohmann::json body = {
      {"error",
       {{"code", absl::StatusCodeToString(status.code())},
        {"message", std::string(status.message())}}}};
  // Core messages are ours, but a replace keeps bad UTF-8 from throwing.
  return {HttpStatusOf(status.code()),
          body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

ApiBridge::ApiBridge() {
  methods_["GetCaller"] = Bridge<v1::GetCallerRequest>(
      [](AlertgateClient& api, const v1::GetCallerRequest&) {
        return api.GetCaller();
      });
  methods_["ListServices"] = Bridge<v1::ListServicesRequest>(
      [](AlertgateClient& api, const v1::ListServicesRequest& r) {
        return api.ListServices(r.page_size(), r.page_token());
      });
  methods_["GetService"] = Bridge<v1::GetServiceRequest>(
      [](AlertgateClient& api, const v1::GetServiceRequest& r) {
        return api.FindService(r.has_id() ? r.id() : r.name());
      });
  methods_["ListSourcePlugins"] = Bridge<v1::ListSourcePluginsRequest>(
      [](AlertgateClient& api, const v1::ListSourcePluginsRequest&) {
        return api.ListSourcePlugins();
      });
  methods_["ListAlertSources"] = Bridge<v1::ListAlertSourcesRequest>(
      [](AlertgateClient& api, const v1::ListAlertSourcesRequest& r) {
        return api.ListAlertSources(r.service_id());
      });
  methods_["IssueWebhookKey"] = Bridge<v1::IssueWebhookKeyRequest>(
      [](AlertgateClient& api, const v1::IssueWebhookKeyRequest& r) {
        return api.IssueWebhookKey(r.service_id(), r.source());
      });
  methods_["SendTestAlert"] = Bridge<v1::SendTestAlertRequest>(
      [](AlertgateClient& api, const v1::SendTestAlertRequest& r) {
        return api.SendTestAlert(r.service_id(), r.source());
      });
  methods_["ListDeliveries"] = Bridge<v1::ListDeliveriesRequest>(
      [](AlertgateClient& api, const v1::ListDeliveriesRequest& r) {
        return api.ListDeliveries(r.service_id(), r.source(), r.page_size(),
                                  r.page_token());
      });
  methods_["GetDelivery"] = Bridge<v1::GetDeliveryRequest>(
      [](AlertgateClient& api, const v1::GetDeliveryRequest& r) {
        return api.GetDelivery(r.id());
      });
  methods_["ReplayDelivery"] = Bridge<v1::ReplayDeliveryRequest>(
      [](AlertgateClient& api, const v1::ReplayDeliveryRequest& r) {
        return api.ReplayDelivery(r.id());
      });
  methods_["GetRules"] = Bridge<v1::GetRulesRequest>(
      [](AlertgateClient& api, const v1::GetRulesRequest& r) {
        return api.GetRules(r.service_id());
      });
  methods_["SetRules"] = Bridge<v1::SetRulesRequest>(
      [](AlertgateClient& api, const v1::SetRulesRequest& r) {
        return api.SetRules(
            r.service_id(), r.rules(),
            r.has_expected_revision() ? r.expected_revision() : -1);
      });
  methods_["TestRules"] = Bridge<v1::TestRulesRequest>(
      [](AlertgateClient& api, const v1::TestRulesRequest& r) {
        return api.TestRules(r);
      });
  methods_["PutWebhook"] = Bridge<v1::PutWebhookRequest>(
      [](AlertgateClient& api, const v1::PutWebhookRequest& r) {
        return api.PutWebhook(r);
      });
  methods_["RemoveWebhook"] = Bridge<v1::RemoveWebhookRequest>(
      [](AlertgateClient& api, const v1::RemoveWebhookRequest& r) {
        return api.RemoveWebhook(r);
      });
  methods_["ListWebhookMessages"] = Bridge<v1::ListWebhookMessagesRequest>(
      [](AlertgateClient& api, const v1::ListWebhookMessagesRequest& r) {
        return api.ListWebhookMessages(r);
      });
  methods_["RedeliverWebhookMessage"] =
      Bridge<v1::RedeliverWebhookMessageRequest>(
          [](AlertgateClient& api,
             const v1::RedeliverWebhookMessageRequest& r) {
            return api.RedeliverWebhookMessage(r.id());
          });
  methods_["ListIncidents"] = Bridge<v1::ListIncidentsRequest>(
      [](AlertgateClient& api, const v1::ListIncidentsRequest& r) {
        return api.ListIncidents(r);
      });
  methods_["GetIncident"] = Bridge<v1::GetIncidentRequest>(
      [](AlertgateClient& api, const v1::GetIncidentRequest& r) {
        return api.GetIncident(r.id(), r.timeline_page_size(),
                               r.timeline_page_token());
      });
  methods_["AcknowledgeIncident"] = Bridge<v1::AcknowledgeIncidentRequest>(
      [](AlertgateClient& api, const v1::AcknowledgeIncidentRequest& r) {
        return api.AcknowledgeIncident(r.id(), r.actor(), r.note());
      });
  methods_["ResolveIncident"] = Bridge<v1::ResolveIncidentRequest>(
      [](AlertgateClient& api, const v1::ResolveIncidentRequest& r) {
        return api.ResolveIncident(r.id(), r.actor(), r.note());
      });
}

JsonAnswer ApiBridge::Call(const std::string& method,
                           client::AlertgateClient& api,
                           const std::string& json) const {
  auto it = methods_.find(method);
  if (it == methods_.end()) {
    return ErrorAnswer(absl::NotFoundError(
        absl::StrCat("the console offers no method ", method)));
  }
  absl::StatusOr<std::string> answer = it->second(api, json);
  if (!answer.ok()) return ErrorAnswer(answer.status());
  return {200, *std::move(answer)};
}

}  // namespace alertgate::console
