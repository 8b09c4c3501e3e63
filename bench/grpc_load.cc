// gRPC load for bench/run.sh, against a running alertgate core:
//
//   bench_grpc_load --mode=ingest --address=H:P --service_id=ID --seconds=10
//       IngestAlert from --threads threads over --channels connections; each
//       alert opens a new incident (unique dedup keys). Prints JSON: calls/s,
//       latency percentiles, errors.
//   bench_grpc_load --mode=list --address=H:P --service_id=ID --seconds=5
//       ListIncidents (50 per page, the service's open incidents), one thread.
//   bench_grpc_load --mode=get --address=H:P --incident_id=ID --seconds=2
//       GetIncident (its first timeline page), one thread.
//   bench_grpc_load --mode=watch --address=H:P --watchers=2000 --seconds=10
//       Opens that many WatchIncidents streams, waits for each one's
//       caught_up marker, and holds them (unread) for --seconds.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "alertgate/v1/incident_service.grpc.pb.h"

ABSL_FLAG(std::string, mode, "ingest", "ingest or list.");
ABSL_FLAG(std::string, address, "127.0.0.1:50051", "The core's gRPC address.");
ABSL_FLAG(std::string, service_id, "", "Service to send alerts to / list.");
ABSL_FLAG(int, threads, 32, "Client threads.");
ABSL_FLAG(int, channels, 4, "gRPC connections.");
ABSL_FLAG(double, seconds, 10, "How long to run.");
ABSL_FLAG(std::string, key_prefix, "bench",
          "Dedup key prefix (unique per run).");
ABSL_FLAG(int, watchers, 2000, "watch: streams to open and hold.");
ABSL_FLAG(std::string, incident_id, "", "get: the incident to read.");
ABSL_FLAG(std::string, token_file, "",
          "File holding the API token to send (e.g. <data_dir>/admin-token).");

namespace {

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p / 100.0 * (sorted.size() - 1));
  return sorted[i];
}

// The token read from --token_file, sent with every call.
const std::string& Token() {
  static const std::string* token = [] {
    std::ifstream in(absl::GetFlag(FLAGS_token_file));
    auto* text = new std::string;
    in >> *text;
    return text;
  }();
  return *token;
}

void Authorize(grpc::ClientContext& context) {
  if (!Token().empty()) {
    context.AddMetadata("authorization", "Bearer " + Token());
  }
}

}  // namespace

// Opens --watchers streams, holds them, prints how many were served.
int HoldWatchers(
    std::vector<std::unique_ptr<alertgate::v1::IncidentService::Stub>>& stubs) {
  const int count = absl::GetFlag(FLAGS_watchers);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<
      grpc::ClientReader<alertgate::v1::WatchIncidentsResponse>>>
      streams;
  int caught_up = 0;
  const absl::Time start = absl::Now();
  for (int i = 0; i < count; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    Authorize(*contexts.back());
    alertgate::v1::WatchIncidentsRequest request;
    request.set_after_sequence(INT64_MAX / 2);  // Live events only.
    streams.push_back(stubs[i % stubs.size()]->WatchIncidents(
        contexts.back().get(), request));
    alertgate::v1::WatchIncidentsResponse message;
    if (streams.back()->Read(&message) && message.has_caught_up()) ++caught_up;
  }
  const double open_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  absl::SleepFor(absl::Seconds(absl::GetFlag(FLAGS_seconds)));
  for (auto& context : contexts) context->TryCancel();
  printf(
      "{\"mode\": \"watch\", \"watchers\": %d, \"caught_up\": %d, "
      "\"open_seconds\": %.2f}\n",
      count, caught_up, open_seconds);
  // Streams are cancelled; the process exits without draining them.
  fflush(stdout);
  _exit(0);
}

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const bool list = absl::GetFlag(FLAGS_mode) == "list";
  const bool get = absl::GetFlag(FLAGS_mode) == "get";
  const int threads = list || get ? 1 : absl::GetFlag(FLAGS_threads);
  std::vector<std::unique_ptr<alertgate::v1::IncidentService::Stub>> stubs;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_channels)); ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stubs.push_back(alertgate::v1::IncidentService::NewStub(
        grpc::CreateCustomChannel(absl::GetFlag(FLAGS_address),
                                  grpc::InsecureChannelCredentials(), args)));
  }
  if (absl::GetFlag(FLAGS_mode) == "watch") return HoldWatchers(stubs);
  const absl::Time end =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_seconds));
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::atomic<int64_t> errors{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto& stub = *stubs[t % stubs.size()];
      std::vector<double> mine;
      for (int64_t i = 0; absl::Now() < end; ++i) {
        grpc::ClientContext context;
        Authorize(context);
        context.set_deadline(
            absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
        const absl::Time start = absl::Now();
        grpc::Status status;
        if (get) {
          alertgate::v1::GetIncidentRequest request;
          request.set_id(absl::GetFlag(FLAGS_incident_id));
          alertgate::v1::GetIncidentResponse response;
          status = stub.GetIncident(&context, request, &response);
        } else if (list) {
          alertgate::v1::ListIncidentsRequest request;
          request.set_service_id(absl::GetFlag(FLAGS_service_id));
          request.add_states(alertgate::v1::INCIDENT_STATE_TRIGGERED);
          request.add_states(alertgate::v1::INCIDENT_STATE_ACKNOWLEDGED);
          request.set_page_size(50);
          alertgate::v1::ListIncidentsResponse response;
          status = stub.ListIncidents(&context, request, &response);
          if (status.ok() && response.incidents_size() != 50)
            status = grpc::Status::CANCELLED;
        } else {
          alertgate::v1::IngestAlertRequest request;
          auto* alert = request.mutable_alert();
          alert->set_service_id(absl::GetFlag(FLAGS_service_id));
          alert->set_source("bench");
          alert->set_action(alertgate::v1::ACTION_TRIGGER);
          alert->set_dedup_key(
              absl::StrCat(absl::GetFlag(FLAGS_key_prefix), "-", t, "-", i));
          alert->set_summary("benchmark alert");
          alertgate::v1::IngestAlertResponse response;
          status = stub.IngestAlert(&context, request, &response);
        }
        if (!status.ok()) {
          // The first failure says what failed (a failed run is judged by
          // bench/run.sh; this says why).
          if (errors++ == 0) {
            fprintf(stderr, "bench_grpc_load: first failed call: %d %s\n",
                    static_cast<int>(status.error_code()),
                    status.error_message().c_str());
          }
          continue;
        }
        mine.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  const absl::Time start = absl::Now();
  for (auto& w : workers) w.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::sort(latencies_ms.begin(), latencies_ms.end());
  printf(
      "{\"mode\": \"%s\", \"calls\": %zu, \"errors\": %lld, \"seconds\": %.2f, "
      "\"calls_per_second\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
      "\"max_ms\": %.3f}\n",
      absl::GetFlag(FLAGS_mode).c_str(), latencies_ms.size(),
      static_cast<long long>(errors.load()), seconds,
      latencies_ms.size() / seconds, Percentile(latencies_ms, 50),
      Percentile(latencies_ms, 99),
      latencies_ms.empty() ? 0.0 : latencies_ms.back());
  return 0;
}
