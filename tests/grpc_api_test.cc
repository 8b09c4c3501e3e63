// The gRPC API on a real port: status codes, the directory, health checking,
// and watching incidents live.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <filesystem>
#include <memory>
#include <thread>

#include "alertgate/v1/incident_service.grpc.pb.h"
#include "alertgate/v1/service_directory.grpc.pb.h"
#include "grpc_health_v1.grpc.pb.h"
#include "gtest/gtest.h"
#include "server/grpc/core_server.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/api_channel.h"
#include "tests/test_support.h"

namespace alertgate {
namespace {

using ::alertgate::testing::ApiChannel;
using ::alertgate::testing::TempDir;

// The store a test's server runs on: a real SQLite file.
std::unique_ptr<IncidentStore> OpenSqlite(const std::string& path) {
  auto store = SqliteStore::Open(path);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::unique_ptr<IncidentStore>(std::move(*store))
                    : nullptr;
}

// A new admin token of `server`, as `alertgate tokens create` makes one.
std::string AdminTokenOf(CoreServer& server) {
  auto created =
      server.access().CreateToken("test-admin", Role::kAdmin, "test");
  EXPECT_TRUE(created.ok()) << created.status();
  return created.ok() ? created->secret : "";
}

class GrpcApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CoreServerOptions options;
    options.listen_address = "127.0.0.1:0";
    auto server =
        CoreServer::Start(options, OpenSqlite(dir_.File("alertgate.db")));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = ApiChannel("127.0.0.1:" + std::to_string(server_->port()),
                          AdminTokenOf(*server_));
    incidents_ = v1::IncidentService::NewStub(channel_);
    directory_ = v1::ServiceDirectory::NewStub(channel_);

    grpc::ClientContext context;
    v1::CreateServiceRequest request;
    request.set_name("checkout");
    ASSERT_TRUE(directory_->CreateService(&context, request, &service_).ok());
  }

  v1::Alert MakeAlert(v1::Action action, const std::string& dedup_key) {
    v1::Alert alert;
    alert.set_service_id(service_.id());
    alert.set_source("bitbucket");
    alert.set_action(action);
    alert.set_dedup_key(dedup_key);
    alert.set_summary("summary");
    return alert;
  }

  grpc::Status Ingest(const v1::Alert& alert,
                      v1::IngestAlertResponse* response) {
    grpc::ClientContext context;
    v1::IngestAlertRequest request;
    *request.mutable_alert() = alert;
    return incidents_->IngestAlert(&context, request, response);
  }

  TempDir dir_;
  std::unique_ptr<CoreServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::IncidentService::Stub> incidents_;
  std::unique_ptr<v1::ServiceDirectory::Stub> directory_;
  v1::Service service_;
};

TEST_F(GrpcApiTest, IngestGetListAcknowledgeResolve) {
  v1::IngestAlertResponse opened;
  ASSERT_TRUE(Ingest(MakeAlert(v1::ACTION_TRIGGER, "pr:1"), &opened).ok());
  EXPECT_EQ(opened.outcome(), v1::INGEST_OUTCOME_OPENED);
  EXPECT_EQ(opened.incident().state(), v1::INCIDENT_STATE_TRIGGERED);
  EXPECT_EQ(opened.sequence(), 1);
  const std::string id = opened.incident().id();

  v1::IngestAlertResponse folded;
  ASSERT_TRUE(Ingest(MakeAlert(v1::ACTION_TRIGGER, "pr:1"), &folded).ok());
  EXPECT_EQ(folded.outcome(), v1::INGEST_OUTCOME_FOLDED);
  EXPECT_EQ(folded.incident().alert_count(), 2);

  {
    grpc::ClientContext context;
    v1::AcknowledgeIncidentRequest request;
    request.set_id(id);
    request.set_actor("alice");
    v1::AcknowledgeIncidentResponse response;
    ASSERT_TRUE(
        incidents_->AcknowledgeIncident(&context, request, &response).ok());
    EXPECT_TRUE(response.changed());
    EXPECT_EQ(response.incident().state(), v1::INCIDENT_STATE_ACKNOWLEDGED);
    // The token's name is the actor; the request's actor adds on whose
    // behalf.
    EXPECT_EQ(response.incident().acknowledged_by(),
              "test-admin on behalf of alice");
    EXPECT_TRUE(response.incident().has_acknowledged_at());
    // Opened (1), folded (2), acknowledged (3): the answer says where the
    // change stands in the event log.
    EXPECT_EQ(response.sequence(), 3);
  }
  {
    grpc::ClientContext context;
    v1::AcknowledgeIncidentRequest request;
    request.set_id(id);
    request.set_actor("alice");
    v1::AcknowledgeIncidentResponse again;
    ASSERT_TRUE(
        incidents_->AcknowledgeIncident(&context, request, &again).ok());
    EXPECT_FALSE(again.changed());
    EXPECT_EQ(again.sequence(), 0) << "nothing written, no sequence";
  }
  {
    grpc::ClientContext context;
    v1::ResolveIncidentRequest request;
    request.set_id(id);
    request.set_actor("bob");
    v1::ResolveIncidentResponse response;
    ASSERT_TRUE(incidents_->ResolveIncident(&context, request, &response).ok());
    EXPECT_EQ(response.incident().state(), v1::INCIDENT_STATE_RESOLVED);
    EXPECT_EQ(response.sequence(), 4);
  }
  {
    grpc::ClientContext context;
    v1::GetIncidentRequest request;
    request.set_id(id);
    v1::GetIncidentResponse response;
    ASSERT_TRUE(incidents_->GetIncident(&context, request, &response).ok());
    EXPECT_EQ(response.incident().state(), v1::INCIDENT_STATE_RESOLVED);
    EXPECT_EQ(response.incident().resolved_by(), "test-admin on behalf of bob");
    ASSERT_EQ(response.timeline_size(), 4);
    EXPECT_EQ(response.incident().timeline_size(), 4);
    EXPECT_EQ(response.timeline(0).kind(), v1::CHANGE_KIND_RESOLVED)
        << "newest first";
    EXPECT_EQ(response.timeline(3).kind(), v1::CHANGE_KIND_OPENED);
    EXPECT_TRUE(response.next_timeline_page_token().empty());
  }
  {
    grpc::ClientContext context;
    v1::ListIncidentsRequest request;
    request.set_service_id(service_.id());
    request.add_states(v1::INCIDENT_STATE_RESOLVED);
    v1::ListIncidentsResponse response;
    ASSERT_TRUE(incidents_->ListIncidents(&context, request, &response).ok());
    ASSERT_EQ(response.incidents_size(), 1);
    EXPECT_EQ(response.incidents(0).id(), id);
  }
}

TEST_F(GrpcApiTest, IngestAlertsAppliesInOrderAndAllOrNothing) {
  auto batch = [this](std::vector<v1::Alert> alerts,
                      v1::IngestAlertsResponse* response) {
    grpc::ClientContext context;
    v1::IngestAlertsRequest request;
    for (auto& alert : alerts) *request.add_alerts() = alert;
    return incidents_->IngestAlerts(&context, request, response);
  };
  v1::IngestAlertsResponse response;
  ASSERT_TRUE(batch({MakeAlert(v1::ACTION_TRIGGER, "k"),
                     MakeAlert(v1::ACTION_TRIGGER, "k"),
                     MakeAlert(v1::ACTION_RESOLVE, "k"),
                     MakeAlert(v1::ACTION_RESOLVE, "k")},
                    &response)
                  .ok());
  ASSERT_EQ(response.results_size(), 4);
  EXPECT_EQ(response.results(0).outcome(), v1::INGEST_OUTCOME_OPENED);
  EXPECT_EQ(response.results(1).outcome(), v1::INGEST_OUTCOME_FOLDED);
  EXPECT_EQ(response.results(2).outcome(), v1::INGEST_OUTCOME_RESOLVED);
  EXPECT_EQ(response.results(3).outcome(), v1::INGEST_OUTCOME_NOTHING_OPEN);
  EXPECT_EQ(response.results(2).incident().id(),
            response.results(0).incident().id());

  // A bad alert anywhere: nothing of the batch is applied.
  auto count_incidents = [this] {
    grpc::ClientContext context;
    v1::ListIncidentsResponse list;
    EXPECT_TRUE(
        incidents_->ListIncidents(&context, v1::ListIncidentsRequest(), &list)
            .ok());
    return list.incidents_size();
  };
  const int before = count_incidents();
  v1::Alert no_key = MakeAlert(v1::ACTION_TRIGGER, "");
  v1::IngestAlertsResponse rejected;
  grpc::Status invalid =
      batch({MakeAlert(v1::ACTION_TRIGGER, "new-1"), no_key}, &rejected);
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(invalid.error_message().find("alerts[1]"), std::string::npos)
      << invalid.error_message();
  v1::Alert unknown_service = MakeAlert(v1::ACTION_TRIGGER, "new-2");
  unknown_service.set_service_id("01ARZ3NDEKTSV4RRFFQ69G5FAV");
  grpc::Status not_found = batch(
      {MakeAlert(v1::ACTION_TRIGGER, "new-3"), unknown_service}, &rejected);
  EXPECT_EQ(not_found.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(not_found.error_message().find("alerts[1]"), std::string::npos);
  EXPECT_EQ(count_incidents(), before)
      << "a failed batch left incidents behind";
  EXPECT_EQ(batch({}, &rejected).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(GrpcApiTest, ABasicAnswerNamesTheIncidentWithoutWhatTheAlertSaid) {
  v1::Alert alert = MakeAlert(v1::ACTION_TRIGGER, "deploy:7");
  alert.set_description("the deploy failed");
  alert.set_severity(v1::SEVERITY_CRITICAL);
  (*alert.mutable_tags())["repo"] = "shop";
  alert.add_links()->set_href("https://example.com/deploys/7");

  grpc::ClientContext full_context;
  v1::IngestAlertRequest full_request;
  *full_request.mutable_alert() = alert;  // view unset: FULL
  v1::IngestAlertResponse full;
  ASSERT_TRUE(incidents_->IngestAlert(&full_context, full_request, &full).ok());
  EXPECT_EQ(full.incident().summary(), "summary");
  EXPECT_EQ(full.incident().description(), "the deploy failed");
  EXPECT_EQ(full.incident().tags().at("repo"), "shop");
  EXPECT_EQ(full.incident().links_size(), 1);

  grpc::ClientContext basic_context;
  v1::IngestAlertRequest basic_request = full_request;
  basic_request.set_view(v1::INGEST_VIEW_BASIC);
  v1::IngestAlertResponse basic;
  ASSERT_TRUE(
      incidents_->IngestAlert(&basic_context, basic_request, &basic).ok());
  EXPECT_EQ(basic.outcome(), v1::INGEST_OUTCOME_FOLDED);
  EXPECT_EQ(basic.incident().id(), full.incident().id());
  EXPECT_EQ(basic.incident().service_id(), service_.id());
  EXPECT_EQ(basic.incident().dedup_key(), "deploy:7");
  EXPECT_EQ(basic.incident().state(), v1::INCIDENT_STATE_TRIGGERED);
  EXPECT_EQ(basic.incident().alert_count(), 2);
  EXPECT_TRUE(basic.incident().has_opened_at());
  EXPECT_EQ(basic.incident().timeline_size(), 2);
  EXPECT_EQ(basic.incident().summary(), "");
  EXPECT_EQ(basic.incident().description(), "");
  EXPECT_EQ(basic.incident().severity(), v1::SEVERITY_UNSPECIFIED);
  EXPECT_TRUE(basic.incident().tags().empty());
  EXPECT_EQ(basic.incident().links_size(), 0);
  // Left out of the answer only: the incident keeps what the alert said.
  grpc::ClientContext get_context;
  v1::GetIncidentRequest get;
  get.set_id(full.incident().id());
  v1::GetIncidentResponse stored;
  ASSERT_TRUE(incidents_->GetIncident(&get_context, get, &stored).ok());
  EXPECT_EQ(stored.incident().description(), "the deploy failed");
  EXPECT_EQ(stored.incident().tags().at("repo"), "shop");

  grpc::ClientContext batch_context;
  v1::IngestAlertsRequest batch;
  batch.set_view(v1::INGEST_VIEW_BASIC);
  *batch.add_alerts() = alert;
  *batch.add_alerts() = MakeAlert(v1::ACTION_TRIGGER, "deploy:8");
  v1::IngestAlertsResponse answers;
  ASSERT_TRUE(incidents_->IngestAlerts(&batch_context, batch, &answers).ok());
  ASSERT_EQ(answers.results_size(), 2);
  EXPECT_EQ(answers.results(0).incident().id(), full.incident().id());
  EXPECT_EQ(answers.results(0).incident().alert_count(), 3);
  EXPECT_TRUE(answers.results(0).incident().tags().empty());
  EXPECT_EQ(answers.results(1).outcome(), v1::INGEST_OUTCOME_OPENED);
  EXPECT_EQ(answers.results(1).incident().summary(), "");

  // A view this server does not know: refused, and nothing applied.
  grpc::ClientContext unknown_context;
  v1::IngestAlertRequest unknown = full_request;
  unknown.mutable_alert()->set_dedup_key("deploy:9");
  unknown.set_view(static_cast<v1::IngestView>(7));
  v1::IngestAlertResponse refused;
  grpc::Status status =
      incidents_->IngestAlert(&unknown_context, unknown, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("view"), std::string::npos)
      << status.error_message();
  grpc::ClientContext unknown_batch_context;
  v1::IngestAlertsRequest unknown_batch;
  *unknown_batch.add_alerts() = unknown.alert();
  unknown_batch.set_view(static_cast<v1::IngestView>(7));
  EXPECT_EQ(
      incidents_->IngestAlerts(&unknown_batch_context, unknown_batch, &answers)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext list_context;
  v1::ListIncidentsResponse list;
  ASSERT_TRUE(
      incidents_
          ->ListIncidents(&list_context, v1::ListIncidentsRequest(), &list)
          .ok());
  for (const v1::Incident& incident : list.incidents()) {
    EXPECT_NE(incident.dedup_key(), "deploy:9") << "a refused view applied";
  }
}

TEST_F(GrpcApiTest, ErrorsCarryTheExactCode) {
  v1::IngestAlertResponse response;
  {
    grpc::ClientContext context;
    EXPECT_EQ(
        incidents_->IngestAlert(&context, v1::IngestAlertRequest(), &response)
            .error_code(),
        grpc::StatusCode::INVALID_ARGUMENT);
  }
  v1::Alert no_service = MakeAlert(v1::ACTION_TRIGGER, "k");
  no_service.clear_service_id();
  EXPECT_EQ(Ingest(no_service, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::Alert unknown_service = MakeAlert(v1::ACTION_TRIGGER, "k");
  unknown_service.set_service_id("01ARZ3NDEKTSV4RRFFQ69G5FAV");
  EXPECT_EQ(Ingest(unknown_service, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  grpc::Status no_action =
      Ingest(MakeAlert(v1::ACTION_UNSPECIFIED, "k"), &response);
  EXPECT_EQ(no_action.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(no_action.error_message().find("alert.action"), std::string::npos);

  ASSERT_TRUE(Ingest(MakeAlert(v1::ACTION_TRIGGER, "k"), &response).ok());
  const std::string id = response.incident().id();
  ASSERT_TRUE(Ingest(MakeAlert(v1::ACTION_RESOLVE, "k"), &response).ok());
  {
    grpc::ClientContext context;
    v1::AcknowledgeIncidentRequest request;
    request.set_id(id);
    request.set_actor("alice");
    v1::AcknowledgeIncidentResponse ack;
    EXPECT_EQ(
        incidents_->AcknowledgeIncident(&context, request, &ack).error_code(),
        grpc::StatusCode::FAILED_PRECONDITION);
  }
  {
    grpc::ClientContext context;
    v1::GetIncidentRequest request;
    request.set_id("01ARZ3NDEKTSV4RRFFQ69G5FAV");
    v1::GetIncidentResponse got;
    EXPECT_EQ(incidents_->GetIncident(&context, request, &got).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    v1::ListIncidentsRequest request;
    request.add_states(v1::INCIDENT_STATE_UNSPECIFIED);
    v1::ListIncidentsResponse list;
    EXPECT_EQ(incidents_->ListIncidents(&context, request, &list).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  // A typo in a filter is an error naming the field, not an empty list.
  for (const auto& [field, value] :
       std::vector<std::pair<std::string, std::string>>{
           {"source", "Bit Bucket"}, {"service_id", "checkout"}}) {
    grpc::ClientContext context;
    v1::ListIncidentsRequest request;
    if (field == "source") request.set_source(value);
    if (field == "service_id") request.set_service_id(value);
    v1::ListIncidentsResponse list;
    grpc::Status status = incidents_->ListIncidents(&context, request, &list);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_NE(status.error_message().find(field), std::string::npos)
        << status.error_message();
  }
  {
    grpc::ClientContext context;
    v1::CreateServiceRequest request;
    request.set_name("checkout");
    v1::Service duplicate;
    EXPECT_EQ(
        directory_->CreateService(&context, request, &duplicate).error_code(),
        grpc::StatusCode::ALREADY_EXISTS);
  }
}

TEST_F(GrpcApiTest, DirectoryIssuesAndResolvesWebhookKeys) {
  v1::IssueWebhookKeyResponse issued;
  {
    grpc::ClientContext context;
    v1::IssueWebhookKeyRequest request;
    request.set_service_id(service_.id());
    request.set_source("bitbucket");
    ASSERT_TRUE(directory_->IssueWebhookKey(&context, request, &issued).ok());
    EXPECT_EQ(issued.webhook_key().size(), 48u);
    EXPECT_TRUE(issued.status().has_webhook_key());
  }
  {
    grpc::ClientContext context;
    v1::SetWebhookSecretRequest request;
    request.set_service_id(service_.id());
    request.set_source("bitbucket");
    request.set_secret("Gkvl$k$wyNpQAF42");
    v1::AlertSourceStatus status;
    ASSERT_TRUE(directory_->SetWebhookSecret(&context, request, &status).ok());
    EXPECT_TRUE(status.has_webhook_secret());
  }
  {
    grpc::ClientContext context;
    v1::ResolveWebhookKeyRequest request;
    request.set_source("bitbucket");
    request.set_webhook_key(issued.webhook_key());
    v1::ResolveWebhookKeyResponse resolved;
    ASSERT_TRUE(
        directory_->ResolveWebhookKey(&context, request, &resolved).ok());
    EXPECT_EQ(resolved.service().id(), service_.id());
    EXPECT_EQ(resolved.webhook_secret(), "Gkvl$k$wyNpQAF42");
  }
  {
    grpc::ClientContext context;
    v1::GetServiceRequest request;
    request.set_name("checkout");
    v1::Service got;
    ASSERT_TRUE(directory_->GetService(&context, request, &got).ok());
    EXPECT_EQ(got.id(), service_.id());
  }
  v1::IngestAlertResponse response;
  ASSERT_TRUE(Ingest(MakeAlert(v1::ACTION_TRIGGER, "k"), &response).ok());
  {
    grpc::ClientContext context;
    v1::ListAlertSourcesRequest request;
    request.set_service_id(service_.id());
    v1::ListAlertSourcesResponse sources;
    ASSERT_TRUE(directory_->ListAlertSources(&context, request, &sources).ok());
    ASSERT_EQ(sources.sources_size(), 1);
    EXPECT_EQ(sources.sources(0).source(), "bitbucket");
    EXPECT_TRUE(sources.sources(0).receiving_alerts());
    EXPECT_TRUE(sources.sources(0).has_last_incident_at());
  }
}

TEST_F(GrpcApiTest, ASecondServerOnATakenPortIsRefused) {
  CoreServerOptions options;
  options.listen_address = "127.0.0.1:" + std::to_string(server_->port());
  auto second = CoreServer::Start(options, OpenSqlite(dir_.File("other.db")));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(GrpcApiTest, HealthAnswersForTheServerAndEachServiceUntilShutdown) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  auto check = [&](const std::string& service) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = health->Check(&context, request, &response);
    EXPECT_TRUE(status.ok()) << service << ": " << status.error_message();
    return response.status();
  };
  for (const std::string service :
       {"", "alertgate.v1.IncidentService", "alertgate.v1.ServiceDirectory"}) {
    EXPECT_EQ(check(service), grpc::health::v1::HealthCheckResponse::SERVING)
        << service;
  }
  server_->Shutdown(absl::Seconds(1));
}

TEST_F(GrpcApiTest, WatchStreamsStoredThenLiveEvents) {
  v1::IngestAlertResponse response;
  ASSERT_TRUE(Ingest(MakeAlert(v1::ACTION_TRIGGER, "before"), &response).ok());

  grpc::ClientContext context;
  v1::WatchIncidentsRequest request;
  request.set_after_sequence(0);
  auto stream = incidents_->WatchIncidents(&context, request);
  v1::WatchIncidentsResponse message;
  ASSERT_TRUE(stream->Read(&message));
  ASSERT_TRUE(message.has_event());
  EXPECT_EQ(message.event().sequence(), 1);
  EXPECT_EQ(message.event().kind(), v1::CHANGE_KIND_OPENED);
  EXPECT_EQ(message.event().dedup_key(), "before");
  // The backlog (one event) is done: the client learns where the log ended.
  ASSERT_TRUE(stream->Read(&message));
  ASSERT_TRUE(message.has_caught_up());
  EXPECT_EQ(message.caught_up().sequence(), 1);

  ASSERT_TRUE(Ingest(MakeAlert(v1::ACTION_TRIGGER, "live"), &response).ok());
  ASSERT_TRUE(Ingest(MakeAlert(v1::ACTION_RESOLVE, "live"), &response).ok());
  ASSERT_TRUE(stream->Read(&message));
  EXPECT_EQ(message.event().sequence(), 2);
  EXPECT_EQ(message.event().kind(), v1::CHANGE_KIND_OPENED);
  ASSERT_TRUE(stream->Read(&message));
  EXPECT_EQ(message.event().sequence(), 3);
  EXPECT_EQ(message.event().kind(), v1::CHANGE_KIND_RESOLVED);
  EXPECT_EQ(message.event().state(), v1::INCIDENT_STATE_RESOLVED);
  context.TryCancel();
  while (stream->Read(&message)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(GrpcApiTest, ShutdownEndsRunningWatchesWithUnavailable) {
  v1::IngestAlertResponse response;
  ASSERT_TRUE(Ingest(MakeAlert(v1::ACTION_TRIGGER, "k"), &response).ok());
  grpc::ClientContext context;
  v1::WatchIncidentsRequest request;
  auto stream = incidents_->WatchIncidents(&context, request);
  v1::WatchIncidentsResponse message;
  ASSERT_TRUE(stream->Read(&message));  // The watch is running on the server.
  ASSERT_TRUE(stream->Read(&message));
  EXPECT_TRUE(message.has_caught_up());
  std::thread stopper([this] { server_->Shutdown(absl::Seconds(5)); });
  EXPECT_FALSE(stream->Read(&message));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  stopper.join();
}

TEST_F(GrpcApiTest, AWatchFromTheEndIsCaughtUpAtOnceAndFiltersByService) {
  v1::IngestAlertResponse response;
  ASSERT_TRUE(Ingest(MakeAlert(v1::ACTION_TRIGGER, "a"), &response).ok());
  ASSERT_TRUE(Ingest(MakeAlert(v1::ACTION_TRIGGER, "b"), &response).ok());
  v1::Service other;
  {
    grpc::ClientContext context;
    v1::CreateServiceRequest request;
    request.set_name("billing");
    ASSERT_TRUE(directory_->CreateService(&context, request, &other).ok());
  }
  // Watching another service: the backlog has none of its events, and the
  // marker still comes, at the log's end.
  grpc::ClientContext context;
  v1::WatchIncidentsRequest request;
  request.set_service_id(other.id());
  auto stream = incidents_->WatchIncidents(&context, request);
  v1::WatchIncidentsResponse message;
  ASSERT_TRUE(stream->Read(&message));
  ASSERT_TRUE(message.has_caught_up());
  EXPECT_EQ(message.caught_up().sequence(), 2);
  v1::Alert alert = MakeAlert(v1::ACTION_TRIGGER, "c");
  alert.set_service_id(other.id());
  ASSERT_TRUE(Ingest(alert, &response).ok());
  ASSERT_TRUE(stream->Read(&message));
  ASSERT_TRUE(message.has_event());
  EXPECT_EQ(message.event().sequence(), 3);
  EXPECT_EQ(message.event().service_id(), other.id());
  context.TryCancel();
  while (stream->Read(&message)) {
  }
}

TEST_F(GrpcApiTest, IssuedKeysComeWithTheirPathAndTheUrlOnceTheBaseIsKnown) {
  auto issue = [&] {
    grpc::ClientContext context;
    v1::IssueWebhookKeyRequest request;
    request.set_service_id(service_.id());
    request.set_source("bitbucket");
    v1::IssueWebhookKeyResponse issued;
    EXPECT_TRUE(directory_->IssueWebhookKey(&context, request, &issued).ok());
    return issued;
  };
  v1::IssueWebhookKeyResponse pathless = issue();
  EXPECT_EQ(pathless.webhook_path(),
            "/v1/webhooks/bitbucket/" + pathless.webhook_key());
  EXPECT_EQ(pathless.webhook_url(), "") << "the core alone knows no base";
  server_->catalog().SetPublicBaseUrl("https://alerts.example.com/");
  v1::IssueWebhookKeyResponse full = issue();
  EXPECT_EQ(
      full.webhook_url(),
      "https://alerts.example.com/v1/webhooks/bitbucket/" + full.webhook_key());
}

TEST_F(GrpcApiTest, CredentialWatchSaysSubscribedThenEveryChange) {
  grpc::ClientContext context;
  auto stream = directory_->WatchWebhookCredentials(
      &context, v1::WatchWebhookCredentialsRequest());
  v1::WebhookCredentialChange change;
  ASSERT_TRUE(stream->Read(&change));
  EXPECT_TRUE(change.subscribed());
  const int64_t start = change.generation();
  {
    grpc::ClientContext issue_context;
    v1::IssueWebhookKeyRequest request;
    request.set_service_id(service_.id());
    request.set_source("bitbucket");
    v1::IssueWebhookKeyResponse issued;
    ASSERT_TRUE(
        directory_->IssueWebhookKey(&issue_context, request, &issued).ok());
  }
  ASSERT_TRUE(stream->Read(&change));
  EXPECT_FALSE(change.subscribed());
  EXPECT_GT(change.generation(), start);
  {
    grpc::ClientContext secret_context;
    v1::SetWebhookSecretRequest request;
    request.set_service_id(service_.id());
    request.set_source("bitbucket");
    request.set_secret("s3cret");
    v1::AlertSourceStatus status;
    ASSERT_TRUE(
        directory_->SetWebhookSecret(&secret_context, request, &status).ok());
  }
  const int64_t after_key = change.generation();
  ASSERT_TRUE(stream->Read(&change));
  EXPECT_GT(change.generation(), after_key);
  // Shutdown ends the stream with UNAVAILABLE instead of waiting out grace.
  std::thread stopper([this] { server_->Shutdown(absl::Seconds(5)); });
  EXPECT_FALSE(stream->Read(&change));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  stopper.join();
}

TEST_F(GrpcApiTest, ALongTimelineIsReadInPagesNewestFirstWithItsExactSize) {
  v1::Alert alert = MakeAlert(v1::ACTION_TRIGGER, "flapping");
  alert.mutable_occurred_at()->set_seconds(1514764800);  // The sender's 2018.
  v1::IngestAlertResponse response;
  for (int i = 0; i < 250; ++i) ASSERT_TRUE(Ingest(alert, &response).ok());
  const std::string id = response.incident().id();
  EXPECT_EQ(response.incident().alert_count(), 250);

  std::vector<int64_t> sequences;
  std::string token;
  int pages = 0;
  do {
    grpc::ClientContext context;
    v1::GetIncidentRequest request;
    request.set_id(id);
    request.set_timeline_page_token(token);
    v1::GetIncidentResponse page;
    ASSERT_TRUE(incidents_->GetIncident(&context, request, &page).ok());
    EXPECT_EQ(page.incident().timeline_size(), 250) << "exact on every page";
    EXPECT_LE(page.timeline_size(), 100) << "the default page";
    for (const v1::IncidentEvent& event : page.timeline()) {
      sequences.push_back(event.sequence());
      EXPECT_EQ(event.occurred_at().seconds(), 1514764800);
      EXPECT_GT(event.at().seconds(), 1514764800) << "recorded by alertgate";
    }
    token = page.next_timeline_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(sequences.size(), 250u);
  for (size_t i = 1; i < sequences.size(); ++i) {
    EXPECT_GT(sequences[i - 1], sequences[i]) << "newest first, no repeats";
  }
  grpc::ClientContext context;
  v1::GetIncidentRequest bad;
  bad.set_id(id);
  bad.set_timeline_page_token("not-a-token");
  v1::GetIncidentResponse ignored;
  EXPECT_EQ(incidents_->GetIncident(&context, bad, &ignored).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

int ThreadsOfThisProcess() {
  return static_cast<int>(
      std::distance(std::filesystem::directory_iterator("/proc/self/task"),
                    std::filesystem::directory_iterator()));
}

TEST_F(GrpcApiTest, HundredsOfWatchersHoldNoThreadEachAndAllSeeLiveEvents) {
  const int threads_before = ThreadsOfThisProcess();
  constexpr int kWatchers = 500;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::WatchIncidentsResponse>>>
      streams;
  for (int i = 0; i < kWatchers; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    streams.push_back(incidents_->WatchIncidents(contexts.back().get(),
                                                 v1::WatchIncidentsRequest()));
    v1::WatchIncidentsResponse message;
    ASSERT_TRUE(streams.back()->Read(&message)) << "watcher " << i;
    ASSERT_TRUE(message.has_caught_up());
  }
  // Client and server share this process: 500 streams must not mean 500
  // threads anywhere.
  EXPECT_LT(ThreadsOfThisProcess() - threads_before, 50);
  v1::IngestAlertResponse response;
  ASSERT_TRUE(
      Ingest(MakeAlert(v1::ACTION_TRIGGER, "seen-by-all"), &response).ok());
  for (int i = 0; i < kWatchers; ++i) {
    v1::WatchIncidentsResponse message;
    ASSERT_TRUE(streams[i]->Read(&message)) << "watcher " << i;
    EXPECT_EQ(message.event().dedup_key(), "seen-by-all");
  }
  for (auto& context : contexts) context->TryCancel();
  for (auto& stream : streams) {
    v1::WatchIncidentsResponse message;
    while (stream->Read(&message)) {
    }
  }
}

TEST_F(GrpcApiTest, WatchersBeyondTheCapGetResourceExhausted) {
  CoreServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.max_watchers = 2;
  auto capped = CoreServer::Start(options, OpenSqlite(dir_.File("capped.db")));
  ASSERT_TRUE(capped.ok()) << capped.status();
  auto stub = v1::IncidentService::NewStub(
      ApiChannel("127.0.0.1:" + std::to_string((*capped)->port()),
                 AdminTokenOf(**capped)));
  grpc::ClientContext first_context, second_context, third_context;
  auto first =
      stub->WatchIncidents(&first_context, v1::WatchIncidentsRequest());
  auto second =
      stub->WatchIncidents(&second_context, v1::WatchIncidentsRequest());
  v1::WatchIncidentsResponse message;
  ASSERT_TRUE(first->Read(&message));
  ASSERT_TRUE(second->Read(&message));
  auto third =
      stub->WatchIncidents(&third_context, v1::WatchIncidentsRequest());
  EXPECT_FALSE(third->Read(&message));
  grpc::Status refused = third->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("--max_watchers"), std::string::npos);
  first_context.TryCancel();
  second_context.TryCancel();
  while (first->Read(&message)) {
  }
  while (second->Read(&message)) {
  }
  (*capped)->Shutdown(absl::Seconds(1));
}

TEST_F(GrpcApiTest, AWatchFromBeforeThePrunedMarkIsToldToResync) {
  // A second core on its own clock, 100 days ahead after the alerts.
  testing::FakeClock clock;
  CoreServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.clock = &clock;
  options.retention.interval = absl::ZeroDuration();
  auto core = CoreServer::Start(options, OpenSqlite(dir_.File("pruned.db")));
  ASSERT_TRUE(core.ok()) << core.status();
  auto service = (*core)->catalog().CreateService("old", "");
  ASSERT_TRUE(service.ok());
  Alert alert;
  alert.service_id = service->id;
  alert.source = "generic";
  alert.dedup_key = "gone";
  alert.summary = "s";
  ASSERT_TRUE((*core)->core().Ingest(alert).ok());
  alert.action = Action::kResolve;
  ASSERT_TRUE((*core)->core().Ingest(alert).ok());
  clock.Advance(absl::Hours(24 * 100));
  auto pruned = (*core)->retention().RunOnce();
  ASSERT_TRUE(pruned.ok());
  ASSERT_EQ(pruned->resolved_incidents, 1);

  auto stub = v1::IncidentService::NewStub(ApiChannel(
      "127.0.0.1:" + std::to_string((*core)->port()), AdminTokenOf(**core)));
  grpc::ClientContext context;
  auto stream = stub->WatchIncidents(&context, v1::WatchIncidentsRequest());
  v1::WatchIncidentsResponse message;
  EXPECT_FALSE(stream->Read(&message)) << "no silent gap";
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_NE(status.error_message().find("after_sequence=2"), std::string::npos)
      << status.error_message();
  // From the mark on, watching works.
  grpc::ClientContext later_context;
  v1::WatchIncidentsRequest later;
  later.set_after_sequence(2);
  auto resumed = stub->WatchIncidents(&later_context, later);
  ASSERT_TRUE(resumed->Read(&message));
  EXPECT_TRUE(message.has_caught_up());
  later_context.TryCancel();
  while (resumed->Read(&message)) {
  }
  (*core)->Shutdown(absl::Seconds(1));
}

TEST_F(GrpcApiTest, TheDeliveryLogListsWhatFrontDoorsRecordedNewestFirst) {
  auto record = [&](std::vector<std::string> events, const std::string& source,
                    v1::RecordDeliveriesResponse* ids) {
    grpc::ClientContext context;
    v1::RecordDeliveriesRequest request;
    for (const std::string& event : events) {
      v1::Delivery* d = request.add_deliveries();
      d->set_service_id(service_.id());
      d->set_source(source);
      d->set_event(event);
      d->set_http_status(200);
      d->set_outcome(v1::DELIVERY_OUTCOME_ACCEPTED);
      d->add_incident_ids("some-incident");
      d->set_body_bytes(321);
    }
    return directory_->RecordDeliveries(&context, request, ids);
  };
  v1::RecordDeliveriesResponse first, second;
  ASSERT_TRUE(
      record({"repo:push", "pullrequest:created"}, "bitbucket", &first).ok());
  ASSERT_TRUE(record({"trigger"}, "generic", &second).ok());
  ASSERT_EQ(first.ids_size(), 2);
  ASSERT_EQ(second.ids_size(), 1);

  // A bad entry refuses the whole request: nothing of it is recorded.
  v1::RecordDeliveriesResponse refused;
  grpc::Status bad = record({"repo:push", "x"}, "", &refused);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad.error_message().find("deliveries[0]: source"),
            std::string::npos)
      << bad.error_message();

  auto list = [&](const std::string& source, int page_size,
                  const std::string& token, v1::ListDeliveriesResponse* out) {
    grpc::ClientContext context;
    v1::ListDeliveriesRequest request;
    request.set_service_id(service_.id());
    request.set_source(source);
    request.set_page_size(page_size);
    request.set_page_token(token);
    return directory_->ListDeliveries(&context, request, out);
  };
  v1::ListDeliveriesResponse all;
  ASSERT_TRUE(list("", 0, "", &all).ok());
  ASSERT_EQ(all.deliveries_size(), 3);
  EXPECT_EQ(all.deliveries(0).id(), second.ids(0));  // Newest first.
  EXPECT_EQ(all.deliveries(2).id(), first.ids(0));
  EXPECT_EQ(all.deliveries(2).event(), "repo:push");
  EXPECT_EQ(all.deliveries(2).outcome(), v1::DELIVERY_OUTCOME_ACCEPTED);
  EXPECT_EQ(all.deliveries(2).incident_ids(0), "some-incident");
  EXPECT_EQ(all.deliveries(2).body_bytes(), 321);
  EXPECT_TRUE(all.next_page_token().empty());

  v1::ListDeliveriesResponse bitbucket;
  ASSERT_TRUE(list("bitbucket", 1, "", &bitbucket).ok());
  ASSERT_EQ(bitbucket.deliveries_size(), 1);
  EXPECT_EQ(bitbucket.deliveries(0).id(), first.ids(1));
  ASSERT_FALSE(bitbucket.next_page_token().empty());
  v1::ListDeliveriesResponse rest;
  ASSERT_TRUE(list("bitbucket", 1, bitbucket.next_page_token(), &rest).ok());
  ASSERT_EQ(rest.deliveries_size(), 1);
  EXPECT_EQ(rest.deliveries(0).id(), first.ids(0));

  v1::ListDeliveriesResponse nonsense;
  EXPECT_EQ(list("", 0, "not-a-token", &nonsense).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace alertgate
