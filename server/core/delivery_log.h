// DeliveryLog: what the front doors answered, per service and source, so
// that people can see why an alert did or did not arrive. Front doors
// record (RecordDeliveries, role ingest); anyone with read lists.
//
// Thread safety: all methods may be called from any thread.
#ifndef ALERTGATE_SERVER_CORE_DELIVERY_LOG_H_
#define ALERTGATE_SERVER_CORE_DELIVERY_LOG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/id_generator.h"
#include "server/model/delivery.h"
#include "server/store/incident_store.h"

namespace alertgate {

struct DeliveryPage {
  std::vector<Delivery> deliveries;  // Newest first.
  std::string next_page_token;       // Empty on the last page.
};

class DeliveryLog {
 public:
  static constexpr size_t kMaxPerRecord = 1000;
  static constexpr int kMaxPageSize = 1000;

  // REQUIRES: both outlive the log.
  DeliveryLog(IncidentStore* store, IdGenerator* ids)
      : store_(store), ids_(ids) {}

  // Records `deliveries` in one write and returns the ids given them, in
  // order. INVALID_ARGUMENT (naming the entry and field), and nothing
  // recorded, when one lacks its service or source, has no outcome, or
  // exceeds a bound (event and delivery id 255 bytes, reason 1 KiB, 100
  // incident ids).
  absl::StatusOr<std::vector<std::string>> Record(
      std::vector<Delivery> deliveries);

  // A service's deliveries, of `source` unless it is empty, newest first.
  // `page_size` 0 means 100.
  absl::StatusOr<DeliveryPage> List(const std::string& service_id,
                                    const std::string& source,
                                    const std::string& page_token,
                                    int page_size);

 private:
  IncidentStore* store_;
  IdGenerator* ids_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_DELIVERY_LOG_H_
