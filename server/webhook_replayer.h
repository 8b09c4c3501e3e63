// WebhookReplayer: the core's DeliveryReplayer in a process that loads
// source plugins. It runs a kept request through the front door's own
// WebhookHandler (plugin, signature check, ingest over the gRPC API), so a
// replay takes the path a delivery takes, and turns the answer into the
// delivery log entry the front door would have written.
#ifndef ALERTGATE_SERVER_WEBHOOK_REPLAYER_H_
#define ALERTGATE_SERVER_WEBHOOK_REPLAYER_H_

#include <string>

#include "adapters/loader/adapter_registry.h"
#include "server/common/clock.h"
#include "server/core/delivery_replayer.h"
#include "server/frontdoor/core_api.h"
#include "server/frontdoor/webhook_handler.h"

namespace alertgate {

class WebhookReplayer final : public DeliveryReplayer {
 public:
  // REQUIRES: the arguments outlive the replayer.
  WebhookReplayer(const AdapterRegistry* registry, CoreApi* core,
                  const Clock* clock);

  absl::StatusOr<Delivery> Replay(const Delivery& kept,
                                  const std::string& service_name,
                                  const std::string& webhook_secret) override;

 private:
  const AdapterRegistry* registry_;
  const Clock* clock_;
  WebhookHandler handler_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_WEBHOOK_REPLAYER_H_
