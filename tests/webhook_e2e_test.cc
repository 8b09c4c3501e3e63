// Bitbucket webhook → incident, end to end: real alertgate processes, real
// ports, the real plugin .so, a real SQLite file. Deliveries go in over HTTP
// (cpp-httplib's client); what was stored is read back over gRPC.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "alertgate/v1/incident_service.grpc.pb.h"
#include "alertgate/v1/rules.grpc.pb.h"
#include "alertgate/v1/service_directory.grpc.pb.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/common/webhook_signature.h"
#include "tests/api_channel.h"
#include "tests/fixture_table.h"
#include "tests/server_process.h"
#include "tests/test_support.h"

namespace alertgate {
namespace {

using ::alertgate::testing::AdminToken;
using ::alertgate::testing::AllBitbucketFixtures;
using ::alertgate::testing::ApiChannel;
using ::alertgate::testing::PluginFile;
using ::alertgate::testing::ProjectBinary;
using ::alertgate::testing::ProjectFile;
using ::alertgate::testing::ReadFileOrEmpty;
using ::alertgate::testing::ServerProcess;
using ::alertgate::testing::TempDir;
using Json = nlohmann::json;

constexpr char kSecret[] = "Gkvl$k$wyNpQAF42";  // HEADERS.md's test secret.

std::string Fixture(const std::string& name) {
  return ReadFileOrEmpty(ProjectFile("tests/fixtures/bitbucket/" + name));
}

struct Answer {
  int status = 0;
  Json body;
  std::string retry_after;
};

class WebhookEndToEndTest : public ::testing::Test {
 protected:
  // Starts the all-in-one service with `extra` flags.
  void StartAllInOne(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "--data_dir=" + dir_.path(), "--grpc_listen=127.0.0.1:0",
        "--http_listen=127.0.0.1:0", "--log_deliveries=false"};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_TRUE(server_.Start(ProjectBinary("server/alertgate"), args,
                              dir_.File("ports"), dir_.File("server.log")))
        << ReadFileOrEmpty(dir_.File("server.log"));
    http_port_ = server_.http_port();
    Connect(server_.address());
    ASSERT_NO_FATAL_FAILURE(ReadWebhookUrls());
    // In one process the printed URLs carry the port actually bound.
    EXPECT_EQ(urls_["bitbucket"].rfind(
                  "http://127.0.0.1:" + std::to_string(http_port_) +
                      "/v1/webhooks/bitbucket/",
                  0),
              0u)
        << urls_["bitbucket"];
  }

  // A file holding a new ingest token, for a front door of its own
  // (--core_token_file). REQUIRES: Connect() to the core.
  std::string IngestTokenFile(const std::string& name) {
    grpc::ClientContext context;
    v1::CreateApiTokenRequest request;
    request.set_name(name);
    request.set_role(v1::ROLE_INGEST);
    v1::CreateApiTokenResponse created;
    EXPECT_TRUE(directory_->CreateApiToken(&context, request, &created).ok());
    const std::string file = dir_.File(name + ".token");
    std::ofstream(file) << created.token() << "\n";
    return file;
  }

  void Connect(const std::string& grpc_address) {
    auto channel = ApiChannel(grpc_address, AdminToken(dir_.path()));
    incidents_ = v1::IncidentService::NewStub(channel);
    directory_ = v1::ServiceDirectory::NewStub(channel);
    rules_ = v1::RulesService::NewStub(channel);
  }

  // The first start printed the default service's webhook URLs.
  void ReadWebhookUrls() {
    urls_ = testing::ReadWebhookUrlsFile(dir_.File("webhook-urls.txt"));
    for (const auto& [source, url] : urls_)
      paths_[source] = testing::WebhookPathOf(url);
    ASSERT_TRUE(paths_.count("bitbucket"))
        << "no bitbucket webhook URL printed";
    grpc::ClientContext context;
    v1::GetServiceRequest request;
    request.set_name("default");
    ASSERT_TRUE(directory_->GetService(&context, request, &service_).ok());
  }

  Answer Post(const std::string& path, const std::string& body,
              httplib::Headers headers,
              const std::string& content_type = "application/json") {
    httplib::Client client("127.0.0.1", http_port_);
    client.set_read_timeout(30, 0);
    auto result =
        client.Post(path.c_str(), headers, body, content_type.c_str());
    Answer answer;
    if (!result) return answer;
    answer.status = result->status;
    answer.body = Json::parse(result->body, nullptr, false);
    answer.retry_after = result->get_header_value("Retry-After");
    return answer;
  }

  Answer Deliver(const std::string& event, const std::string& body,
                 const std::string& delivery_id = "",
                 httplib::Headers extra = {}) {
    extra.emplace("X-Event-Key", event);
    if (!delivery_id.empty()) extra.emplace("X-Request-UUID", delivery_id);
    return Post(paths_["bitbucket"], body, extra);
  }

  v1::Incident GetIncident(const std::string& id) {
    grpc::ClientContext context;
    v1::GetIncidentRequest request;
    request.set_id(id);
    v1::GetIncidentResponse response;
    EXPECT_TRUE(incidents_->GetIncident(&context, request, &response).ok())
        << id;
    return response.incident();
  }

  // Every incident of the store, and the total of their alert counts.
  std::pair<int, int64_t> StoreSummary() {
    grpc::ClientContext context;
    v1::ListIncidentsRequest request;
    request.set_page_size(1000);
    v1::ListIncidentsResponse response;
    EXPECT_TRUE(incidents_->ListIncidents(&context, request, &response).ok());
    int64_t alerts = 0;
    for (const auto& incident : response.incidents())
      alerts += incident.alert_count();
    return {response.incidents_size(), alerts};
  }

  void SetSecret(const std::string& secret) {
    SetSecretOf("bitbucket", secret);
  }

  void SetSecretOf(const std::string& source, const std::string& secret) {
    grpc::ClientContext context;
    v1::SetWebhookSecretRequest request;
    request.set_service_id(service_.id());
    request.set_source(source);
    request.set_secret(secret);
    v1::AlertSourceStatus status;
    ASSERT_TRUE(directory_->SetWebhookSecret(&context, request, &status).ok());
    // A credential change reaches the front door as a notice, within
    // milliseconds; wait for it. The probe changes nothing: an unreadable
    // body is 400 while no secret applies, 401 (unsigned) once it does.
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (Post(paths_[source], "probe", {}).status != 401) {
      ASSERT_LT(absl::Now(), deadline)
          << "the front door never applied the new secret of " << source;
      absl::SleepFor(absl::Milliseconds(2));
    }
  }

  TempDir dir_;
  ServerProcess server_;
  int http_port_ = 0;
  std::map<std::string, std::string> urls_;
  std::map<std::string, std::string> paths_;
  std::unique_ptr<v1::IncidentService::Stub> incidents_;
  std::unique_ptr<v1::ServiceDirectory::Stub> directory_;
  std::unique_ptr<v1::RulesService::Stub> rules_;
  v1::Service service_;
};

TEST_F(WebhookEndToEndTest, CloudPushAndPullRequestLifecycle) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  Answer push =
      Deliver("repo:push", Fixture("cloud/repo_push.branch.json"), "c-1");
  ASSERT_EQ(push.status, 200) << push.body.dump();
  EXPECT_EQ(push.body["alerts"][0]["outcome"], "opened");
  EXPECT_EQ(GetIncident(push.body["alerts"][0]["incident_id"]).state(),
            v1::INCIDENT_STATE_TRIGGERED);

  Answer created = Deliver("pullrequest:created",
                           Fixture("cloud/pullrequest_created.json"), "c-2");
  ASSERT_EQ(created.status, 200) << created.body.dump();
  EXPECT_EQ(created.body["alerts"][0]["outcome"], "opened");
  const std::string pr_incident = created.body["alerts"][0]["incident_id"];

  Answer merged = Deliver("pullrequest:fulfilled",
                          Fixture("cloud/pullrequest_fulfilled.json"), "c-3");
  ASSERT_EQ(merged.status, 200) << merged.body.dump();
  EXPECT_EQ(merged.body["alerts"][0]["outcome"], "resolved");
  EXPECT_EQ(merged.body["alerts"][0]["incident_id"], pr_incident);
  v1::Incident resolved = GetIncident(pr_incident);
  EXPECT_EQ(resolved.state(), v1::INCIDENT_STATE_RESOLVED);
  EXPECT_EQ(resolved.resolved_by(), "source:bitbucket");

  // Declined: the real declined delivery is for PR #2; open #2 first from the
  // created delivery with its id changed.
  Json pr2 = Json::parse(Fixture("cloud/pullrequest_created.json"));
  pr2["pullrequest"]["id"] = 2;
  Answer opened2 = Deliver("pullrequest:created", pr2.dump(), "c-4");
  ASSERT_EQ(opened2.status, 200);
  Answer declined = Deliver("pullrequest:rejected",
                            Fixture("cloud/pullrequest_rejected.json"), "c-5");
  ASSERT_EQ(declined.status, 200);
  EXPECT_EQ(declined.body["alerts"][0]["outcome"], "resolved");
  EXPECT_EQ(GetIncident(opened2.body["alerts"][0]["incident_id"]).state(),
            v1::INCIDENT_STATE_RESOLVED);

  Answer unrelated = Deliver("pullrequest:approved",
                             Fixture("cloud/pullrequest_approved.json"), "c-6");
  ASSERT_EQ(unrelated.status, 200);
  EXPECT_TRUE(unrelated.body["alerts"].empty());
  EXPECT_NE(
      unrelated.body["ignored"].get<std::string>().find("pullrequest:approved"),
      std::string::npos);

  grpc::ClientContext context;
  v1::ListAlertSourcesRequest request;
  request.set_service_id(service_.id());
  v1::ListAlertSourcesResponse sources;
  ASSERT_TRUE(directory_->ListAlertSources(&context, request, &sources).ok());
  bool bitbucket_receiving = false;
  for (const auto& s : sources.sources()) {
    if (s.source() == "bitbucket") bitbucket_receiving = s.receiving_alerts();
  }
  EXPECT_TRUE(bitbucket_receiving);
}

TEST_F(WebhookEndToEndTest, DataCenterPushPullRequestsAndPing) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  Answer push = Deliver("repo:refs_changed",
                        Fixture("server/repo_refs_changed.update.json"), "");
  ASSERT_EQ(push.status, 200) << push.body.dump();
  EXPECT_EQ(push.body["alerts"][0]["outcome"], "opened");

  Answer opened = Deliver("pr:opened", Fixture("server/pr_opened.json"));
  Answer declined = Deliver("pr:declined", Fixture("server/pr_declined.json"));
  ASSERT_EQ(declined.status, 200);
  EXPECT_EQ(declined.body["alerts"][0]["incident_id"],
            opened.body["alerts"][0]["incident_id"]);
  EXPECT_EQ(GetIncident(opened.body["alerts"][0]["incident_id"]).state(),
            v1::INCIDENT_STATE_RESOLVED);

  Answer opened5 =
      Deliver("pr:opened", Fixture("server/pr_opened.gopher.json"));
  Answer merged5 =
      Deliver("pr:merged", Fixture("server/pr_merged.gopher.json"));
  ASSERT_EQ(merged5.status, 200);
  EXPECT_EQ(merged5.body["alerts"][0]["outcome"], "resolved");
  EXPECT_EQ(GetIncident(opened5.body["alerts"][0]["incident_id"]).state(),
            v1::INCIDENT_STATE_RESOLVED);

  httplib::Headers ping_headers = {{"X-Request-Id", "ping-1"}};
  Answer ping =
      Post(paths_["bitbucket"], Fixture("server/diagnostics_ping.json"),
           {{"X-Event-Key", "diagnostics:ping"}, {"X-Request-Id", "ping-1"}},
           "application/json; charset=UTF-8");
  ASSERT_EQ(ping.status, 200) << ping.body.dump();
  ASSERT_EQ(ping.body["alerts"].size(), 2u);
  EXPECT_EQ(ping.body["alerts"][0]["outcome"], "opened");
  EXPECT_EQ(ping.body["alerts"][1]["outcome"], "resolved");
  EXPECT_EQ(GetIncident(ping.body["alerts"][0]["incident_id"]).state(),
            v1::INCIDENT_STATE_RESOLVED)
      << "the test alert is resolved at once";

  Answer unrelated =
      Deliver("pr:comment:added", Fixture("server/pr_comment_added.json"));
  ASSERT_EQ(unrelated.status, 200);
  EXPECT_TRUE(unrelated.body["alerts"].empty());
}

TEST_F(WebhookEndToEndTest, EveryFixtureOverHttpIsAcceptedAsTheAdapterSays) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  int deliveries = 0;
  for (const auto& fixture : AllBitbucketFixtures()) {
    Answer answer = Deliver(fixture.event, fixture.body,
                            "fixture-" + std::to_string(deliveries++));
    ASSERT_EQ(answer.status, 200) << fixture.name << ": " << answer.body.dump();
    const bool ignored = answer.body.contains("ignored");
    EXPECT_NE(ignored, !answer.body["alerts"].empty()) << fixture.name;
    for (const auto& alert : answer.body["alerts"]) {
      EXPECT_FALSE(alert["outcome"].get<std::string>().empty()) << fixture.name;
    }
  }
  EXPECT_GE(deliveries, 50);
}

TEST_F(WebhookEndToEndTest, TheSameDeliveryTwiceHasOneEffect) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  const std::string body = Fixture("cloud/repo_push.forced.json");
  Answer first = Deliver("repo:push", body, "same-delivery");
  Answer second = Deliver("repo:push", body, "same-delivery");
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(second.status, 200);
  EXPECT_FALSE(first.body["alerts"][0]["replayed"].get<bool>());
  EXPECT_TRUE(second.body["alerts"][0]["replayed"].get<bool>());
  EXPECT_EQ(second.body["alerts"][0]["incident_id"],
            first.body["alerts"][0]["incident_id"]);
  EXPECT_EQ(GetIncident(first.body["alerts"][0]["incident_id"]).alert_count(),
            1);
  // Without a delivery id, a second delivery is a second alert (it folds).
  Deliver("repo:push", body);
  EXPECT_EQ(GetIncident(first.body["alerts"][0]["incident_id"]).alert_count(),
            2);
}

TEST_F(WebhookEndToEndTest, TheDeliveryLogShowsWhatBecameOfEachDelivery) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  const std::string body = Fixture("cloud/pullrequest_created.json");
  Answer opened = Deliver("pullrequest:created", body, "log-1");
  ASSERT_EQ(opened.status, 200);
  ASSERT_EQ(Deliver("pullrequest:created", body, "log-1").status, 200);
  // Signed deliveries only, from now on: an unsigned one is refused.
  ASSERT_NO_FATAL_FAILURE(SetSecret("s3cret"));
  ASSERT_EQ(Deliver("pullrequest:created", body, "log-2").status, 401);

  // The front door sends its log in the background: wait for it.
  v1::ListDeliveriesResponse log;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (true) {
    grpc::ClientContext context;
    v1::ListDeliveriesRequest request;
    request.set_service_id(service_.id());
    request.set_source("bitbucket");
    log.Clear();
    ASSERT_TRUE(directory_->ListDeliveries(&context, request, &log).ok());
    // The secret's probes ("probe", 5 bytes) are in the log too.
    int real = 0;
    for (const v1::Delivery& d : log.deliveries()) {
      real += d.body_bytes() == static_cast<int64_t>(body.size());
    }
    if (real == 3) break;
    ASSERT_LT(absl::Now(), deadline) << log.DebugString();
    absl::SleepFor(absl::Milliseconds(20));
  }
  std::vector<const v1::Delivery*> mine;
  for (const v1::Delivery& d : log.deliveries()) {
    if (d.body_bytes() == static_cast<int64_t>(body.size())) mine.push_back(&d);
  }
  // Newest first: the refusal, the redelivery, the first delivery. The
  // refusal carries its delivery id and keeps its request for a replay.
  EXPECT_EQ(mine[0]->outcome(), v1::DELIVERY_OUTCOME_BAD_SIGNATURE);
  EXPECT_EQ(mine[0]->http_status(), 401);
  EXPECT_FALSE(mine[0]->reason().empty());
  EXPECT_EQ(mine[0]->delivery_id(), "log-2");
  EXPECT_TRUE(mine[0]->body_kept());
  EXPECT_FALSE(mine[1]->body_kept());  // Accepted ones keep nothing.
  EXPECT_EQ(mine[1]->outcome(), v1::DELIVERY_OUTCOME_REPLAYED);
  EXPECT_EQ(mine[1]->delivery_id(), "log-1");
  EXPECT_EQ(mine[2]->outcome(), v1::DELIVERY_OUTCOME_ACCEPTED);
  EXPECT_EQ(mine[2]->event(), "pullrequest:created");
  EXPECT_EQ(mine[2]->http_status(), 200);
  ASSERT_EQ(mine[2]->incident_ids_size(), 1);
  EXPECT_EQ(mine[2]->incident_ids(0),
            opened.body["alerts"][0]["incident_id"].get<std::string>());
  EXPECT_EQ(mine[2]->body_bytes(), static_cast<int64_t>(body.size()));
  for (const v1::Delivery* d : mine) {
    EXPECT_EQ(d->service_id(), service_.id());
    EXPECT_EQ(d->source(), "bitbucket");
  }
}

// The entries of the log with `delivery_id`, newest first, once there are
// `count`.
std::vector<v1::Delivery> WaitForLogEntries(
    v1::ServiceDirectory::Stub& directory, const std::string& service_id,
    const std::string& delivery_id, size_t count) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (true) {
    grpc::ClientContext context;
    v1::ListDeliveriesRequest request;
    request.set_service_id(service_id);
    v1::ListDeliveriesResponse log;
    EXPECT_TRUE(directory.ListDeliveries(&context, request, &log).ok());
    std::vector<v1::Delivery> found;
    for (const v1::Delivery& d : log.deliveries()) {
      if (d.delivery_id() == delivery_id) found.push_back(d);
    }
    if (found.size() >= count || absl::Now() > deadline) return found;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

TEST_F(WebhookEndToEndTest,
       ARefusedDeliveryIsKeptAndReplaysOnceTheSecretIsFixed) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  // The admin typed the secret wrong; Bitbucket signs with the right one.
  ASSERT_NO_FATAL_FAILURE(SetSecret("typo"));
  const std::string body = Fixture("cloud/pullrequest_created.json");
  ASSERT_EQ(Deliver("pullrequest:created", body, "kept-1",
                    {{"X-Hub-Signature", SignWebhookBody("right", body)},
                     {"Authorization", "Basic c2VjcmV0"}})
                .status,
            401);
  std::vector<v1::Delivery> entries =
      WaitForLogEntries(*directory_, service_.id(), "kept-1", 1);
  ASSERT_EQ(entries.size(), 1u);
  const v1::Delivery refused = entries[0];
  EXPECT_EQ(refused.outcome(), v1::DELIVERY_OUTCOME_BAD_SIGNATURE);
  EXPECT_TRUE(refused.body_kept());
  EXPECT_FALSE(refused.has_kept_request());  // Lists carry no bodies.

  // The kept request, byte for byte, without the credential header.
  grpc::ClientContext get_context;
  v1::GetDeliveryRequest get;
  get.set_id(refused.id());
  v1::Delivery kept;
  ASSERT_TRUE(directory_->GetDelivery(&get_context, get, &kept).ok());
  EXPECT_EQ(kept.kept_request().body(), body);
  std::map<std::string, std::string> headers;
  for (const auto& h : kept.kept_request().headers()) {
    headers[absl::AsciiStrToLower(h.name())] = h.value();
  }
  EXPECT_EQ(headers["x-request-uuid"], "kept-1");
  EXPECT_EQ(headers["x-hub-signature"], SignWebhookBody("right", body));
  EXPECT_EQ(headers.count("authorization"), 0u);

  auto replay = [&](v1::ReplayDeliveryResponse* out) {
    grpc::ClientContext context;
    v1::ReplayDeliveryRequest request;
    request.set_id(refused.id());
    return directory_->ReplayDelivery(&context, request, out);
  };
  // Replayed before the fix: refused again, recorded as a replay.
  v1::ReplayDeliveryResponse still_wrong;
  ASSERT_TRUE(replay(&still_wrong).ok());
  EXPECT_EQ(still_wrong.delivery().outcome(),
            v1::DELIVERY_OUTCOME_BAD_SIGNATURE);
  EXPECT_EQ(still_wrong.delivery().replay_of(), refused.id());
  EXPECT_EQ(StoreSummary().first, 0);

  // Fixed: the replay opens the incident Bitbucket meant to open.
  ASSERT_NO_FATAL_FAILURE(SetSecret("right"));
  v1::ReplayDeliveryResponse fixed;
  ASSERT_TRUE(replay(&fixed).ok());
  EXPECT_EQ(fixed.delivery().outcome(), v1::DELIVERY_OUTCOME_ACCEPTED);
  EXPECT_EQ(fixed.delivery().http_status(), 200);
  EXPECT_EQ(fixed.delivery().replay_of(), refused.id());
  EXPECT_EQ(fixed.delivery().delivery_id(), "kept-1");
  ASSERT_EQ(fixed.delivery().incident_ids_size(), 1);
  const v1::Incident incident = GetIncident(fixed.delivery().incident_ids(0));
  EXPECT_EQ(incident.source(), "bitbucket");
  EXPECT_EQ(incident.alert_count(), 1);

  // Once more, or Bitbucket's own retry: one effect (the delivery id).
  v1::ReplayDeliveryResponse twice;
  ASSERT_TRUE(replay(&twice).ok());
  EXPECT_EQ(twice.delivery().outcome(), v1::DELIVERY_OUTCOME_REPLAYED);
  ASSERT_EQ(Deliver("pullrequest:created", body, "kept-1",
                    {{"X-Hub-Signature", SignWebhookBody("right", body)}})
                .status,
            200);
  EXPECT_EQ(GetIncident(incident.id()).alert_count(), 1);
  EXPECT_EQ(StoreSummary().first, 1);

  // What is not kept cannot be replayed; unknown ids are NOT_FOUND.
  grpc::ClientContext context;
  v1::ReplayDeliveryRequest request;
  request.set_id(fixed.delivery().id());
  v1::ReplayDeliveryResponse none;
  EXPECT_EQ(directory_->ReplayDelivery(&context, request, &none).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(WebhookEndToEndTest, ATestAlertTurnsTheSourceToReceiving) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  auto receiving = [&] {
    grpc::ClientContext context;
    v1::ListAlertSourcesRequest request;
    request.set_service_id(service_.id());
    v1::ListAlertSourcesResponse sources;
    EXPECT_TRUE(directory_->ListAlertSources(&context, request, &sources).ok());
    for (const auto& s : sources.sources()) {
      if (s.source() == "bitbucket") return s.receiving_alerts();
    }
    return false;
  };
  EXPECT_FALSE(receiving());
  grpc::ClientContext context;
  v1::SendTestAlertRequest request;
  request.set_service_id(service_.id());
  request.set_source("bitbucket");
  v1::SendTestAlertResponse sent;
  ASSERT_TRUE(directory_->SendTestAlert(&context, request, &sent).ok());
  EXPECT_TRUE(receiving());
  const v1::Incident incident = GetIncident(sent.incident_id());
  EXPECT_EQ(incident.state(), v1::INCIDENT_STATE_RESOLVED);
  EXPECT_EQ(incident.source(), "bitbucket");
  // An unknown service is NOT_FOUND and changes nothing.
  grpc::ClientContext again;
  request.set_service_id("no-such-service");
  EXPECT_EQ(directory_->SendTestAlert(&again, request, &sent).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(StoreSummary().first, 1);
}

TEST_F(WebhookEndToEndTest, AlertmanagerNotificationsOpenAndResolveEachAlert) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  ASSERT_TRUE(paths_.count("alertmanager")) << "no alertmanager URL printed";
  auto notify = [&](const std::string& file) {
    const std::string body =
        ReadFileOrEmpty(ProjectFile("tests/fixtures/alertmanager/" + file));
    EXPECT_FALSE(body.empty()) << file;
    return Post(paths_["alertmanager"], body,
                {{"User-Agent", "Alertmanager/0.25.0"}});
  };
  // In the order Alertmanager sent them (PROVENANCE.md).
  Answer group = notify("group_firing_two_alerts.json");
  ASSERT_EQ(group.status, 200) << group.body.dump();
  ASSERT_EQ(group.body["alerts"].size(), 2u);
  const std::string db1 = group.body["alerts"][0]["incident_id"];
  const std::string db2 = group.body["alerts"][1]["incident_id"];
  EXPECT_NE(db1, db2);  // One incident per alert of the group.
  EXPECT_TRUE(group.body["idempotent"].get<bool>());
  // Alertmanager retries a notification with the same body: one effect.
  Answer retry = notify("group_firing_two_alerts.json");
  ASSERT_EQ(retry.status, 200);
  EXPECT_TRUE(retry.body["alerts"][0]["replayed"].get<bool>());
  Answer latency = notify("single_firing_no_summary.json");
  ASSERT_EQ(latency.status, 200);
  const std::string slow = latency.body["alerts"][0]["incident_id"];

  Answer one_back = notify("group_one_resolved_one_firing.json");
  ASSERT_EQ(one_back.status, 200);
  EXPECT_EQ(GetIncident(db1).state(), v1::INCIDENT_STATE_RESOLVED);
  EXPECT_EQ(GetIncident(db2).state(), v1::INCIDENT_STATE_TRIGGERED);
  EXPECT_EQ(GetIncident(db2).alert_count(), 2);  // Still firing: folded.
  ASSERT_EQ(notify("group_last_resolved.json").status, 200);
  ASSERT_EQ(notify("single_resolved.json").status, 200);
  for (const std::string& id : {db1, db2, slow}) {
    const v1::Incident incident = GetIncident(id);
    EXPECT_EQ(incident.state(), v1::INCIDENT_STATE_RESOLVED) << id;
    EXPECT_EQ(incident.source(), "alertmanager");
  }
  EXPECT_EQ(GetIncident(slow).summary(), "HighRequestLatency");
  EXPECT_EQ(StoreSummary().first, 3);
}

TEST_F(WebhookEndToEndTest, GitHubDeliveriesSignedOpenAndResolveIncidents) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  ASSERT_TRUE(paths_.count("github")) << "no github URL printed";
  ASSERT_NO_FATAL_FAILURE(SetSecretOf("github", "gh-secret"));
  int delivery = 0;
  auto deliver = [&](const std::string& event, const std::string& file,
                     const std::string& secret = "gh-secret") {
    const std::string body =
        ReadFileOrEmpty(ProjectFile("tests/fixtures/github/" + file));
    EXPECT_FALSE(body.empty()) << file;
    httplib::Headers headers = {
        {"X-GitHub-Event", event},
        {"X-GitHub-Delivery", "gh-" + std::to_string(++delivery)}};
    if (!secret.empty()) {
      headers.emplace("X-Hub-Signature-256", SignWebhookBody(secret, body));
    }
    return Post(paths_["github"], body, headers);
  };
  // Every fixture is answered 200 (PROVENANCE.md lists them with events).
  const std::vector<std::pair<std::string, std::string>> all = {
      {"ping", "ping.json"},
      {"push", "push.branch_created.json"},
      {"push", "push.tag_created.json"},
      {"push", "push.tag_deleted.json"},
      {"pull_request", "pull_request.assigned.json"},
      {"check_run", "check_run.created.json"},
      {"check_suite", "check_suite.completed_success.json"},
      {"workflow_run", "workflow_run.completed_success.json"},
      {"workflow_run", "workflow_run.requested.json"},
      {"star", "star.created.json"},
      {"issues", "issues.edited.json"}};
  for (const auto& [event, file] : all) {
    Answer answer = deliver(event, file);
    EXPECT_EQ(answer.status, 200) << file << ": " << answer.body.dump();
  }
  // A pull request's life: opened, closed, reopened, closed again.
  Answer opened = deliver("pull_request", "pull_request.opened.json");
  ASSERT_EQ(opened.status, 200) << opened.body.dump();
  const std::string pr = opened.body["alerts"][0]["incident_id"];
  EXPECT_EQ(GetIncident(pr).state(), v1::INCIDENT_STATE_TRIGGERED);
  ASSERT_EQ(deliver("pull_request", "pull_request.closed.json").status, 200);
  EXPECT_EQ(GetIncident(pr).state(), v1::INCIDENT_STATE_RESOLVED);
  Answer reopened = deliver("pull_request", "pull_request.reopened.json");
  ASSERT_EQ(reopened.status, 200);
  const std::string again = reopened.body["alerts"][0]["incident_id"];
  EXPECT_NE(again, pr);  // Resolved is final: a new incident.
  ASSERT_EQ(deliver("pull_request", "pull_request.closed.json").status, 200);
  EXPECT_EQ(GetIncident(again).state(), v1::INCIDENT_STATE_RESOLVED);
  // A check fails, then passes on the same branch.
  Answer failed = deliver("check_run", "check_run.completed_failure.json");
  ASSERT_EQ(failed.status, 200);
  const std::string check = failed.body["alerts"][0]["incident_id"];
  EXPECT_EQ(GetIncident(check).severity(), v1::SEVERITY_ERROR);
  ASSERT_EQ(deliver("check_run", "check_run.completed_success.json").status,
            200);
  EXPECT_EQ(GetIncident(check).state(), v1::INCIDENT_STATE_RESOLVED);
  // Unsigned, or signed with another secret: refused, nothing changes.
  const auto before = StoreSummary();
  EXPECT_EQ(deliver("push", "push.branch_created.json", "").status, 401);
  EXPECT_EQ(deliver("push", "push.branch_created.json", "other").status, 401);
  EXPECT_EQ(StoreSummary(), before);
}

TEST_F(WebhookEndToEndTest,
       GitLabDeliveriesWithTheTokenOpenAndResolveIncidents) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  ASSERT_TRUE(paths_.count("gitlab")) << "no gitlab URL printed";
  ASSERT_NO_FATAL_FAILURE(SetSecretOf("gitlab", "gl-token"));
  int delivery = 0;
  auto deliver_body = [&](const std::string& event, const std::string& body,
                          const std::string& token = "gl-token") {
    EXPECT_FALSE(body.empty());
    httplib::Headers headers = {
        {"X-Gitlab-Event", event},
        {"X-Gitlab-Event-UUID", "gl-" + std::to_string(++delivery)},
        {"User-Agent", "GitLab/17.6.0"}};
    if (!token.empty()) headers.emplace("X-Gitlab-Token", token);
    return Post(paths_["gitlab"], body, headers);
  };
  auto deliver = [&](const std::string& event, const std::string& file,
                     const std::string& token = "gl-token") {
    return deliver_body(
        event, ReadFileOrEmpty(ProjectFile("tests/fixtures/gitlab/" + file)),
        token);
  };
  // Every fixture is answered 200 (PROVENANCE.md lists them with events).
  for (const auto& [event, file] :
       std::vector<std::pair<std::string, std::string>>{
           {"Push Hook", "push.json"},
           {"Pipeline Hook", "pipeline.pending.json"},
           {"Pipeline Hook", "pipeline.running.json"}}) {
    Answer answer = deliver(event, file);
    EXPECT_EQ(answer.status, 200) << file << ": " << answer.body.dump();
  }
  // Merge request !2 opened, then closed; !3 opened, then merged.
  for (const auto& [opens, ends] :
       std::vector<std::pair<std::string, std::string>>{
           {"merge_request.opened.json", "merge_request.closed.json"},
           {"merge_request.opened_with_assignee.json",
            "merge_request.merged.json"}}) {
    Answer opened = deliver("Merge Request Hook", opens);
    ASSERT_EQ(opened.status, 200) << opened.body.dump();
    const std::string mr = opened.body["alerts"][0]["incident_id"];
    EXPECT_EQ(GetIncident(mr).state(), v1::INCIDENT_STATE_TRIGGERED);
    ASSERT_EQ(deliver("Merge Request Hook", ends).status, 200);
    EXPECT_EQ(GetIncident(mr).state(), v1::INCIDENT_STATE_RESOLVED) << ends;
    EXPECT_EQ(GetIncident(mr).source(), "gitlab");
  }
  // A pipeline fails on master, then passes there. No failed pipeline was
  // captured (PROVENANCE.md): the captured success with its status changed.
  std::string failed = ReadFileOrEmpty(
      ProjectFile("tests/fixtures/gitlab/pipeline.success.json"));
  const std::string success = "\"status\":\"success\",";
  ASSERT_NE(failed.find(success), std::string::npos);
  failed.replace(failed.find(success), success.size(),
                 "\"status\":\"failed\",");
  Answer broken = deliver_body("Pipeline Hook", failed);
  ASSERT_EQ(broken.status, 200) << broken.body.dump();
  const std::string pipeline = broken.body["alerts"][0]["incident_id"];
  EXPECT_EQ(GetIncident(pipeline).severity(), v1::SEVERITY_ERROR);
  ASSERT_EQ(deliver("Pipeline Hook", "pipeline.success.json").status, 200);
  EXPECT_EQ(GetIncident(pipeline).state(), v1::INCIDENT_STATE_RESOLVED);
  // Without the token, or with another: refused, nothing changes.
  const auto before = StoreSummary();
  EXPECT_EQ(deliver("Push Hook", "push.json", "").status, 401);
  EXPECT_EQ(deliver("Push Hook", "push.json", "gl-tokem").status, 401);
  EXPECT_EQ(StoreSummary(), before);
}

TEST_F(WebhookEndToEndTest, GrafanaNotificationsOpenAndResolveEachAlert) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  ASSERT_TRUE(paths_.count("grafana")) << "no grafana URL printed";
  auto notify = [&](const std::string& file) {
    const std::string body =
        ReadFileOrEmpty(ProjectFile("tests/fixtures/grafana/" + file));
    EXPECT_FALSE(body.empty()) << file;
    return Post(paths_["grafana"], body, {{"User-Agent", "Grafana"}});
  };
  // The contact point's Test button: opened and resolved at once.
  Answer test = notify("test_notification.json");
  ASSERT_EQ(test.status, 200) << test.body.dump();
  const std::string tested = test.body["alerts"][0]["incident_id"];
  EXPECT_EQ(GetIncident(tested).state(), v1::INCIDENT_STATE_RESOLVED);

  Answer firing = notify("firing.json");
  ASSERT_EQ(firing.status, 200) << firing.body.dump();
  const std::string alert = firing.body["alerts"][0]["incident_id"];
  EXPECT_EQ(GetIncident(alert).state(), v1::INCIDENT_STATE_TRIGGERED);
  // Grafana retries with the same body: one effect.
  Answer retry = notify("firing.json");
  ASSERT_EQ(retry.status, 200);
  EXPECT_TRUE(retry.body["alerts"][0]["replayed"].get<bool>());
  Answer values = notify("firing_values_v11.json");
  ASSERT_EQ(values.status, 200);
  const std::string memory = values.body["alerts"][0]["incident_id"];
  EXPECT_NE(memory, alert);
  EXPECT_EQ(GetIncident(memory).summary(), "High memory usage");
  // Three alerts in one notification, committed together.
  Answer mixed = notify("mixed_two_resolved_one_firing.json");
  ASSERT_EQ(mixed.status, 200) << mixed.body.dump();
  ASSERT_EQ(mixed.body["alerts"].size(), 3u);
  const std::string second = mixed.body["alerts"][2]["incident_id"];
  EXPECT_EQ(GetIncident(second).state(), v1::INCIDENT_STATE_TRIGGERED);

  ASSERT_EQ(notify("resolved.json").status, 200);
  EXPECT_EQ(GetIncident(alert).state(), v1::INCIDENT_STATE_RESOLVED);
  EXPECT_EQ(GetIncident(alert).source(), "grafana");
  EXPECT_EQ(GetIncident(memory).state(), v1::INCIDENT_STATE_TRIGGERED);
  // Legacy dashboard alerting: refused with the reason, nothing changes.
  const auto before = StoreSummary();
  Answer legacy = notify("legacy_alerting.json");
  EXPECT_EQ(legacy.status, 400);
  EXPECT_NE(legacy.body.dump().find("legacy"), std::string::npos)
      << legacy.body.dump();
  EXPECT_EQ(StoreSummary(), before);
}

TEST_F(WebhookEndToEndTest, RulesSuppressRenovatePushesAndRouteAPullRequest) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  v1::Service payments;
  {
    grpc::ClientContext context;
    v1::CreateServiceRequest request;
    request.set_name("payments");
    ASSERT_TRUE(directory_->CreateService(&context, request, &payments).ok());
  }
  // docs/rules.md's first two examples, through the API.
  v1::SetRulesRequest set;
  set.set_service_id(service_.id());
  v1::Rule* quiet = set.add_rules();
  quiet->set_name("quiet renovate pushes");
  v1::RuleCondition* push = quiet->add_when();
  push->set_field(v1::RULE_FIELD_EVENT);
  push->set_op(v1::MATCH_OPERATOR_EQUALS);
  push->set_value("repo:push");
  v1::RuleCondition* branch = quiet->add_when();
  branch->set_field(v1::RULE_FIELD_TAG);
  branch->set_tag("branch");
  branch->set_op(v1::MATCH_OPERATOR_PREFIX);
  branch->set_value("renovate/");
  quiet->mutable_then()->set_suppress(true);
  v1::Rule* route = set.add_rules();
  route->set_name("foo's pull requests to payments");
  v1::RuleCondition* pr = route->add_when();
  pr->set_field(v1::RULE_FIELD_EVENT);
  pr->set_op(v1::MATCH_OPERATOR_PREFIX);
  pr->set_value("pullrequest:");
  v1::RuleCondition* repo = route->add_when();
  repo->set_field(v1::RULE_FIELD_TAG);
  repo->set_tag("repository");
  repo->set_op(v1::MATCH_OPERATOR_EQUALS);
  repo->set_value("brydzewski/foo");
  route->mutable_then()->set_route_to_service_id(payments.id());
  {
    grpc::ClientContext context;
    v1::ServiceRules saved;
    grpc::Status status = rules_->SetRules(&context, set, &saved);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(saved.revision(), 1);
  }
  // A real push, to a renovate branch: recorded, suppressed.
  std::string renovate = Fixture("cloud/repo_push.branch.json");
  for (size_t at = renovate.find("\"master\""); at != std::string::npos;
       at = renovate.find("\"master\"", at)) {
    renovate.replace(at, 8, "\"renovate/lodash\"");
  }
  Answer quieted = Deliver("repo:push", renovate, "r-1");
  ASSERT_EQ(quieted.status, 200) << quieted.body.dump();
  EXPECT_EQ(GetIncident(quieted.body["alerts"][0]["incident_id"]).state(),
            v1::INCIDENT_STATE_SUPPRESSED);
  // The same push to master pages as before.
  Answer master =
      Deliver("repo:push", Fixture("cloud/repo_push.branch.json"), "r-2");
  ASSERT_EQ(master.status, 200);
  EXPECT_EQ(GetIncident(master.body["alerts"][0]["incident_id"]).state(),
            v1::INCIDENT_STATE_TRIGGERED);
  // The pull request opens in payments, and its merge resolves it there.
  Answer created = Deliver("pullrequest:created",
                           Fixture("cloud/pullrequest_created.json"), "r-3");
  ASSERT_EQ(created.status, 200) << created.body.dump();
  const std::string routed = created.body["alerts"][0]["incident_id"];
  EXPECT_EQ(GetIncident(routed).service_id(), payments.id());
  ASSERT_EQ(Deliver("pullrequest:fulfilled",
                    Fixture("cloud/pullrequest_fulfilled.json"), "r-4")
                .status,
            200);
  EXPECT_EQ(GetIncident(routed).state(), v1::INCIDENT_STATE_RESOLVED);
}

TEST_F(WebhookEndToEndTest, BadInputGetsItsStatusAJsonErrorAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(
      StartAllInOne({"--max_body_bytes=20000", "--key_cache_ttl=0s"}));
  ASSERT_EQ(
      Deliver("repo:push", Fixture("cloud/repo_push.branch.json"), "x").status,
      200);
  const auto before = StoreSummary();
  const std::string pr = Fixture("cloud/pullrequest_created.json");
  const std::string path = paths_["bitbucket"];
  const std::string key_path = path.substr(0, path.rfind('/') + 1);

  struct Case {
    std::string what;
    Answer answer;
    int status;
    std::string code;
  };
  std::vector<Case> cases;
  cases.push_back({"malformed JSON",
                   Deliver("pullrequest:created", "{\"pullrequest\":"), 400,
                   "bad_payload"});
  cases.push_back(
      {"missing event header", Post(path, pr, {}), 400, "unknown_event"});
  cases.push_back(
      {"unknown event", Deliver("build:done", pr), 400, "unknown_event"});
  cases.push_back(
      {"unknown source",
       Post("/v1/webhooks/gitea/" + path.substr(path.rfind('/') + 1), pr,
            {{"X-Event-Key", "pullrequest:created"}}),
       404, "unknown_source"});
  cases.push_back({"unknown key",
                   Post(key_path + std::string(48, 'a'), pr,
                        {{"X-Event-Key", "pullrequest:created"}}),
                   404, "unknown_key"});
  cases.push_back(
      {"malformed key",
       Post(key_path + "short", pr, {{"X-Event-Key", "pullrequest:created"}}),
       404, "unknown_key"});
  cases.push_back({"body over the limit",
                   Deliver("pullrequest:created", std::string(30000, ' ') + pr),
                   413, "body_too_large"});
  cases.push_back(
      {"wrong content type",
       Post(path, pr, {{"X-Event-Key", "pullrequest:created"}}, "text/plain"),
       415, "wrong_content_type"});
  for (const Case& c : cases) {
    EXPECT_EQ(c.answer.status, c.status)
        << c.what << ": " << c.answer.body.dump();
    ASSERT_TRUE(c.answer.body.is_object())
        << c.what << " answered without JSON";
    EXPECT_EQ(c.answer.body["error"]["code"], c.code) << c.what;
    EXPECT_FALSE(c.answer.body["error"]["message"].get<std::string>().empty())
        << c.what;
  }

  // A revoked key: rotate it, then the old URL stops working.
  {
    grpc::ClientContext context;
    v1::IssueWebhookKeyRequest request;
    request.set_service_id(service_.id());
    request.set_source("bitbucket");
    v1::IssueWebhookKeyResponse issued;
    ASSERT_TRUE(directory_->IssueWebhookKey(&context, request, &issued).ok());
    Answer revoked = Deliver("pullrequest:created", pr);
    EXPECT_EQ(revoked.status, 404);
    EXPECT_EQ(revoked.body["error"]["code"], "unknown_key");
    paths_["bitbucket"] = key_path + issued.webhook_key();
  }
  // Signatures, once the service has a secret.
  SetSecret(kSecret);
  Answer unsigned_delivery = Deliver("pullrequest:created", pr);
  EXPECT_EQ(unsigned_delivery.status, 401);
  EXPECT_EQ(unsigned_delivery.body["error"]["code"], "bad_signature");
  Answer badly_signed =
      Deliver("pullrequest:created", pr, "",
              {{"X-Hub-Signature", SignWebhookBody("other", pr)}});
  EXPECT_EQ(badly_signed.status, 401);

  EXPECT_EQ(StoreSummary(), before) << "a rejected delivery changed the store";
}

TEST_F(WebhookEndToEndTest, SignaturesFollowTheDocumentedTestVectors) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne({"--key_cache_ttl=0s"}));
  SetSecret(kSecret);
  const std::string cloud = Fixture("cloud/repo_push.signed_raw.json");
  const std::string dc = Fixture("server/repo_refs_changed.signed_raw.json");
  Answer cloud_ok = Deliver(
      "repo:push", cloud, "s-1",
      {{"X-Hub-Signature",
        "sha256="
        "f205c729821c6954aff2afe72b965c34015b4baf96ea8ddc2cc44999c014a035"}});
  EXPECT_EQ(cloud_ok.status, 200) << cloud_ok.body.dump();
  Answer dc_ok = Post(
      paths_["bitbucket"], dc,
      {{"X-Event-Key", "repo:refs_changed"},
       {"X-Request-Id", "s-2"},
       {"X-Hub-Signature",
        "sha256="
        "4ffba9e7b58ea3d7e1a230446e8c92baea0aeec89b73f598932387254f0de13e"}});
  EXPECT_EQ(dc_ok.status, 200) << dc_ok.body.dump();

  std::string tampered = cloud;
  tampered[tampered.size() / 2] ^= 1;
  EXPECT_EQ(Deliver("repo:push", tampered, "s-3",
                    {{"X-Hub-Signature", SignWebhookBody(kSecret, cloud)}})
                .status,
            401);
  EXPECT_EQ(
      Deliver("repo:push", cloud, "s-4",
              {{"X-Hub-Signature", SignWebhookBody("wrong secret", cloud)}})
          .status,
      401);
  EXPECT_EQ(Deliver("repo:push", cloud, "s-5").status, 401);
  // Bitbucket's "Test connection" ping comes unsigned; it is accepted as a
  // ping and nothing else.
  Answer ping =
      Post(paths_["bitbucket"], Fixture("server/diagnostics_ping.json"),
           {{"X-Event-Key", "diagnostics:ping"}});
  EXPECT_EQ(ping.status, 200) << ping.body.dump();
  EXPECT_EQ(
      Post(paths_["bitbucket"], cloud, {{"X-Event-Key", "diagnostics:ping"}})
          .body["alerts"][0]["dedup_key"]
          .get<std::string>()
          .rfind("ping:", 0),
      0u)
      << "an unsigned delivery claiming to be a ping is only ever a ping";
}

TEST_F(WebhookEndToEndTest, TooManyRequestsGet429WithRetryAfter) {
  ASSERT_NO_FATAL_FAILURE(
      StartAllInOne({"--rate_limit=0.5", "--rate_burst=2"}));
  const std::string body = Fixture("cloud/repo_push.branch.json");
  EXPECT_EQ(Deliver("repo:push", body).status, 200);
  EXPECT_EQ(Deliver("repo:push", body).status, 200);
  Answer limited = Deliver("repo:push", body);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body["error"]["code"], "rate_limited");
  EXPECT_FALSE(limited.retry_after.empty());
  EXPECT_GE(std::stoi(limited.retry_after), 1);
}

TEST_F(WebhookEndToEndTest,
       CoreDownGives503AndTheRedeliverySucceedsAfterRestart) {
  ServerProcess core;
  ASSERT_TRUE(core.Start(
      ProjectBinary("server/alertgate"),
      {"--role=core", "--data_dir=" + dir_.path(), "--grpc_listen=127.0.0.1:0"},
      dir_.File("core-ports"), dir_.File("core.log")));
  const int core_port = core.port();
  Connect(core.address());
  ASSERT_TRUE(
      server_.Start(ProjectBinary("server/alertgate"),
                    {"--role=frontdoor", "--http_listen=127.0.0.1:0",
                     "--core_address=127.0.0.1:" + std::to_string(core_port),
                     "--core_token_file=" + IngestTokenFile("frontdoor"),
                     "--core_timeout=2s", "--log_deliveries=false"},
                    dir_.File("fd-ports"), dir_.File("fd.log")));
  http_port_ = server_.http_port();
  // The core's first start printed URLs for the front door's default address;
  // only the path matters here.
  ASSERT_NO_FATAL_FAILURE(ReadWebhookUrls());

  const std::string body = Fixture("cloud/pullrequest_created.json");
  ASSERT_EQ(Deliver("pullrequest:created", body, "before").status, 200);

  httplib::Client probe("127.0.0.1", server_.admin_port());
  EXPECT_EQ(probe.Get("/readyz")->status, 200);
  core.Kill(SIGKILL);
  EXPECT_EQ(probe.Get("/readyz")->status, 503) << "readiness follows the core";
  Answer down =
      Deliver("pullrequest:fulfilled",
              Fixture("cloud/pullrequest_fulfilled.json"), "during-outage");
  EXPECT_EQ(down.status, 503) << down.body.dump();
  EXPECT_EQ(down.body["error"]["code"], "core_unavailable");
  EXPECT_EQ(down.retry_after, "1");

  ASSERT_TRUE(
      core.Start(ProjectBinary("server/alertgate"),
                 {"--role=core", "--data_dir=" + dir_.path(),
                  "--grpc_listen=127.0.0.1:" + std::to_string(core_port)},
                 dir_.File("core-ports"), dir_.File("core.log")));
  Connect(core.address());
  // Bitbucket retries; here the retry comes until the front door reconnects.
  Answer retried;
  for (int attempt = 0; attempt < 50; ++attempt) {
    retried =
        Deliver("pullrequest:fulfilled",
                Fixture("cloud/pullrequest_fulfilled.json"), "during-outage");
    if (retried.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(retried.status, 200) << retried.body.dump();
  EXPECT_EQ(retried.body["alerts"][0]["outcome"], "resolved");
  EXPECT_EQ(probe.Get("/readyz")->status, 200);
  core.Kill(SIGTERM);
}

TEST_F(WebhookEndToEndTest, ARotatedKeyStopsWorkingAtOnceOnEveryFrontDoor) {
  // Caches that would keep a key for an hour: only the core's notice can
  // make the old URL stop working.
  ASSERT_NO_FATAL_FAILURE(StartAllInOne({"--key_cache_ttl=1h"}));
  const int all_in_one_port = http_port_;
  ServerProcess frontdoor;
  ASSERT_TRUE(frontdoor.Start(ProjectBinary("server/alertgate"),
                              {"--role=frontdoor", "--http_listen=127.0.0.1:0",
                               "--core_address=" + server_.address(),
                               "--core_token_file=" + IngestTokenFile("fd2"),
                               "--key_cache_ttl=1h", "--log_deliveries=false"},
                              dir_.File("fd-ports"), dir_.File("fd.log")));
  const std::vector<int> front_doors = {all_in_one_port, frontdoor.http_port()};
  const std::string body = Fixture("cloud/pullrequest_created.json");
  auto deliver_to = [&](int port, const std::string& path,
                        const std::string& id) {
    http_port_ = port;
    httplib::Headers headers = {{"X-Event-Key", "pullrequest:created"},
                                {"X-Request-UUID", id}};
    return Post(path, body, headers).status;
  };
  const std::string old_path = paths_["bitbucket"];
  int delivery = 0;
  for (int port : front_doors) {
    // Twice: the second answer comes from the front door's cache.
    ASSERT_EQ(deliver_to(port, old_path, "d" + std::to_string(++delivery)),
              200);
    ASSERT_EQ(deliver_to(port, old_path, "d" + std::to_string(++delivery)),
              200);
  }

  v1::IssueWebhookKeyResponse rotated;
  {
    grpc::ClientContext context;
    v1::IssueWebhookKeyRequest request;
    request.set_service_id(service_.id());
    request.set_source("bitbucket");
    ASSERT_TRUE(directory_->IssueWebhookKey(&context, request, &rotated).ok());
  }
  EXPECT_EQ(rotated.webhook_url(),
            "http://127.0.0.1:" + std::to_string(all_in_one_port) +
                rotated.webhook_path())
      << "the core knows the all-in-one front door's real address";
  for (int port : front_doors) {
    // The notice travels in milliseconds; allow a generous two seconds
    // against an hour-long cache.
    int status = 0;
    for (int attempt = 0; attempt < 20; ++attempt) {
      status = deliver_to(port, old_path, "d" + std::to_string(++delivery));
      if (status == 404) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(status, 404) << "old URL still works on front door " << port;
    EXPECT_EQ(deliver_to(port, rotated.webhook_path(),
                         "d" + std::to_string(++delivery)),
              200);
  }
  frontdoor.Kill(SIGTERM);
}

TEST_F(WebhookEndToEndTest, DeclaredSchemesAndBodyDeliveryIdsAreHonoured) {
  // A plugin folder with Bitbucket and the two test sources.
  namespace fs = std::filesystem;
  const std::string plugins = dir_.File("plugins");
  fs::create_directories(plugins);
  fs::create_symlink(PluginFile("bitbucket"), plugins + "/libbitbucket.so");
  for (const std::string kind : {"token", "stamped"}) {
    fs::create_symlink(ProjectBinary("tests/libsigned_" + kind + ".so"),
                       plugins + "/libsigned_" + kind + ".so");
  }
  ASSERT_NO_FATAL_FAILURE(StartAllInOne({"--plugin_dir=" + plugins}));
  ASSERT_TRUE(paths_.count("tokened") && paths_.count("stamped"));
  auto post = [&](const std::string& source, const std::string& body,
                  httplib::Headers headers = {}) {
    return Post(paths_[source], body, headers);
  };

  // The delivery id comes from the body: a redelivery has one effect.
  const std::string first = R"({"id": "run-1", "key": "k1"})";
  Answer answer = post("tokened", first);
  ASSERT_EQ(answer.status, 200) << answer.body.dump();
  EXPECT_EQ(answer.body["delivery_id"], "run-1");
  EXPECT_EQ(answer.body["idempotent"], true);
  EXPECT_EQ(answer.body["alerts"][0]["outcome"], "opened");
  answer = post("tokened", first);
  EXPECT_EQ(answer.body["alerts"][0]["replayed"], true);
  // Without one, nothing can tell a redelivery apart: applied again, and
  // the answer says so.
  answer = post("tokened", R"({"key": "k1"})");
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body["idempotent"], false);
  EXPECT_NE(answer.body["note"].get<std::string>().find("body field id"),
            std::string::npos)
      << answer.body.dump();
  EXPECT_EQ(answer.body["alerts"][0]["outcome"], "folded");

  // Shared token: the header must equal the secret.
  SetSecretOf("tokened", "tok3n-secret");
  EXPECT_EQ(post("tokened", R"({"id": "t1", "key": "k2"})").status, 401);
  Answer wrong =
      post("tokened", R"({"id": "t2", "key": "k2"})", {{"X-Token", "guess"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body["error"]["code"], "bad_signature");
  EXPECT_EQ(post("tokened", R"({"id": "t3", "key": "k2"})",
                 {{"X-Token", "tok3n-secret"}})
                .status,
            200);

  // Timestamped HMAC: valid now; stale, tampered or wrong-keyed refused.
  SetSecretOf("stamped", "st4mp-secret");
  const std::string body = R"({"id": "s1", "key": "k3"})";
  const absl::Time now = absl::Now();
  Answer stale = post(
      "stamped", body,
      {{"X-Signature",
        SignTimestampedBody("st4mp-secret", body, now - absl::Minutes(10))}});
  EXPECT_EQ(stale.status, 401);
  EXPECT_NE(stale.body["error"]["message"].get<std::string>().find("clock"),
            std::string::npos)
      << stale.body.dump();
  EXPECT_EQ(
      post("stamped", R"({"id": "s1", "key": "k4"})",
           {{"X-Signature", SignTimestampedBody("st4mp-secret", body, now)}})
          .status,
      401)
      << "signature of another body";
  EXPECT_EQ(post("stamped", body,
                 {{"X-Signature", SignTimestampedBody("other", body, now)}})
                .status,
            401);
  EXPECT_EQ(
      post("stamped", body,
           {{"X-Signature", SignTimestampedBody("st4mp-secret", body, now)}})
          .status,
      200);
  // Nothing refused was stored: k1 (opened, folded), k2 and k3 only.
  EXPECT_EQ(StoreSummary(), std::make_pair(3, int64_t{4}));
}

TEST_F(WebhookEndToEndTest, AHugeTitleIsKeptTruncatedAndWrongTypesGet400) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  Json body = Json::parse(Fixture("cloud/pullrequest_created.json"));
  body["pullrequest"]["title"] = std::string(100 * 1024, 't');
  // Bitbucket would retry a 500 and then drop the delivery: it must be 200.
  Answer huge = Deliver("pullrequest:created", body.dump(), "huge-title");
  ASSERT_EQ(huge.status, 200) << huge.body.dump();
  const v1::Incident incident =
      GetIncident(huge.body["alerts"][0]["incident_id"].get<std::string>());
  EXPECT_LE(incident.summary().size(), 1024u);
  EXPECT_NE(incident.summary().find("[truncated]"), std::string::npos);

  body["pullrequest"]["id"] = "1";
  Answer typed = Deliver("pullrequest:created", body.dump(), "string-id");
  EXPECT_EQ(typed.status, 400);
  EXPECT_EQ(typed.body["error"]["code"], "bad_payload");
  EXPECT_NE(
      typed.body["error"]["message"].get<std::string>().find("pullrequest.id"),
      std::string::npos);
}

TEST_F(WebhookEndToEndTest,
       ConcurrentDeliveriesAreAllCommittedWithExactCounts) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 30;
  constexpr int kKeysPerThread = 5;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", http_port_);
      client.set_keep_alive(true);
      for (int i = 0; i < kPerThread; ++i) {
        Json alert = {{"status", "trigger"},
                      {"event_id", "t" + std::to_string(t) + "-k" +
                                       std::to_string(i % kKeysPerThread)},
                      {"message", "load"}};
        auto result = client.Post(
            paths_["generic"].c_str(),
            {{"Idempotency-Key", std::to_string(t) + "-" + std::to_string(i)}},
            alert.dump(), "application/json");
        if (result && result->status == 200) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  const auto [incidents, alerts] = StoreSummary();
  EXPECT_EQ(incidents, kThreads * kKeysPerThread);
  EXPECT_EQ(alerts, kThreads * kPerThread);
}

TEST_F(WebhookEndToEndTest, OperatorEndpointsAnswerOnTheirOwnPortOnly) {
  ASSERT_NO_FATAL_FAILURE(StartAllInOne());
  // The port senders reach carries webhooks and /healthz, nothing else.
  httplib::Client webhooks("127.0.0.1", http_port_);
  EXPECT_EQ(webhooks.Get("/healthz")->status, 200);
  for (const char* path : {"/metrics", "/readyz", "/v1/sources"}) {
    EXPECT_EQ(webhooks.Get(path)->status, 404) << path;
  }
  ASSERT_NE(server_.admin_port(), 0);
  httplib::Client client("127.0.0.1", server_.admin_port());
  auto sources = client.Get("/v1/sources");
  ASSERT_TRUE(sources);
  Json listed = Json::parse(sources->body);
  std::set<std::string> names;
  for (const Json& source : listed["sources"]) names.insert(source["name"]);
  EXPECT_EQ(names,
            (std::set<std::string>{"alertmanager", "bitbucket", "generic",
                                   "github", "gitlab", "grafana"}));
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  EXPECT_EQ(client.Get("/readyz")->status, 200);
  Deliver("repo:push", Fixture("cloud/repo_push.branch.json"), "m-1");
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find(
                "alertgate_webhook_deliveries_total{source=\"bitbucket\","
                "event=\"repo:push\",outcome=\"processed\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(
      metrics->body.find(
          "alertgate_webhook_latency_seconds_count{source=\"bitbucket\"} 1"),
      std::string::npos);
  auto missing = client.Get("/nowhere");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(Json::parse(missing->body)["error"]["code"], "not_found");
}

}  // namespace
}  // namespace alertgate
