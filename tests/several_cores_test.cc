// Several cores on one PostgreSQL database behind one front door, as
// processes: the front door spreads calls over the cores that answer, and a
// core killed with SIGKILL under load costs at most the calls in flight to
// it. Senders retry 503s, as Bitbucket does; every delivery ends up
// committed exactly once.
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
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

class SeveralCoresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!schema_.available()) GTEST_SKIP() << "no PostgreSQL server";
  }

  void StartCore(ServerProcess& core, const std::string& name) {
    ASSERT_TRUE(
        core.Start(ProjectBinary("server/alertgate"),
                   {"--role=core", "--data_dir=" + dir_.File(name),
                    "--store=" + schema_.url(), "--grpc_listen=127.0.0.1:0"},
                   dir_.File(name + ".ports"), dir_.File(name + ".log")))
        << ReadFileOrEmpty(dir_.File(name + ".log"));
  }

  ScratchPostgresSchema schema_;
  TempDir dir_;
};

TEST_F(SeveralCoresTest, AKilledCoreCostsOnlyItsCallsInFlight) {
  ServerProcess a, b;
  ASSERT_NO_FATAL_FAILURE(StartCore(a, "a"));
  ASSERT_NO_FATAL_FAILURE(StartCore(b, "b"));
  // The first core to start made the default service and the admin token.
  const std::string admin = AdminToken(dir_.File("a"));
  ASSERT_FALSE(admin.empty());
  auto directory =
      v1::ServiceDirectory::NewStub(ApiChannel(b.address(), admin));
  {
    grpc::ClientContext context;
    v1::CreateApiTokenRequest request;
    request.set_name("frontdoor");
    request.set_role(v1::ROLE_INGEST);
    v1::CreateApiTokenResponse created;
    ASSERT_TRUE(directory->CreateApiToken(&context, request, &created).ok());
    std::ofstream(dir_.File("ingest.token")) << created.token() << "\n";
  }
  ServerProcess frontdoor;
  ASSERT_TRUE(
      frontdoor.Start(ProjectBinary("server/alertgate"),
                      {"--role=frontdoor", "--http_listen=127.0.0.1:0",
                       "--core_address=" + a.address() + "," + b.address(),
                       "--core_token_file=" + dir_.File("ingest.token"),
                       "--core_timeout=2s", "--log_deliveries=false"},
                      dir_.File("fd.ports"), dir_.File("fd.log")))
      << ReadFileOrEmpty(dir_.File("fd.log"));
  const auto urls = ReadWebhookUrlsFile(dir_.File("a/webhook-urls.txt"));
  ASSERT_TRUE(urls.count("generic"));
  const std::string path = WebhookPathOf(urls.at("generic"));

  httplib::Client http("127.0.0.1", frontdoor.http_port());
  int answered_503 = 0;
  auto deliver = [&](int n) {
    const std::string body =
        absl::StrCat(R"({"status": "trigger", "event_id": "k-)", n,
                     R"(", "message": "alert )", n, R"("})");
    // A sender: retries 5xx, with the same delivery id.
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto answer =
          http.Post(path, {{"Idempotency-Key", absl::StrCat("d-", n)}}, body,
                    "application/json");
      if (answer && answer->status == 200) return true;
      if (answer && answer->status == 503) ++answered_503;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  constexpr int kDeliveries = 60;
  for (int n = 0; n < kDeliveries; ++n) {
    if (n == kDeliveries / 2) a.Kill(SIGKILL);
    ASSERT_TRUE(deliver(n)) << "delivery " << n << " never got 200";
  }

  // Every delivery is an incident, once, through the surviving core.
  auto incidents = v1::IncidentService::NewStub(ApiChannel(b.address(), admin));
  grpc::ClientContext context;
  v1::ListIncidentsRequest request;
  request.set_page_size(1000);
  v1::ListIncidentsResponse listed;
  ASSERT_TRUE(incidents->ListIncidents(&context, request, &listed).ok());
  EXPECT_EQ(listed.incidents_size(), kDeliveries);
  for (const v1::Incident& incident : listed.incidents()) {
    EXPECT_EQ(incident.alert_count(), 1) << incident.dedup_key();
  }
  // At most the calls in flight to the killed core were refused; the
  // sender's retries went to the other one.
  EXPECT_LE(answered_503, 20);
}

}  // namespace
}  // namespace alertgate
