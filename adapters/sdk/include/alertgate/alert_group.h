// Notifications in Prometheus Alertmanager's webhook format: one group of
// alerts, each firing or resolved and named by its fingerprint (a hash of
// its labels). Alertmanager sends it (version "4"); Grafana's webhook
// contact point sends it with fields added (version "1"), as do other tools
// built on Alertmanager's notifier. ConvertGroup() reads the notification
// and each alert's common fields; the plugin finishes each alert (links,
// summary when there is no summary annotation, rules of its own).
//
//   sdk::Conversion Convert(const sdk::Delivery& delivery) {
//     return sdk::alert_group::ConvertGroup(
//         delivery, {"4", "am-"},
//         [](const sdk::json::Json& item, sdk::alert_group::GroupAlert& read,
//            std::vector<sdk::Alert>& out) { out.push_back(read.alert); });
//   }
//
// Header-only: standard C++17 and simdjson, like json_fields.h.
#ifndef ALERTGATE_ALERT_GROUP_H_
#define ALERTGATE_ALERT_GROUP_H_

#include <string>
#include <utility>
#include <vector>

#include "alertgate/adapter_sdk.h"
#include "alertgate/json_fields.h"

namespace alertgate::sdk::alert_group {

// One alert of the notification, as read.
struct GroupAlert {
  // action from `status` (firing: kTrigger, resolved: kResolve), dedup_key
  // the `fingerprint`, summary `annotations.summary` (empty when absent),
  // description `annotations.description`, severity from `labels.severity`
  // (SeverityNamed), tags the labels, occurred_at `startsAt`, or `endsAt`
  // when resolved.
  Alert alert;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::pair<std::string, std::string>> annotations;
  std::string external_url;  // The notification's `externalURL`.
};

struct Format {
  const char* version;             // The `version` the plugin reads.
  const char* delivery_id_prefix;  // Of the body digest, e.g. "am-".
  // When set, a body it names (returns a message for) is refused with that
  // message before anything else is read: another format of the same tool.
  std::string (*other_format)(const json::Json& body) = nullptr;
};

// Alertmanager writes this for "not ended yet".
inline constexpr char kNotEnded[] = "0001-01-01T00:00:00Z";

inline GroupAlert ReadGroupAlert(const json::Json& item) {
  GroupAlert read;
  Alert& alert = read.alert;
  const std::string status = json::RequireString(item, {"status"});
  if (status == "firing") {
    alert.action = Action::kTrigger;
  } else if (status == "resolved") {
    alert.action = Action::kResolve;
  } else {
    throw PayloadError("alerts[].status: \"" + status +
                       "\" is not firing or resolved");
  }
  alert.dedup_key = json::RequireString(item, {"fingerprint"});
  read.labels = json::StringFields(item, {"labels"});
  read.annotations = json::StringFields(item, {"annotations"});
  alert.summary = json::ValueOf(read.annotations, "summary");
  alert.description = json::ValueOf(read.annotations, "description");
  alert.severity = SeverityNamed(json::ValueOf(read.labels, "severity"));
  alert.tags = read.labels;
  const std::string ends = json::String(item, {"endsAt"});
  alert.occurred_at_unix_micros = json::TimeMicros(
      item,
      {alert.action == Action::kResolve && ends != kNotEnded ? "endsAt"
                                                             : "startsAt"});
  return read;
}

// Converts a notification: the event is its `status` (firing, resolved, or
// "invalid"), the delivery id a digest of the body (these senders give none
// and retry with the same body), and each alert of `alerts` is read, then
// handed to `finish(const json::Json& item, GroupAlert& read,
// std::vector<Alert>& out)`, which appends what it becomes.
template <typename Finish>
Conversion ConvertGroup(const Delivery& delivery, const Format& format,
                        Finish&& finish) {
  std::string error;
  const std::optional<json::Json> parsed = json::Parse(delivery.body(), &error);
  if (!parsed) {
    return Conversion::BadPayload("invalid",
                                  "body is not valid JSON: " + error);
  }
  const json::Json body = *parsed;
  std::string event = json::String(body, {"status"});
  if (event != "firing" && event != "resolved") event = "invalid";
  return json::ConvertOrRefuse(event, [&] {
    if (format.other_format != nullptr) {
      std::string other = format.other_format(body);
      if (!other.empty()) return Conversion::BadPayload(event, other);
    }
    const std::string version = json::RequireString(body, {"version"});
    if (version != format.version) {
      return Conversion::BadPayload(
          event, "version: \"" + version + "\" is not " + format.version +
                     ", the webhook format this plugin reads");
    }
    if (event == "invalid")
      throw PayloadError("status: not firing or resolved");
    const std::string external_url = json::String(body, {"externalURL"});
    std::vector<Alert> alerts;
    for (json::Json item : json::RequireArray(body, {"alerts"})) {
      if (!item.is_object()) throw PayloadError("alerts[]: not an object");
      GroupAlert read = ReadGroupAlert(item);
      read.external_url = external_url;
      finish(item, read, alerts);
    }
    Conversion conversion =
        alerts.empty()
            ? Conversion::Ignored(event, "the notification has no alerts")
            : Conversion::Alerts(event, std::move(alerts));
    conversion.delivery_id =
        format.delivery_id_prefix + BodyDigest(delivery.body());
    return conversion;
  });
}

}  // namespace alertgate::sdk::alert_group

#endif  // ALERTGATE_ALERT_GROUP_H_
