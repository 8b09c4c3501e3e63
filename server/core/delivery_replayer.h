// DeliveryReplayer: runs a refused webhook delivery's kept request through
// its source's plugin and the core again (ReplayDelivery). The core loads
// no plugins; the process that does (main.cc, all-in-one or core with
// --plugin_dir) hands the core one, built on the front door's own handler,
// so a replay takes exactly the path of a delivery.
//
// Thread safety: Replay() is called concurrently.
#ifndef ALERTGATE_SERVER_CORE_DELIVERY_REPLAYER_H_
#define ALERTGATE_SERVER_CORE_DELIVERY_REPLAYER_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/model/delivery.h"

namespace alertgate {

class DeliveryReplayer {
 public:
  virtual ~DeliveryReplayer() = default;

  // `kept`: a log entry with its headers and body. `service_name` and
  // `webhook_secret` (empty: none) are those of its service and source now.
  // Returns the log entry of the new attempt, not yet recorded: its outcome,
  // reason and incidents. FAILED_PRECONDITION when no plugin for the
  // source is loaded here.
  virtual absl::StatusOr<Delivery> Replay(
      const Delivery& kept, const std::string& service_name,
      const std::string& webhook_secret) = 0;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_CORE_DELIVERY_REPLAYER_H_
