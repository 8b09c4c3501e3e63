#include "server/frontdoor/frontdoor_metrics.h"

#include "absl/strings/str_cat.h"

namespace alertgate {

void FrontDoorMetrics::RecordDelivery(const std::string& source,
                                      const std::string& event,
                                      const std::string& outcome,
                                      absl::Duration latency) {
  const double seconds = absl::ToDoubleSeconds(latency);
  absl::MutexLock lock(&mu_);
  ++deliveries_[{source, event, outcome}];
  Histogram& h = latency_[source];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void FrontDoorMetrics::RecordCoreError(const std::string& code) {
  absl::MutexLock lock(&mu_);
  ++core_errors_[code];
}

std::string FrontDoorMetrics::Render() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  absl::StrAppend(
      &out,
      "# HELP alertgate_webhook_deliveries_total Webhook deliveries "
      "by source, event and outcome.\n"
      "# TYPE alertgate_webhook_deliveries_total counter\n");
  for (const auto& [labels, count] : deliveries_) {
    const auto& [source, event, outcome] = labels;
    absl::StrAppend(&out, "alertgate_webhook_deliveries_total{source=\"",
                    source, "\",event=\"", event, "\",outcome=\"", outcome,
                    "\"} ", count, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP alertgate_webhook_latency_seconds Time from request "
                  "to answer, including the core's commit.\n"
                  "# TYPE alertgate_webhook_latency_seconds histogram\n");
  for (const auto& [source, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      absl::StrAppend(
          &out, "alertgate_webhook_latency_seconds_bucket{source=\"", source,
          "\",le=\"", kBuckets[i], "\"} ", h.counts[i], "\n");
    }
    absl::StrAppend(&out, "alertgate_webhook_latency_seconds_bucket{source=\"",
                    source, "\",le=\"+Inf\"} ", h.count, "\n",
                    "alertgate_webhook_latency_seconds_sum{source=\"", source,
                    "\"} ", h.sum, "\n",
                    "alertgate_webhook_latency_seconds_count{source=\"", source,
                    "\"} ", h.count, "\n");
  }
  absl::StrAppend(&out,
                  "# HELP alertgate_core_errors_total Failed calls to the core "
                  "by gRPC status code.\n"
                  "# TYPE alertgate_core_errors_total counter\n");
  for (const auto& [code, count] : core_errors_) {
    absl::StrAppend(&out, "alertgate_core_errors_total{code=\"", code, "\"} ",
                    count, "\n");
  }
  return out;
}

}  // namespace alertgate
