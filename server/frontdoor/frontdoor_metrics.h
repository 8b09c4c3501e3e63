// FrontDoorMetrics: what the front door counts, rendered in the Prometheus
// text exposition format for GET /metrics.
//
//   alertgate_webhook_deliveries_total{source,event,outcome}   counter
//   alertgate_webhook_latency_seconds{source}                   histogram
//   alertgate_core_errors_total{code}                           counter
//
// Label values come from loaded plugins and fixed outcome names only: the
// event label is an event the plugin declares (ag_adapter_v1::events),
// "other" for any other event, and "invalid" for deliveries that were not
// converted, so senders cannot create new series.
//
// Thread safety: all methods are safe to call concurrently.
#ifndef ALERTGATE_SERVER_FRONTDOOR_FRONTDOOR_METRICS_H_
#define ALERTGATE_SERVER_FRONTDOOR_FRONTDOOR_METRICS_H_

#include <array>
#include <map>
#include <string>
#include <tuple>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace alertgate {

class FrontDoorMetrics {
 public:
  void RecordDelivery(const std::string& source, const std::string& event,
                      const std::string& outcome, absl::Duration latency);
  void RecordCoreError(const std::string& code);
  std::string Render() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };

  mutable absl::Mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t>
      deliveries_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Histogram> latency_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> core_errors_ ABSL_GUARDED_BY(mu_);
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_FRONTDOOR_FRONTDOOR_METRICS_H_
