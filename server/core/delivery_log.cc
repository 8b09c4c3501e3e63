#include "server/core/delivery_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/model/errors.h"
#include "server/model/status_macros.h"

namespace alertgate {
namespace {

constexpr size_t kMaxNameBytes = 255;
constexpr size_t kMaxReasonBytes = 1024;
constexpr size_t kMaxIncidentIds = 100;

absl::Status CheckDelivery(const Delivery& d) {
  if (d.service_id.empty())
    return errors::InvalidField("service_id", "required");
  if (d.source.empty()) return errors::InvalidField("source", "required");
  if (d.outcome < DeliveryResult::kAccepted ||
      d.outcome > DeliveryResult::kRateLimited) {
    return errors::InvalidField("outcome", "required");
  }
  if (d.event.size() > kMaxNameBytes) {
    return errors::InvalidField("event", "longer than 255 bytes");
  }
  if (d.delivery_id.size() > kMaxNameBytes) {
    return errors::InvalidField("delivery_id", "longer than 255 bytes");
  }
  if (d.reason.size() > kMaxReasonBytes) {
    return errors::InvalidField("reason", "longer than 1024 bytes");
  }
  if (d.incident_ids.size() > kMaxIncidentIds) {
    return errors::InvalidField("incident_ids", "more than 100");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> DeliveryLog::Record(
    std::vector<Delivery> deliveries) {
  if (deliveries.empty() || deliveries.size() > kMaxPerRecord) {
    return errors::InvalidField("deliveries", "1 to 1000");
  }
  std::vector<std::string> ids;
  for (size_t i = 0; i < deliveries.size(); ++i) {
    if (absl::Status bad = CheckDelivery(deliveries[i]); !bad.ok()) {
      return absl::Status(bad.code(),
                          absl::StrCat("deliveries[", i, "]: ", bad.message()));
    }
    deliveries[i].id = ids_->NewId();
    ids.push_back(deliveries[i].id);
  }
  AG_RETURN_IF_ERROR(store_->Write([&](StoreTransaction& tx) -> absl::Status {
    for (const Delivery& delivery : deliveries) {
      AG_RETURN_IF_ERROR(tx.InsertDelivery(delivery));
    }
    return absl::OkStatus();
  }));
  return ids;
}

absl::StatusOr<DeliveryPage> DeliveryLog::List(const std::string& service_id,
                                               const std::string& source,
                                               const std::string& page_token,
                                               int page_size) {
  if (service_id.empty()) return errors::InvalidField("service_id", "required");
  if (page_size < 0 || page_size > kMaxPageSize) {
    return errors::InvalidField("page_size", "must be 0 to 1000");
  }
  if (page_size == 0) page_size = 100;
  if (!page_token.empty() && !IsWellFormedId(page_token)) {
    return errors::InvalidField("page_token", "not one of ours");
  }
  AG_ASSIGN_OR_RETURN(
      std::vector<Delivery> deliveries,
      store_->ListDeliveries(service_id, source, page_token, page_size + 1));
  DeliveryPage page;
  if (static_cast<int>(deliveries.size()) > page_size) {
    deliveries.resize(page_size);
    page.next_page_token = deliveries.back().id;
  }
  page.deliveries = std::move(deliveries);
  return page;
}

}  // namespace alertgate
