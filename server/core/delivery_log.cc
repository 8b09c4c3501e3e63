#include "server/core/delivery_log.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/model/errors.h"
#include "server/model/status_macros.h"

namespace alertgate {
namespace {

constexpr size_t kMaxNameBytes = 255;
constexpr size_t kMaxReasonBytes = 1024;
constexpr size_t kMaxKeptHeaderBytes = 64 * 1024;

}  // namespace

absl::StatusOr<std::vector<std::string>> DeliveryLog::Record(
    std::vector<Delivery> deliveries) {
  if (deliveries.empty() || deliveries.size() > kMaxPerRecord) {
    return errors::InvalidField("deliveries", "1 to 1000");
  }
  std::vector<std::string> ids;
  for (size_t i = 0; i < deliveries.size(); ++i) {
    if (absl::Status bad = Check(deliveries[i]); !bad.ok()) {
      return absl::Status(bad.code(),
                          absl::StrCat("deliveries[", i, "]: ", bad.message()));
    }
    deliveries[i].id = ids_->NewId();
    ids.push_back(deliveries[i].id);
  }
  // Services that gained a kept body: their oldest may have to go.
  std::set<std::string> kept_more;
  for (const Delivery& delivery : deliveries) {
    if (delivery.body) kept_more.insert(delivery.service_id);
  }
  AG_RETURN_IF_ERROR(store_->Write([&](StoreTransaction& tx) -> absl::Status {
    for (const Delivery& delivery : deliveries) {
      AG_RETURN_IF_ERROR(tx.InsertDelivery(delivery));
    }
    for (const std::string& service_id : kept_more) {
      AG_RETURN_IF_ERROR(
          tx.TrimKeptBodies(service_id, options_.max_kept_bytes_per_service)
              .status());
    }
    return absl::OkStatus();
  }));
  return ids;
}

absl::Status DeliveryLog::Check(const Delivery& d) {
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
  if (d.body && d.body->size() > DeliveryLog::kMaxKeptBodyBytes) {
    return errors::InvalidField("kept_request.body", "longer than 1 MiB");
  }
  if (d.kept_headers) {
    size_t bytes = 0;
    for (const auto& [name, value] : *d.kept_headers) {
      bytes += name.size() + value.size();
    }
    if (bytes > kMaxKeptHeaderBytes) {
      return errors::InvalidField("kept_request.headers", "over 64 KiB");
    }
  }
  if (d.body.has_value() != d.kept_headers.has_value()) {
    return errors::InvalidField("kept_request", "body without headers");
  }
  if (d.body && d.outcome != DeliveryResult::kBadSignature &&
      d.outcome != DeliveryResult::kBadPayload) {
    return errors::InvalidField("kept_request",
                                "kept only for a bad signature or payload");
  }
  if (!d.replay_of.empty() && !IsWellFormedId(d.replay_of)) {
    return errors::InvalidField("replay_of", "not a delivery id of ours");
  }
  return absl::OkStatus();
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

absl::StatusOr<Delivery> DeliveryLog::Get(const std::string& id) {
  if (!IsWellFormedId(id)) return errors::InvalidField("id", "not one of ours");
  AG_ASSIGN_OR_RETURN(std::optional<Delivery> delivery,
                      store_->GetDelivery(id));
  if (!delivery) {
    return absl::NotFoundError(absl::StrCat("no delivery ", id,
                                            " in the log (pruned, or never "
                                            "recorded)"));
  }
  return *std::move(delivery);
}

}  // namespace alertgate
