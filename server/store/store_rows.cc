#include "server/store/store_rows.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "server/model/errors.h"
#include "simdjson.h"

namespace alertgate {

std::vector<IncidentState> StatesToList(
    const std::vector<IncidentState>& filter) {
  std::vector<IncidentState> states = filter;
  if (states.empty()) {
    states = {IncidentState::kTriggered, IncidentState::kAcknowledged,
              IncidentState::kResolved, IncidentState::kSuppressed};
  }
  std::sort(states.begin(), states.end());
  states.erase(std::unique(states.begin(), states.end()), states.end());
  return states;
}

void MergeNewestFirst(std::vector<Incident>& rows, int limit) {
  std::sort(rows.begin(), rows.end(),
            [](const Incident& a, const Incident& b) { return a.id > b.id; });
  if (static_cast<int>(rows.size()) > limit) rows.resize(limit);
}

std::string EncodeTags(const Tags& tags) { return nlohmann::json(tags).dump(); }

std::string EncodeLinks(const std::vector<Link>& links) {
  nlohmann::json array = nlohmann::json::array();
  for (const Link& link : links) {
    array.push_back({{"href", link.href}, {"text", link.text}});
  }
  return array.dump();
}

// Read with every change of an incident: simdjson builds no tree of
// allocations (issue 18 measured 41,000 instructions per incident read with
// nlohmann::json, 7,000 with this).
absl::Status DecodeTagsAndLinks(const std::string& tags_json,
                                const std::string& links_json,
                                Incident& incident) {
  // One parser per thread, reused: its buffers grow to the largest row
  // read and are not allocated again.
  thread_local simdjson::dom::parser parser;
  try {
    simdjson::dom::object tags = parser.parse(tags_json).get_object();
    for (simdjson::dom::key_value_pair tag : tags) {
      incident.tags.emplace(std::string(tag.key),
                            std::string(std::string_view(tag.value)));
    }
    simdjson::dom::array links = parser.parse(links_json).get_array();
    for (simdjson::dom::element link : links) {
      incident.links.push_back({std::string(std::string_view(link["href"])),
                                std::string(std::string_view(link["text"]))});
    }
  } catch (const std::exception& e) {
    return errors::StoreCorrupt(
        absl::StrCat("incident ", incident.id, " tags/links: ", e.what()));
  }
  return absl::OkStatus();
}

std::string EncodeStrings(const std::vector<std::string>& values) {
  return nlohmann::json(values).dump();
}

absl::StatusOr<std::vector<std::string>> DecodeStrings(const std::string& json,
                                                       absl::string_view what) {
  try {
    return nlohmann::json::parse(json).get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return errors::StoreCorrupt(absl::StrCat(what, ": ", e.what()));
  }
}

// Field names are the API's (rules.proto), enums by number: the document
// reads like the rules a person wrote.
std::string EncodeRules(const std::vector<Rule>& rules) {
  nlohmann::json list = nlohmann::json::array();
  for (const Rule& rule : rules) {
    nlohmann::json when = nlohmann::json::array();
    for (const RuleCondition& c : rule.when) {
      when.push_back({{"field", static_cast<int>(c.field)},
                      {"tag", c.tag},
                      {"op", static_cast<int>(c.op)},
                      {"value", c.value},
                      {"negate", c.negate}});
    }
    nlohmann::json then = {
        {"set_tags", rule.then.set_tags},
        {"add_tags", rule.then.add_tags},
        {"route_to_service_id", rule.then.route_to_service_id},
        {"suppress", rule.then.suppress},
        {"dedup_window_minutes", rule.then.dedup_window_minutes}};
    if (rule.then.set_severity) {
      then["set_severity"] = static_cast<int>(*rule.then.set_severity);
    }
    list.push_back({{"name", rule.name},
                    {"when", std::move(when)},
                    {"then", std::move(then)},
                    {"stop", rule.stop}});
  }
  return list.dump();
}

absl::StatusOr<std::vector<Rule>> DecodeRules(const std::string& json,
                                              absl::string_view service_id) {
  try {
    std::vector<Rule> rules;
    for (const nlohmann::json& item : nlohmann::json::parse(json)) {
      Rule rule;
      rule.name = item.at("name").get<std::string>();
      for (const nlohmann::json& c : item.at("when")) {
        RuleCondition condition;
        condition.field = static_cast<RuleField>(c.at("field").get<int>());
        condition.tag = c.at("tag").get<std::string>();
        condition.op = static_cast<MatchOperator>(c.at("op").get<int>());
        condition.value = c.at("value").get<std::string>();
        condition.negate = c.at("negate").get<bool>();
        rule.when.push_back(std::move(condition));
      }
      const nlohmann::json& then = item.at("then");
      rule.then.set_tags = then.at("set_tags").get<Tags>();
      rule.then.add_tags = then.at("add_tags").get<Tags>();
      rule.then.route_to_service_id =
          then.at("route_to_service_id").get<std::string>();
      rule.then.suppress = then.at("suppress").get<bool>();
      rule.then.dedup_window_minutes =
          then.at("dedup_window_minutes").get<int>();
      if (then.contains("set_severity")) {
        rule.then.set_severity =
            static_cast<Severity>(then.at("set_severity").get<int>());
      }
      rule.stop = item.at("stop").get<bool>();
      rules.push_back(std::move(rule));
    }
    return rules;
  } catch (const std::exception& e) {
    return errors::StoreCorrupt(
        absl::StrCat("rules of service ", service_id, ": ", e.what()));
  }
}

std::string EncodeMaintenance(const std::vector<MaintenanceWindow>& windows) {
  nlohmann::json list = nlohmann::json::array();
  for (const MaintenanceWindow& w : windows) {
    nlohmann::json item = {
        {"name", w.name},
        {"starts", absl::FormatCivilTime(w.starts)},
        {"time_zone", w.time_zone},
        {"duration_seconds", absl::ToInt64Seconds(w.duration)},
        {"repeat", static_cast<int>(w.repeat)}};
    if (w.repeat_until) {
      item["repeat_until"] = absl::FormatCivilTime(*w.repeat_until);
    }
    list.push_back(std::move(item));
  }
  return list.dump();
}

absl::StatusOr<std::vector<MaintenanceWindow>> DecodeMaintenance(
    const std::string& json, absl::string_view service_id) {
  try {
    std::vector<MaintenanceWindow> windows;
    for (const nlohmann::json& item : nlohmann::json::parse(json)) {
      MaintenanceWindow w;
      w.name = item.at("name").get<std::string>();
      if (!absl::ParseCivilTime(item.at("starts").get<std::string>(),
                                &w.starts)) {
        throw std::runtime_error("bad start of " + w.name);
      }
      w.time_zone = item.at("time_zone").get<std::string>();
      w.duration = absl::Seconds(item.at("duration_seconds").get<int64_t>());
      w.repeat = static_cast<Repeat>(item.at("repeat").get<int>());
      if (item.contains("repeat_until")) {
        absl::CivilMinute until;
        if (!absl::ParseCivilTime(item.at("repeat_until").get<std::string>(),
                                  &until)) {
          throw std::runtime_error("bad repeat_until of " + w.name);
        }
        w.repeat_until = until;
      }
      windows.push_back(std::move(w));
    }
    return windows;
  } catch (const std::exception& e) {
    return errors::StoreCorrupt(absl::StrCat("maintenance windows of service ",
                                             service_id, ": ", e.what()));
  }
}

std::string EncodeAutoResolve(const std::vector<AutoResolve>& settings) {
  nlohmann::json list = nlohmann::json::array();
  for (const AutoResolve& a : settings) {
    list.push_back({{"source", a.source},
                    {"quiet_seconds", absl::ToInt64Seconds(a.quiet)},
                    {"dedup_key_prefix", a.dedup_key_prefix}});
  }
  return list.dump();
}

absl::StatusOr<std::vector<AutoResolve>> DecodeAutoResolve(
    const std::string& json, absl::string_view service_id) {
  try {
    std::vector<AutoResolve> settings;
    for (const nlohmann::json& item : nlohmann::json::parse(json)) {
      settings.push_back(
          {item.at("source").get<std::string>(),
           absl::Seconds(item.at("quiet_seconds").get<int64_t>()),
           item.value("dedup_key_prefix", std::string())});
    }
    return settings;
  } catch (const std::exception& e) {
    return errors::StoreCorrupt(
        absl::StrCat("auto-resolve of service ", service_id, ": ", e.what()));
  }
}

std::string EncodeWebhooks(const std::vector<WebhookSubscription>& webhooks) {
  nlohmann::json list = nlohmann::json::array();
  for (const WebhookSubscription& w : webhooks) {
    nlohmann::json events = nlohmann::json::array();
    for (NotifyEvent event : w.events)
      events.push_back(static_cast<int>(event));
    list.push_back({{"name", w.name},
                    {"url", w.url},
                    {"events", std::move(events)},
                    {"format", static_cast<int>(w.format)},
                    {"secret", w.secret}});
  }
  return list.dump();
}

absl::StatusOr<std::vector<WebhookSubscription>> DecodeWebhooks(
    const std::string& json, absl::string_view service_id) {
  try {
    std::vector<WebhookSubscription> webhooks;
    for (const nlohmann::json& item : nlohmann::json::parse(json)) {
      WebhookSubscription w;
      w.name = item.at("name").get<std::string>();
      w.url = item.at("url").get<std::string>();
      for (const nlohmann::json& event : item.at("events")) {
        w.events.push_back(static_cast<NotifyEvent>(event.get<int>()));
      }
      w.format = static_cast<WebhookFormat>(item.at("format").get<int>());
      w.secret = item.at("secret").get<std::string>();
      webhooks.push_back(std::move(w));
    }
    return webhooks;
  } catch (const std::exception& e) {
    return errors::StoreCorrupt(
        absl::StrCat("webhooks of service ", service_id, ": ", e.what()));
  }
}

std::string EncodeHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& [name, value] : headers) pairs.push_back({name, value});
  return pairs.dump();
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> DecodeHeaders(
    const std::string& json, absl::string_view what) {
  try {
    return nlohmann::json::parse(json)
        .get<std::vector<std::pair<std::string, std::string>>>();
  } catch (const std::exception& e) {
    return errors::StoreCorrupt(absl::StrCat(what, " headers: ", e.what()));
  }
}

}  // namespace alertgate
