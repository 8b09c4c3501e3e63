// PostgreSQL restarted under load: while it is down, webhook senders get
// 503 with Retry-After and gRPC callers UNAVAILABLE, never a success that
// was not committed; alertgate reconnects by itself; and every delivery
// and call that was acknowledged is in the store afterwards, once.
//
// Restarts the server of the environment, so it runs only where the test
// command made that server for the run: scripts/with_postgres.sh sets
// ALERTGATE_PG_CLUSTER (version/name, for pg_ctlcluster). ctest runs it
// alone (RUN_SERIAL): other tests' connections would see the restart too.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "alertgate/v1/incident_service.grpc.pb.h"
#include "alertgate/v1/service_directory.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/api_channel.h"
#include "tests/core_on_store.h"
#include "tests/server_process.h"
#include "tests/test_support.h"

namespace alertgate {
namespace {

using ::alertgate::testing::AdminToken;
using ::alertgate::testing::ApiChannel;
using ::alertgate::testing::ProjectBinary;
using ::alertgate::testing::ReadFileOrEmpty;
using ::alertgate::testing::ReadWebhookUrlsFile;
using ::alertgate::testing::ScratchPostgresSchema;
using ::alertgate::testing::ServerProcess;
using ::alertgate::testing::TempDir;
using ::alertgate::testing::WebhookPathOf;

// What the senders saw, and what they were told was kept.
struct Ledger {
  absl::Mutex mu;
  std::set<std::string> acknowledged ABSL_GUARDED_BY(mu);
  int refused_with_retry_after ABSL_GUARDED_BY(mu) = 0;
  int grpc_unavailable ABSL_GUARDED_BY(mu) = 0;
  std::vector<std::string> wrong_answers ABSL_GUARDED_BY(mu);
};

class PostgresRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* cluster = getenv("ALERTGATE_PG_CLUSTER");
    if (cluster == nullptr) {
      if (getenv("ALERTGATE_REQUIRE_POSTGRES") != nullptr) {
        ADD_FAILURE() << "ALERTGATE_PG_CLUSTER is not set: run under "
                         "scripts/with_postgres.sh";
      }
      GTEST_SKIP() << "no throwaway PostgreSQL cluster to restart";
    }
    cluster_ = absl::StrSplit(cluster, '/');
    ASSERT_EQ(cluster_.size(), 2u) << cluster;
    if (!schema_.available()) GTEST_SKIP() << "no PostgreSQL server";
  }

  // Stops the server (closing every connection at once) and starts it
  // again; returns when it accepts connections.
  void RestartPostgres() {
    const std::string command =
        absl::StrCat("pg_ctlcluster ", cluster_[0], " ", cluster_[1],
                     " restart -m fast > /dev/null 2>&1");
    ASSERT_EQ(system(command.c_str()), 0) << command;
  }

  std::vector<std::string> cluster_;
  ScratchPostgresSchema schema_;
  TempDir dir_;
};

TEST_F(PostgresRestartTest, CallersAreToldToRetryAndNothingAcknowledgedIsLost) {
  ServerProcess alertgate;
  ASSERT_TRUE(alertgate.Start(
      ProjectBinary("server/alertgate"),
      {"--data_dir=" + dir_.File("data"), "--store=" + schema_.url(),
       "--grpc_listen=127.0.0.1:0", "--http_listen=127.0.0.1:0",
       "--admin_listen=127.0.0.1:0",
       "--console_listen=", "--log_deliveries=false"},
      dir_.File("ports"), dir_.File("log")))
      << ReadFileOrEmpty(dir_.File("log"));
  const std::string admin = AdminToken(dir_.File("data"));
  const auto urls = ReadWebhookUrlsFile(dir_.File("data/webhook-urls.txt"));
  ASSERT_TRUE(urls.count("generic"));
  const std::string path = WebhookPathOf(urls.at("generic"));
  auto channel = ApiChannel(alertgate.address(), admin);
  std::string service_id;
  {
    auto directory = v1::ServiceDirectory::NewStub(channel);
    grpc::ClientContext context;
    v1::ListServicesRequest request;
    v1::ListServicesResponse services;
    ASSERT_TRUE(directory->ListServices(&context, request, &services).ok());
    ASSERT_EQ(services.services_size(), 1);
    service_id = services.services(0).id();
  }

  Ledger ledger;
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged_after_restart{0};
  std::atomic<bool> restarted{false};
  auto note = [&](const std::string& key) {
    absl::MutexLock lock(&ledger.mu);
    ledger.acknowledged.insert(key);
    if (restarted) ++acknowledged_after_restart;
  };
  auto wrong = [&](std::string what) {
    absl::MutexLock lock(&ledger.mu);
    ledger.wrong_answers.push_back(std::move(what));
  };
  // Webhook senders: each delivery retried after a 503, as Bitbucket does.
  auto sender = [&](int id) {
    httplib::Client http("127.0.0.1", alertgate.http_port());
    http.set_read_timeout(10, 0);
    for (int n = 0; !stop; ++n) {
      const std::string key = absl::StrCat("webhook-", id, "-", n);
      const std::string body =
          absl::StrCat(R"({"status": "trigger", "event_id": ")", key,
                       R"(", "message": "from a webhook"})");
      while (!stop) {
        auto answer = http.Post(path, {{"Idempotency-Key", key}}, body,
                                "application/json");
        if (answer && answer->status == 200) {
          note(key);
          break;
        }
        if (answer && answer->status == 503 &&
            answer->has_header("Retry-After")) {
          absl::MutexLock lock(&ledger.mu);
          ++ledger.refused_with_retry_after;
        } else {
          wrong(answer
                    ? absl::StrCat("HTTP ", answer->status, ": ", answer->body)
                    : absl::StrCat("HTTP error ", answer.error()));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  };
  // A gRPC caller: OK or UNAVAILABLE, nothing else.
  auto caller = [&] {
    auto incidents = v1::IncidentService::NewStub(channel);
    for (int n = 0; !stop; ++n) {
      const std::string key = absl::StrCat("grpc-", n);
      v1::IngestAlertRequest request;
      v1::Alert* alert = request.mutable_alert();
      alert->set_service_id(service_id);
      alert->set_source("generic");
      alert->set_action(v1::ACTION_TRIGGER);
      alert->set_dedup_key(key);
      alert->set_summary("from gRPC");
      alert->set_idempotency_key(key);
      while (!stop) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(10));
        v1::IngestAlertResponse response;
        grpc::Status status =
            incidents->IngestAlert(&context, request, &response);
        if (status.ok()) {
          note(key);
          break;
        }
        if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
          absl::MutexLock lock(&ledger.mu);
          ++ledger.grpc_unavailable;
        } else {
          wrong(absl::StrCat("gRPC ", status.error_code(), ": ",
                             status.error_message()));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  };
  std::vector<std::thread> load;
  for (int i = 0; i < 4; ++i) load.emplace_back(sender, i);
  load.emplace_back(caller);

  std::this_thread::sleep_for(std::chrono::seconds(1));
  RestartPostgres();
  restarted = true;
  // Until alertgate has reconnected by itself and acknowledged plenty.
  for (int i = 0; i < 300 && acknowledged_after_restart < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  for (std::thread& thread : load) thread.join();

  absl::MutexLock lock(&ledger.mu);
  std::cout << ledger.acknowledged.size() << " acknowledged ("
            << acknowledged_after_restart << " after the restart), "
            << ledger.refused_with_retry_after << " times 503, "
            << ledger.grpc_unavailable << " times UNAVAILABLE\n";
  EXPECT_GE(acknowledged_after_restart, 50) << "alertgate did not recover";
  EXPECT_TRUE(ledger.wrong_answers.empty())
      << ledger.wrong_answers.size()
      << " wrong answers, the first: " << ledger.wrong_answers.front();
  // The restart was felt: callers were told to come back.
  EXPECT_GT(ledger.refused_with_retry_after + ledger.grpc_unavailable, 0);

  // The store holds every acknowledged alert, once.
  auto db = PgConnection::Open(schema_.conninfo());
  ASSERT_TRUE(db.ok()) << db.status();
  auto stored = (*db)->Query("SELECT dedup_key, alert_count FROM incidents");
  ASSERT_TRUE(stored.ok()) << stored.status();
  std::set<std::string> keys;
  for (int i = 0; i < stored->rows(); ++i) {
    keys.insert(stored->row(i).Text(0));
    EXPECT_EQ(stored->row(i).Int(1), 1) << stored->row(i).Text(0);
  }
  for (const std::string& key : ledger.acknowledged) {
    EXPECT_TRUE(keys.count(key)) << "acknowledged, then lost: " << key;
  }
  // Nothing committed that a sender was not eventually told about, except
  // the one delivery per sender cut short by the end of the test.
  EXPECT_LE(keys.size(), ledger.acknowledged.size() + load.size());
}

}  // namespace
}  // namespace alertgate
