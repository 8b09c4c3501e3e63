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
  // Most incident ids one entry names.
  static constexpr size_t kMaxIncidentIds = 100;
  static constexpr int kMaxPageSize = 1000;
  // The largest body kept for a replay; front doors keep none larger.
  static constexpr size_t kMaxKeptBodyBytes = 1 << 20;

  struct Options {
    // Bodies (with headers) of refused deliveries kept per service: past
    // it, the oldest bodies are dropped (their entries stay).
    int64_t max_kept_bytes_per_service = int64_t{64} << 20;
  };

  // REQUIRES: both outlive the log.
  DeliveryLog(IncidentStore* store, IdGenerator* ids)
      : DeliveryLog(store, ids, Options()) {}
  DeliveryLog(IncidentStore* store, IdGenerator* ids, Options options)
      : store_(store), ids_(ids), options_(options) {}

  // Records `deliveries` in one write and returns the ids given them, in
  // order. INVALID_ARGUMENT (naming the entry and field), and nothing
  // recorded, when one lacks its service or source, has no outcome, or
  // exceeds a bound (event and delivery id 255 bytes, reason 1 KiB, 100
  // incident ids, a kept body 1 MiB and its headers 64 KiB). Bodies are
  // kept only for bad signatures and payloads, each with its headers.
  absl::StatusOr<std::vector<std::string>> Record(
      std::vector<Delivery> deliveries);

  // A service's deliveries, of `source` unless it is empty, newest first.
  // `page_size` 0 means 100.
  absl::StatusOr<DeliveryPage> List(const std::string& service_id,
                                    const std::string& source,
                                    const std::string& page_token,
                                    int page_size);

  // One delivery with its kept headers and body; NOT_FOUND if none.
  absl::StatusOr<Delivery> Get(const std::string& id);

  // The bounds Record() checks on each entry; INVALID_ARGUMENT naming the
  // field. IncidentCore checks a delivery recorded with its alerts so.
  static absl::Status Check(const Delivery& delivery);

 private:
  IncidentStore* store_;
  IdGenerator* ids_;
  const Options options_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_DELIVERY_LOG_H_
