// Durability with a real alertgate process: what was answered OK survives a
// SIGKILL, watches resume across a restart, and SIGTERM shuts down cleanly.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "alertgate/v1/incident_service.grpc.pb.h"
#include "alertgate/v1/service_directory.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/api_channel.h"
#include "tests/server_process.h"
#include "tests/test_support.h"

namespace alertgate {
namespace {

using ::alertgate::testing::AdminToken;
using ::alertgate::testing::ApiChannel;
using ::alertgate::testing::ProjectBinary;
using ::alertgate::testing::ServerProcess;
using ::alertgate::testing::TempDir;

class DurabilityTest : public ::testing::Test {
 protected:
  void StartServer() {
    ASSERT_TRUE(server_.Start(ProjectBinary("server/alertgate"),
                              {"--role=core", "--data_dir=" + dir_.path(),
                               "--grpc_listen=127.0.0.1:0"},
                              dir_.File("port"), dir_.File("server.log")))
        << "alertgate did not start; see " << dir_.File("server.log");
    // A channel of its own per start: gRPC otherwise shares connections
    // (and their reconnect back-off) with the channel to the killed server.
    channel_ = ApiChannel(server_.address(), AdminToken(dir_.path()));
    incidents_ = v1::IncidentService::NewStub(channel_);
    directory_ = v1::ServiceDirectory::NewStub(channel_);
  }

  std::string CreateService(const std::string& name) {
    grpc::ClientContext context;
    v1::CreateServiceRequest request;
    request.set_name(name);
    v1::Service service;
    EXPECT_TRUE(directory_->CreateService(&context, request, &service).ok());
    return service.id();
  }

  v1::Alert MakeAlert(const std::string& service_id, const std::string& key,
                      const std::string& idempotency_key) {
    v1::Alert alert;
    alert.set_service_id(service_id);
    alert.set_source("bitbucket");
    alert.set_action(v1::ACTION_TRIGGER);
    alert.set_dedup_key(key);
    alert.set_summary("push to " + key);
    alert.set_idempotency_key(idempotency_key);
    return alert;
  }

  TempDir dir_;
  ServerProcess server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::IncidentService::Stub> incidents_;
  std::unique_ptr<v1::ServiceDirectory::Stub> directory_;
};

TEST_F(DurabilityTest, EveryAcknowledgedIngestSurvivesSigkill) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const std::string service_id = CreateService("checkout");

  // Several clients ingest, each alert opening its own incident; the server
  // is killed while they run.
  constexpr int kClients = 6;
  std::mutex mu;
  std::map<std::string, std::string> acknowledged;  // incident id -> key
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto stub = v1::IncidentService::NewStub(channel_);
      for (int i = 0; !stop; ++i) {
        const std::string key =
            "c" + std::to_string(c) + "-" + std::to_string(i);
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(5));
        v1::IngestAlertRequest request;
        *request.mutable_alert() =
            MakeAlert(service_id, key, "delivery-" + key);
        v1::IngestAlertResponse response;
        if (!stub->IngestAlert(&context, request, &response).ok()) break;
        std::lock_guard<std::mutex> lock(mu);
        acknowledged[response.incident().id()] = key;
      }
    });
  }
  // Let some ingestion happen, then pull the plug.
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (acknowledged.size() >= 200) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  int status = server_.Kill(SIGKILL);
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_TRUE(WIFSIGNALED(status));
  ASSERT_GT(acknowledged.size(), 0u);
  RecordProperty("acknowledged_before_kill",
                 static_cast<int>(acknowledged.size()));

  ASSERT_NO_FATAL_FAILURE(StartServer());
  std::map<std::string, std::string> stored;
  std::string token;
  do {
    grpc::ClientContext context;
    v1::ListIncidentsRequest request;
    request.set_service_id(service_id);
    request.set_page_size(1000);
    request.set_page_token(token);
    v1::ListIncidentsResponse response;
    ASSERT_TRUE(incidents_->ListIncidents(&context, request, &response).ok());
    for (const auto& incident : response.incidents()) {
      stored[incident.id()] = incident.dedup_key();
    }
    token = response.next_page_token();
  } while (!token.empty());

  for (const auto& [id, key] : acknowledged) {
    ASSERT_TRUE(stored.count(id)) << "acknowledged incident " << id << " ("
                                  << key << ") lost by the crash";
    EXPECT_EQ(stored[id], key);
  }
  // A redelivery of an acknowledged alert is recognised after the crash.
  const auto& [first_id, first_key] = *acknowledged.begin();
  grpc::ClientContext context;
  v1::IngestAlertRequest request;
  *request.mutable_alert() =
      MakeAlert(service_id, first_key, "delivery-" + first_key);
  v1::IngestAlertResponse response;
  ASSERT_TRUE(incidents_->IngestAlert(&context, request, &response).ok());
  EXPECT_TRUE(response.replayed());
  EXPECT_EQ(response.incident().id(), first_id);
  EXPECT_EQ(response.incident().alert_count(), 1);
}

TEST_F(DurabilityTest, WatchResumesFromASequenceAcrossARestart) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const std::string service_id = CreateService("checkout");
  for (int i = 0; i < 5; ++i) {
    grpc::ClientContext context;
    v1::IngestAlertRequest request;
    *request.mutable_alert() =
        MakeAlert(service_id, "k" + std::to_string(i), "");
    v1::IngestAlertResponse response;
    ASSERT_TRUE(incidents_->IngestAlert(&context, request, &response).ok());
  }
  EXPECT_TRUE(WIFEXITED(server_.Kill(SIGTERM))) << "SIGTERM: clean exit";

  ASSERT_NO_FATAL_FAILURE(StartServer());
  grpc::ClientContext context;
  v1::WatchIncidentsRequest request;
  request.set_after_sequence(3);
  auto stream = incidents_->WatchIncidents(&context, request);
  v1::WatchIncidentsResponse event;
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.event().sequence(), 4);
  EXPECT_EQ(event.event().dedup_key(), "k3");
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.event().sequence(), 5);
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.caught_up().sequence(), 5) << "the log survived the restart";
  {
    grpc::ClientContext ingest_context;
    v1::IngestAlertRequest ingest;
    *ingest.mutable_alert() = MakeAlert(service_id, "after-restart", "");
    v1::IngestAlertResponse response;
    ASSERT_TRUE(
        incidents_->IngestAlert(&ingest_context, ingest, &response).ok());
  }
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.event().sequence(), 6);
  EXPECT_EQ(event.event().dedup_key(), "after-restart");
  context.TryCancel();
  while (stream->Read(&event)) {
  }
}

}  // namespace
}  // namespace alertgate
