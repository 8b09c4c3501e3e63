// Outbound webhooks from a real alertgate process to a real receiver: a
// receiver that hangs does not hold ingest up, and alertgate killed with
// SIGKILL while a message is being sent loses none: after the restart every
// message arrives, each with its own X-Alertgate-Delivery id, the one cut
// short possibly twice (at least once, never lost).
#include <set>
#include <string>
#include <vector>

#include "alertgate/v1/incident_service.grpc.pb.h"
#include "alertgate/v1/rules.grpc.pb.h"
#include "alertgate/v1/service_directory.grpc.pb.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/api_channel.h"
#include "tests/server_process.h"
#include "tests/test_support.h"
#include "tests/webhook_receiver.h"

namespace alertgate {
namespace {

using ::alertgate::testing::AdminToken;
using ::alertgate::testing::ApiChannel;
using ::alertgate::testing::ProjectBinary;
using ::alertgate::testing::ServerProcess;
using ::alertgate::testing::TempDir;
using ::alertgate::testing::WebhookReceiver;

class OutboundWebhookE2eTest : public ::testing::Test {
 protected:
  void StartServer() {
    ASSERT_TRUE(server_.Start(
        ProjectBinary("server/alertgate"),
        {"--role=core", "--data_dir=" + dir_.path(),
         "--grpc_listen=127.0.0.1:0", "--webhook_timeout=1s",
         "--webhook_first_retry=1s", "--webhook_max_retry_delay=2s"},
        dir_.File("port"), dir_.File("server.log")))
        << "alertgate did not start; see " << dir_.File("server.log");
    channel_ = ApiChannel(server_.address(), AdminToken(dir_.path()));
    incidents_ = v1::IncidentService::NewStub(channel_);
    directory_ = v1::ServiceDirectory::NewStub(channel_);
    rules_ = v1::RulesService::NewStub(channel_);
  }

  std::string Trigger(const std::string& service_id, const std::string& key) {
    grpc::ClientContext context;
    v1::IngestAlertRequest request;
    v1::Alert* alert = request.mutable_alert();
    alert->set_service_id(service_id);
    alert->set_source("bitbucket");
    alert->set_action(v1::ACTION_TRIGGER);
    alert->set_dedup_key(key);
    alert->set_summary("push to " + key);
    v1::IngestAlertResponse response;
    grpc::Status status = incidents_->IngestAlert(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.incident().id();
  }

  TempDir dir_;
  WebhookReceiver receiver_;
  ServerProcess server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::IncidentService::Stub> incidents_;
  std::unique_ptr<v1::ServiceDirectory::Stub> directory_;
  std::unique_ptr<v1::RulesService::Stub> rules_;
};

TEST_F(OutboundWebhookE2eTest, AHangingReceiverAndASigkillLoseNoMessage) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  std::string service_id;
  {
    grpc::ClientContext context;
    v1::CreateServiceRequest request;
    request.set_name("checkout");
    v1::Service service;
    ASSERT_TRUE(directory_->CreateService(&context, request, &service).ok());
    service_id = service.id();
  }
  {
    grpc::ClientContext context;
    v1::PutWebhookRequest request;
    request.set_service_id(service_id);
    request.mutable_webhook()->set_name("team");
    request.mutable_webhook()->set_url(receiver_.Url());
    request.mutable_webhook()->add_events(v1::WEBHOOK_EVENT_TRIGGERED);
    v1::ServiceRules saved;
    grpc::Status status = rules_->PutWebhook(&context, request, &saved);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // The receiver takes the first message and hangs on it; ingest goes on.
  receiver_.AnswerWith(200, absl::Seconds(3));
  std::set<std::string> incident_ids;
  incident_ids.insert(Trigger(service_id, "first"));
  ASSERT_EQ(receiver_.WaitFor(1, absl::Seconds(10)).size(), 1u);
  for (int i = 0; i < 19; ++i) {
    incident_ids.insert(Trigger(service_id, "k" + std::to_string(i)));
  }
  EXPECT_EQ(incident_ids.size(), 20u);
  // All 20 ingests were answered while the receiver hung: had ingest waited
  // for deliveries (each attempt ends after --webhook_timeout=1s), it would
  // have taken 20 s and the receiver would hold 20 requests.
  EXPECT_LT(receiver_.received().size(), 10u);

  // Killed mid-delivery, with messages in flight and waiting.
  server_.Kill(SIGKILL);
  receiver_.AnswerWith(200);
  ASSERT_NO_FATAL_FAILURE(StartServer());

  // Every incident's message arrives; the one cut short comes again once
  // its lease has passed.
  std::set<std::string> told, deliveries;
  for (int i = 0; i < 300 && told.size() < incident_ids.size(); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    told.clear();
    deliveries.clear();
    for (const WebhookReceiver::Received& got : receiver_.received()) {
      deliveries.insert(got.delivery);
      told.insert(
          nlohmann::json::parse(got.body)["incident"]["id"].get<std::string>());
    }
  }
  EXPECT_EQ(told, incident_ids);
  EXPECT_EQ(deliveries.size(), 20u);
  // Nothing invented: no more than one message per incident, repeats aside.
  EXPECT_LE(receiver_.received().size(), 22u);

  // The outbox says the same: 20 delivered, none waiting or given up (the
  // one cut short after its lease, 2 x --webhook_timeout + 5 s, passed).
  for (int i = 0; i < 300; ++i) {
    grpc::ClientContext context;
    v1::ListWebhookMessagesRequest request;
    request.set_service_id(service_id);
    request.set_state(v1::WEBHOOK_MESSAGE_STATE_DELIVERED);
    v1::ListWebhookMessagesResponse listed;
    ASSERT_TRUE(rules_->ListWebhookMessages(&context, request, &listed).ok());
    if (listed.messages_size() == 20) break;
    ASSERT_LT(i, 299) << listed.messages_size() << " delivered";
    absl::SleepFor(absl::Milliseconds(100));
  }
  // The message in flight at the kill was sent again, with the same id.
  const std::vector<WebhookReceiver::Received> got = receiver_.received();
  int first_sent = 0;
  for (const WebhookReceiver::Received& one : got) {
    first_sent += one.delivery == got.front().delivery;
  }
  EXPECT_GE(first_sent, 2);
}

}  // namespace
}  // namespace alertgate
