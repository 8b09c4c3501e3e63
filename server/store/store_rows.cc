#include "server/store/store_rows.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "server/model/errors.h"

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

absl::Status DecodeTagsAndLinks(const std::string& tags_json,
                                const std::string& links_json,
                                Incident& incident) {
  try {
    incident.tags = nlohmann::json::parse(tags_json).get<Tags>();
    for (const auto& link : nlohmann::json::parse(links_json)) {
      incident.links.push_back({link.at("href").get<std::string>(),
                                link.at("text").get<std::string>()});
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
