#include "server/store/store_rows.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "server/model/errors.h"

namespace alertgate {

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

}  // namespace alertgate
