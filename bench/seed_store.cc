// Fills a store with many incidents, in process, through the incident core
// (the same code path as IngestAlert, without the network), so bench/run.sh
// can measure alertgate against a large store.
//
//   bench_seed_store --database=FILE --incidents=1000000 [--threads=16]
//   bench_seed_store --store=postgresql://... --incidents=1000000
// Alerts go in batches of 100 per write (IngestAlerts' path). Prints the
// service id on the last line as JSON.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "server/core/incident_core.h"
#include "server/core/service_catalog.h"
#include "server/store/postgresql/pg_store.h"
#include "server/store/sqlite/sqlite_store.h"

ABSL_FLAG(std::string, database, "",
          "SQLite file to fill (created if missing).");
ABSL_FLAG(std::string, store, "",
          "A PostgreSQL store to fill instead (postgresql://...).");
ABSL_FLAG(int64_t, incidents, 1000000, "How many incidents to open.");
ABSL_FLAG(int, threads, 16, "Writers (their writes share commits).");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string url = absl::GetFlag(FLAGS_store);
  absl::StatusOr<std::unique_ptr<alertgate::IncidentStore>> store;
  if (absl::StartsWith(url, "postgres")) {
    store = alertgate::PostgresStore::Open(url);
  } else {
    store = alertgate::SqliteStore::Open(absl::GetFlag(FLAGS_database));
  }
  if (!store.ok()) {
    fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  alertgate::SystemClock clock;
  alertgate::IdGenerator ids(&clock);
  alertgate::IncidentCore core(store->get(), &clock, &ids);
  alertgate::ServiceCatalog catalog(store->get(), &clock, &ids);
  auto service = catalog.CreateService("bench-large", "a million incidents");
  if (!service.ok()) {
    fprintf(stderr, "%s\n", service.status().ToString().c_str());
    return 1;
  }
  const int64_t total = absl::GetFlag(FLAGS_incidents);
  const int threads = absl::GetFlag(FLAGS_threads);
  std::atomic<int64_t> next{0}, failed{0};
  const absl::Time start = absl::Now();
  std::vector<std::thread> workers;
  constexpr int64_t kPerWrite = 100;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int64_t first = next.fetch_add(kPerWrite); first < total;
           first = next.fetch_add(kPerWrite)) {
        std::vector<alertgate::Alert> alerts;
        for (int64_t i = first; i < std::min(total, first + kPerWrite); ++i) {
          alertgate::Alert alert;
          alert.service_id = service->id;
          alert.source = "seed";
          alert.action = alertgate::Action::kTrigger;
          alert.dedup_key = absl::StrCat("seed-", i);
          alert.summary = "seeded incident";
          alerts.push_back(std::move(alert));
        }
        const int64_t count = static_cast<int64_t>(alerts.size());
        absl::Notification done;
        core.IngestBatchAsync(
            std::move(alerts),
            [&](absl::StatusOr<std::vector<alertgate::IngestResult>> result) {
              if (!result.ok()) failed += count;
              done.Notify();
            });
        done.WaitForNotification();
      }
    });
  }
  for (auto& w : workers) w.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  printf(
      "{\"incidents\": %lld, \"failed\": %lld, \"seconds\": %.1f, "
      "\"per_second\": %.0f, "
      "\"service_id\": \"%s\"}\n",
      static_cast<long long>(total), static_cast<long long>(failed.load()),
      seconds, total / seconds, service->id.c_str());
  return failed == 0 ? 0 : 1;
}
