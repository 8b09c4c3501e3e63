// Who may call what: every RPC of the gRPC API against a real server on a
// real port, with no token, a malformed, an unknown and a revoked token, and
// a token of each role; the exact status code of each, and nothing changed
// by any refused call. Also: the actor of an acknowledgement is the token's
// name, directory changes are in the audit log, the in-process channel and a
// plaintext listener without the token processor (--insecure) check the
// same, and plaintext elsewhere than loopback is refused.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "alertgate/v1/incident_service.grpc.pb.h"
#include "alertgate/v1/rules.grpc.pb.h"
#include "alertgate/v1/service_directory.grpc.pb.h"
#include "google/protobuf/descriptor.h"
#include "grpc_health_v1.grpc.pb.h"
#include "gtest/gtest.h"
#include "server/grpc/api_auth.h"
#include "server/grpc/core_server.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/api_channel.h"
#include "tests/test_support.h"

namespace alertgate {
namespace {

using ::alertgate::testing::ApiChannel;
using ::alertgate::testing::TempDir;

struct Stubs {
  explicit Stubs(std::shared_ptr<grpc::Channel> channel)
      : incidents(v1::IncidentService::NewStub(channel)),
        directory(v1::ServiceDirectory::NewStub(channel)),
        rules(v1::RulesService::NewStub(channel)) {}
  std::unique_ptr<v1::IncidentService::Stub> incidents;
  std::unique_ptr<v1::ServiceDirectory::Stub> directory;
  std::unique_ptr<v1::RulesService::Stub> rules;
};

// One RPC, called with a request that succeeds for a caller allowed it.
struct Rpc {
  std::string method;
  Permission needs;
  std::function<grpc::Status(Stubs&)> call;
  // What an allowed caller gets: OK, except where this test's core cannot
  // do the work (ReplayDelivery: no plugins here, the e2e test replays).
  grpc::StatusCode allowed_answer = grpc::StatusCode::OK;
};

template <typename Stream, typename Message>
grpc::Status FirstMessage(grpc::ClientContext& context, Stream stream,
                          Message* message) {
  if (stream->Read(message)) {
    context.TryCancel();
    while (stream->Read(message)) {
    }
    stream->Finish().IgnoreError();
    return grpc::Status::OK;
  }
  return stream->Finish();
}

class ApiSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Start(&server_, "127.0.0.1:0", /*allow_insecure=*/false);
    address_ = absl::StrCat("127.0.0.1:", server_->port());
    for (Role role :
         {Role::kIngest, Role::kRead, Role::kOperate, Role::kAdmin}) {
      tokens_[role] = NewToken(*server_, std::string(RoleName(role)), role);
    }
    Stubs admin(ApiChannel(address_, tokens_[Role::kAdmin]));
    {
      grpc::ClientContext context;
      v1::CreateServiceRequest request;
      request.set_name("checkout");
      ASSERT_TRUE(
          admin.directory->CreateService(&context, request, &service_).ok());
    }
    {
      grpc::ClientContext context;
      v1::IssueWebhookKeyRequest request;
      request.set_service_id(service_.id());
      request.set_source("bitbucket");
      v1::IssueWebhookKeyResponse issued;
      ASSERT_TRUE(
          admin.directory->IssueWebhookKey(&context, request, &issued).ok());
      webhook_key_ = issued.webhook_key();
    }
    NewToken(*server_, "doomed", Role::kRead);
    ack_target_ = Trigger(admin, "to-acknowledge");
    resolve_target_ = Trigger(admin, "to-resolve");
    {
      grpc::ClientContext context;
      v1::RecordDeliveriesRequest request;
      v1::Delivery* d = request.add_deliveries();
      d->set_service_id(service_.id());
      d->set_source("bitbucket");
      d->set_outcome(v1::DELIVERY_OUTCOME_ACCEPTED);
      v1::RecordDeliveriesResponse ids;
      ASSERT_TRUE(
          admin.directory->RecordDeliveries(&context, request, &ids).ok());
      delivery_id_ = ids.ids(0);
    }
  }

  void Start(std::unique_ptr<CoreServer>* server, const std::string& address,
             bool allow_insecure) {
    CoreServerOptions options;
    options.listen_address = address;
    options.allow_insecure = allow_insecure;
    auto store =
        SqliteStore::Open(dir_.File(absl::StrCat("store-", ++stores_, ".db")));
    ASSERT_TRUE(store.ok()) << store.status();
    auto started = CoreServer::Start(options, *std::move(store));
    ASSERT_TRUE(started.ok()) << started.status();
    *server = *std::move(started);
  }

  static std::string NewToken(CoreServer& server, const std::string& name,
                              Role role) {
    auto created = server.access().CreateToken(name, role, "test");
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->secret : "";
  }

  std::string Trigger(Stubs& stubs, const std::string& dedup_key) {
    grpc::ClientContext context;
    v1::IngestAlertRequest request;
    *request.mutable_alert() = Alert(dedup_key);
    v1::IngestAlertResponse response;
    EXPECT_TRUE(
        stubs.incidents->IngestAlert(&context, request, &response).ok());
    return response.incident().id();
  }

  v1::Alert Alert(const std::string& dedup_key) const {
    v1::Alert alert;
    alert.set_service_id(service_.id());
    alert.set_source("generic");
    alert.set_action(v1::ACTION_TRIGGER);
    alert.set_dedup_key(dedup_key);
    alert.set_summary("summary of " + dedup_key);
    return alert;
  }

  // Every RPC of the API. Calls that change something use fresh names.
  std::vector<Rpc> AllRpcs() {
    auto unique = [this](const std::string& prefix) {
      return absl::StrCat(prefix, "-", ++calls_);
    };
    return {
        {"IngestAlert", Permission::kIngest,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::IngestAlertRequest r;
           *r.mutable_alert() = Alert(unique("ingest"));
           v1::IngestAlertResponse a;
           return s.incidents->IngestAlert(&c, r, &a);
         }},
        {"IngestAlerts", Permission::kIngest,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::IngestAlertsRequest r;
           *r.add_alerts() = Alert(unique("batch"));
           v1::IngestAlertsResponse a;
           return s.incidents->IngestAlerts(&c, r, &a);
         }},
        {"GetIncident", Permission::kRead,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::GetIncidentRequest r;
           r.set_id(ack_target_);
           v1::GetIncidentResponse a;
           return s.incidents->GetIncident(&c, r, &a);
         }},
        {"ListIncidents", Permission::kRead,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::ListIncidentsResponse a;
           return s.incidents->ListIncidents(&c, v1::ListIncidentsRequest(),
                                             &a);
         }},
        {"WatchIncidents", Permission::kRead,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::WatchIncidentsResponse m;
           return FirstMessage(
               c, s.incidents->WatchIncidents(&c, v1::WatchIncidentsRequest()),
               &m);
         }},
        {"AcknowledgeIncident", Permission::kOperate,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::AcknowledgeIncidentRequest r;
           r.set_id(ack_target_);
           v1::AcknowledgeIncidentResponse a;
           return s.incidents->AcknowledgeIncident(&c, r, &a);
         }},
        {"ResolveIncident", Permission::kOperate,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::ResolveIncidentRequest r;
           r.set_id(resolve_target_);
           v1::ResolveIncidentResponse a;
           return s.incidents->ResolveIncident(&c, r, &a);
         }},
        {"CreateService", Permission::kAdmin,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::CreateServiceRequest r;
           r.set_name(unique("svc"));
           v1::Service a;
           return s.directory->CreateService(&c, r, &a);
         }},
        {"GetService", Permission::kRead,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::GetServiceRequest r;
           r.set_id(service_.id());
           v1::Service a;
           return s.directory->GetService(&c, r, &a);
         }},
        {"ListServices", Permission::kRead,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::ListServicesResponse a;
           return s.directory->ListServices(&c, v1::ListServicesRequest(), &a);
         }},
        {"IssueWebhookKey", Permission::kAdmin,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::IssueWebhookKeyRequest r;
           r.set_service_id(service_.id());
           r.set_source("generic");
           v1::IssueWebhookKeyResponse a;
           return s.directory->IssueWebhookKey(&c, r, &a);
         }},
        {"SetWebhookSecret", Permission::kAdmin,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::SetWebhookSecretRequest r;
           r.set_service_id(service_.id());
           r.set_source("generic");
           r.set_secret(unique("secret"));
           v1::AlertSourceStatus a;
           return s.directory->SetWebhookSecret(&c, r, &a);
         }},
        {"ResolveWebhookKey", Permission::kIngest,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::ResolveWebhookKeyRequest r;
           r.set_source("bitbucket");
           r.set_webhook_key(webhook_key_);
           v1::ResolveWebhookKeyResponse a;
           return s.directory->ResolveWebhookKey(&c, r, &a);
         }},
        {"ListAlertSources", Permission::kRead,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::ListAlertSourcesRequest r;
           r.set_service_id(service_.id());
           v1::ListAlertSourcesResponse a;
           return s.directory->ListAlertSources(&c, r, &a);
         }},
        {"WatchWebhookCredentials", Permission::kIngest,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::WebhookCredentialChange m;
           return FirstMessage(c,
                               s.directory->WatchWebhookCredentials(
                                   &c, v1::WatchWebhookCredentialsRequest()),
                               &m);
         }},
        {"CreateApiToken", Permission::kAdmin,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::CreateApiTokenRequest r;
           r.set_name(unique("token"));
           r.set_role(v1::ROLE_READ);
           v1::CreateApiTokenResponse a;
           return s.directory->CreateApiToken(&c, r, &a);
         }},
        {"ListApiTokens", Permission::kAdmin,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::ListApiTokensResponse a;
           return s.directory->ListApiTokens(&c, v1::ListApiTokensRequest(),
                                             &a);
         }},
        {"RevokeApiToken", Permission::kAdmin,
         [=](Stubs& s) {
           // Made in SetUp; only the one allowed call revokes it.
           grpc::ClientContext c;
           v1::RevokeApiTokenRequest r;
           r.set_id("doomed");
           v1::ApiToken a;
           return s.directory->RevokeApiToken(&c, r, &a);
         }},
        {"ListAuditEntries", Permission::kAdmin,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::ListAuditEntriesResponse a;
           return s.directory->ListAuditEntries(
               &c, v1::ListAuditEntriesRequest(), &a);
         }},
        {"RecordDeliveries", Permission::kIngest,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::RecordDeliveriesRequest r;
           v1::Delivery* d = r.add_deliveries();
           d->set_service_id(service_.id());
           d->set_source("bitbucket");
           d->set_outcome(v1::DELIVERY_OUTCOME_ACCEPTED);
           v1::RecordDeliveriesResponse a;
           return s.directory->RecordDeliveries(&c, r, &a);
         }},
        {"ListDeliveries", Permission::kRead,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::ListDeliveriesRequest r;
           r.set_service_id(service_.id());
           v1::ListDeliveriesResponse a;
           return s.directory->ListDeliveries(&c, r, &a);
         }},
        {"GetDelivery", Permission::kAdmin,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::GetDeliveryRequest r;
           r.set_id(delivery_id_);
           v1::Delivery a;
           return s.directory->GetDelivery(&c, r, &a);
         }},
        {"ReplayDelivery", Permission::kAdmin,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::ReplayDeliveryRequest r;
           r.set_id(delivery_id_);
           v1::ReplayDeliveryResponse a;
           return s.directory->ReplayDelivery(&c, r, &a);
         },
         // Past the role check: an accepted delivery keeps nothing.
         grpc::StatusCode::FAILED_PRECONDITION},
        {"ListSourcePlugins", Permission::kRead,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::ListSourcePluginsResponse a;
           return s.directory->ListSourcePlugins(
               &c, v1::ListSourcePluginsRequest(), &a);
         }},
        {"GetCaller", Permission::kRead,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::Caller a;
           return s.directory->GetCaller(&c, v1::GetCallerRequest(), &a);
         }},
        {"SendTestAlert", Permission::kOperate,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::SendTestAlertRequest r;
           r.set_service_id(service_.id());
           r.set_source("bitbucket");
           v1::SendTestAlertResponse a;
           return s.directory->SendTestAlert(&c, r, &a);
         }},
        {"GetRules", Permission::kRead,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::GetRulesRequest r;
           r.set_service_id(service_.id());
           v1::ServiceRules a;
           return s.rules->GetRules(&c, r, &a);
         }},
        {"SetRules", Permission::kAdmin,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::SetRulesRequest r;
           r.set_service_id(service_.id());
           v1::Rule* rule = r.add_rules();
           rule->set_name("tag everything");
           (*rule->mutable_then()->mutable_set_tags())["checked"] = "yes";
           v1::ServiceRules a;
           return s.rules->SetRules(&c, r, &a);
         }},
        {"TestRules", Permission::kRead,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::TestRulesRequest r;
           r.set_service_id(service_.id());
           r.mutable_alert()->set_action(v1::ACTION_TRIGGER);
           r.mutable_alert()->set_dedup_key("k");
           v1::TestRulesResponse a;
           return s.rules->TestRules(&c, r, &a);
         }},
        {"SetMaintenanceWindows", Permission::kAdmin,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::SetMaintenanceWindowsRequest r;
           r.set_service_id(service_.id());
           v1::MaintenanceWindow* w = r.add_windows();
           w->set_name("upgrade");
           w->set_starts("2030-01-01T02:00");
           w->set_duration_minutes(60);
           v1::ServiceRules a;
           return s.rules->SetMaintenanceWindows(&c, r, &a);
         }},
        {"SetAutoResolve", Permission::kAdmin,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::SetAutoResolveRequest r;
           r.set_service_id(service_.id());
           r.add_settings()->set_quiet_minutes(60);
           v1::ServiceRules a;
           return s.rules->SetAutoResolve(&c, r, &a);
         }},
        {"PutWebhook", Permission::kAdmin,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::PutWebhookRequest r;
           r.set_service_id(service_.id());
           r.mutable_webhook()->set_name("team");
           r.mutable_webhook()->set_url("https://hooks.example.com/x");
           r.mutable_webhook()->add_events(v1::WEBHOOK_EVENT_TRIGGERED);
           v1::ServiceRules a;
           return s.rules->PutWebhook(&c, r, &a);
         }},
        {"RemoveWebhook", Permission::kAdmin,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::RemoveWebhookRequest r;
           r.set_service_id(service_.id());
           r.set_name("no-such-webhook");
           v1::ServiceRules a;
           return s.rules->RemoveWebhook(&c, r, &a);
         },
         // Allowed, it reaches the book, which has no such webhook.
         grpc::StatusCode::NOT_FOUND},
        {"ListWebhookMessages", Permission::kRead,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::ListWebhookMessagesRequest r;
           r.set_service_id(service_.id());
           v1::ListWebhookMessagesResponse a;
           return s.rules->ListWebhookMessages(&c, r, &a);
         }},
        {"RedeliverWebhookMessage", Permission::kOperate,
         [=](Stubs& s) {
           grpc::ClientContext c;
           v1::RedeliverWebhookMessageRequest r;
           r.set_id("01JNOSUCHMESSAGE0000000000");
           v1::WebhookMessage a;
           return s.rules->RedeliverWebhookMessage(&c, r, &a);
         },
         grpc::StatusCode::NOT_FOUND},
    };
  }

  // What a refused call must not change: counts of incidents, services,
  // tokens and audit entries, and the event log's end.
  std::string StoreSnapshot() {
    Stubs admin(ApiChannel(address_, tokens_[Role::kAdmin]));
    std::string snapshot;
    {
      grpc::ClientContext c;
      v1::ListIncidentsRequest r;
      r.set_page_size(1000);
      v1::ListIncidentsResponse a;
      EXPECT_TRUE(admin.incidents->ListIncidents(&c, r, &a).ok());
      absl::StrAppend(&snapshot, "incidents=", a.incidents_size());
      for (const auto& i : a.incidents()) {
        absl::StrAppend(&snapshot, ",", i.id(), ":", i.state(), ":",
                        i.alert_count());
      }
    }
    {
      grpc::ClientContext c;
      v1::ListServicesResponse a;
      EXPECT_TRUE(
          admin.directory->ListServices(&c, v1::ListServicesRequest(), &a)
              .ok());
      absl::StrAppend(&snapshot, " services=", a.services_size());
    }
    {
      grpc::ClientContext c;
      v1::ListApiTokensResponse a;
      EXPECT_TRUE(
          admin.directory->ListApiTokens(&c, v1::ListApiTokensRequest(), &a)
              .ok());
      absl::StrAppend(&snapshot, " tokens=", a.api_tokens_size());
      for (const auto& t : a.api_tokens()) {
        absl::StrAppend(&snapshot, ",", t.name(), ":", t.has_revoked_at());
      }
    }
    {
      grpc::ClientContext c;
      v1::ListAuditEntriesResponse a;
      EXPECT_TRUE(admin.directory
                      ->ListAuditEntries(&c, v1::ListAuditEntriesRequest(), &a)
                      .ok());
      absl::StrAppend(&snapshot, " audit=", a.entries_size());
    }
    {
      grpc::ClientContext c;
      v1::ListAlertSourcesRequest r;
      r.set_service_id(service_.id());
      v1::ListAlertSourcesResponse a;
      EXPECT_TRUE(admin.directory->ListAlertSources(&c, r, &a).ok());
      for (const auto& s : a.sources()) {
        absl::StrAppend(&snapshot, " ", s.source(), ":", s.has_webhook_secret(),
                        ":", s.webhook_key_issued_at().seconds(), ".",
                        s.webhook_key_issued_at().nanos());
      }
    }
    return snapshot;
  }

  TempDir dir_;
  int stores_ = 0;
  int calls_ = 0;
  std::unique_ptr<CoreServer> server_;
  std::string address_;
  std::map<Role, std::string> tokens_;
  v1::Service service_;
  std::string webhook_key_;
  std::string ack_target_;
  std::string resolve_target_;
  std::string delivery_id_;  // An accepted delivery of the log.
};

TEST_F(ApiSecurityTest, EveryRpcRefusesCallersWithoutAValidTokenAlike) {
  const std::string revoked = NewToken(*server_, "revoked", Role::kAdmin);
  ASSERT_TRUE(server_->access().RevokeToken("revoked", "test").ok());
  const std::string before = StoreSnapshot();
  const std::vector<std::pair<std::string, std::string>> callers = {
      {"no token", ""},
      {"malformed token", "not-a-token"},
      {"unknown token", "agt_" + std::string(48, '0')},
      {"revoked token", revoked},
  };
  std::string first_message;
  for (const auto& [who, token] : callers) {
    Stubs stubs(ApiChannel(address_, token));
    for (const Rpc& rpc : AllRpcs()) {
      grpc::Status status = rpc.call(stubs);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << rpc.method << " with " << who << ": " << status.error_message();
      // One answer for all: nothing says whether a token exists.
      if (first_message.empty()) first_message = status.error_message();
      EXPECT_EQ(status.error_message(), first_message)
          << rpc.method << " with " << who;
    }
  }
  EXPECT_EQ(StoreSnapshot(), before) << "a refused call changed something";
}

TEST_F(ApiSecurityTest, EachRoleGetsExactlyItsCalls) {
  // Refused calls first, all of them, then a check that nothing changed.
  const std::string before = StoreSnapshot();
  for (Role role : {Role::kIngest, Role::kRead, Role::kOperate, Role::kAdmin}) {
    Stubs stubs(ApiChannel(address_, tokens_[role]));
    for (const Rpc& rpc : AllRpcs()) {
      if (RoleAllows(role, rpc.needs)) continue;
      grpc::Status status = rpc.call(stubs);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << rpc.method << " as " << RoleName(role) << ": "
          << status.error_message();
    }
  }
  EXPECT_EQ(StoreSnapshot(), before) << "a refused call changed something";
  for (Role role : {Role::kIngest, Role::kRead, Role::kOperate, Role::kAdmin}) {
    Stubs stubs(ApiChannel(address_, tokens_[role]));
    for (const Rpc& rpc : AllRpcs()) {
      if (!RoleAllows(role, rpc.needs)) continue;
      grpc::Status status = rpc.call(stubs);
      EXPECT_EQ(status.error_code(), rpc.allowed_answer)
          << rpc.method << " as " << RoleName(role) << ": "
          << status.error_message();
    }
  }
}

TEST_F(ApiSecurityTest, EveryMethodOfTheApiHasAPermission) {
  // A method added to the proto without a row in api_auth.cc would fall
  // back to read; this keeps the table complete.
  std::map<std::string, Permission> covered;
  for (const Rpc& rpc : AllRpcs()) covered[rpc.method] = rpc.needs;
  int methods = 0;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const auto* service :
       {pool->FindServiceByName("alertgate.v1.IncidentService"),
        pool->FindServiceByName("alertgate.v1.ServiceDirectory"),
        pool->FindServiceByName("alertgate.v1.RulesService")}) {
    ASSERT_NE(service, nullptr);
    for (int i = 0; i < service->method_count(); ++i, ++methods) {
      const std::string name = service->method(i)->name();
      auto it = covered.find(name);
      ASSERT_NE(it, covered.end()) << name << " is not covered by this test";
      EXPECT_EQ(
          PermissionOf(absl::StrCat("/", service->full_name(), "/", name)),
          it->second)
          << name;
    }
  }
  EXPECT_EQ(methods, static_cast<int>(covered.size()));
  EXPECT_EQ(PermissionOf("/grpc.health.v1.Health/Check"), std::nullopt);
  EXPECT_EQ(PermissionOf("/grpc.reflection.v1alpha.ServerReflection/"
                         "ServerReflectionInfo"),
            Permission::kRead);
}

TEST_F(ApiSecurityTest, ManyCallersOnOneConnectionAreEachChecked) {
  // One connection, many concurrent calls of different roles' tokens is
  // the front door's load; the token check must hold per call.
  auto channel =
      grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t) {
    threads.emplace_back([&, t] {
      auto stub = v1::IncidentService::NewStub(channel);
      const Role role = t % 2 == 0 ? Role::kIngest : Role::kRead;
      for (int i = 0; i < 150; ++i) {
        grpc::ClientContext context;
        context.AddMetadata("authorization", "Bearer " + tokens_[role]);
        v1::IngestAlertRequest request;
        *request.mutable_alert() = Alert(absl::StrCat("load-", t, "-", i));
        v1::IngestAlertResponse response;
        const grpc::StatusCode code =
            stub->IngestAlert(&context, request, &response).error_code();
        const grpc::StatusCode expected =
            role == Role::kIngest ? grpc::StatusCode::OK
                                  : grpc::StatusCode::PERMISSION_DENIED;
        if (code != expected) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(ApiSecurityTest, HealthCheckingNeedsNoToken) {
  auto health = grpc::health::v1::Health::NewStub(ApiChannel(address_, ""));
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(
      health->Check(&context, grpc::health::v1::HealthCheckRequest(), &response)
          .ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(ApiSecurityTest, TheActorIsTheTokensNameAndDirectoryChangesAreAudited) {
  Stubs ops(ApiChannel(address_, tokens_[Role::kOperate]));
  {
    grpc::ClientContext context;
    v1::AcknowledgeIncidentRequest request;
    request.set_id(ack_target_);
    v1::AcknowledgeIncidentResponse response;
    ASSERT_TRUE(
        ops.incidents->AcknowledgeIncident(&context, request, &response).ok());
    EXPECT_EQ(response.incident().acknowledged_by(), "operate");
  }
  {
    grpc::ClientContext context;
    v1::ResolveIncidentRequest request;
    request.set_id(resolve_target_);
    request.set_actor("admin");  // A request cannot claim to be someone else.
    v1::ResolveIncidentResponse response;
    ASSERT_TRUE(
        ops.incidents->ResolveIncident(&context, request, &response).ok());
    EXPECT_EQ(response.incident().resolved_by(), "operate on behalf of admin");
  }
  Stubs admin(ApiChannel(address_, tokens_[Role::kAdmin]));
  {
    grpc::ClientContext context;
    v1::SetWebhookSecretRequest request;
    request.set_service_id(service_.id());
    request.set_source("bitbucket");
    request.set_secret("s3cret-value");
    v1::AlertSourceStatus status;
    ASSERT_TRUE(
        admin.directory->SetWebhookSecret(&context, request, &status).ok());
  }
  grpc::ClientContext context;
  v1::ListAuditEntriesResponse audit;
  ASSERT_TRUE(
      admin.directory
          ->ListAuditEntries(&context, v1::ListAuditEntriesRequest(), &audit)
          .ok());
  std::vector<std::string> seen;
  for (const v1::AuditEntry& e : audit.entries()) {
    seen.push_back(absl::StrCat(e.actor(), " ", e.action(), " ", e.target()));
    EXPECT_EQ(e.detail().find("s3cret"), std::string::npos) << e.detail();
  }
  // Newest first.
  ASSERT_GE(seen.size(), 5u);
  EXPECT_EQ(seen[0], "admin webhook_secret.set checkout/bitbucket");
  EXPECT_EQ(seen[1], "test token.create doomed");
  EXPECT_EQ(seen[2], "admin webhook_key.issue checkout/bitbucket");
  EXPECT_EQ(seen[3], "admin service.create checkout");
  EXPECT_EQ(seen[4], "test token.create admin");
}

TEST_F(ApiSecurityTest, OnlyTheAdminWhoSetsAWebhookSeesItsSecret) {
  Stubs admin(ApiChannel(address_, tokens_[Role::kAdmin]));
  Stubs reader(ApiChannel(address_, tokens_[Role::kRead]));
  v1::ServiceRules put;
  {
    grpc::ClientContext context;
    v1::PutWebhookRequest request;
    request.set_service_id(service_.id());
    request.mutable_webhook()->set_name("slack");
    request.mutable_webhook()->set_url(
        "https://hooks.slack.com/services/T/B/X");
    request.mutable_webhook()->add_events(v1::WEBHOOK_EVENT_TRIGGERED);
    request.mutable_webhook()->set_format(v1::WEBHOOK_FORMAT_SLACK);
    ASSERT_TRUE(admin.rules->PutWebhook(&context, request, &put).ok());
  }
  ASSERT_EQ(put.webhooks_size(), 1);
  EXPECT_FALSE(put.webhooks(0).secret().empty());
  grpc::ClientContext context;
  v1::GetRulesRequest request;
  request.set_service_id(service_.id());
  v1::ServiceRules read;
  ASSERT_TRUE(reader.rules->GetRules(&context, request, &read).ok());
  ASSERT_EQ(read.webhooks_size(), 1);
  EXPECT_TRUE(read.webhooks(0).secret().empty());
  EXPECT_TRUE(read.webhooks(0).has_secret());
  EXPECT_EQ(read.webhooks(0).format(), v1::WEBHOOK_FORMAT_SLACK);
  EXPECT_EQ(read.DebugString().find(put.webhooks(0).secret()),
            std::string::npos);
}

TEST_F(ApiSecurityTest, CallersLearnTheirRoleAndServicesCountOpenIncidents) {
  Stubs ops(ApiChannel(address_, tokens_[Role::kOperate]));
  {
    grpc::ClientContext context;
    v1::Caller caller;
    ASSERT_TRUE(
        ops.directory->GetCaller(&context, v1::GetCallerRequest(), &caller)
            .ok());
    EXPECT_EQ(caller.name(), "operate");
    EXPECT_EQ(caller.role(), v1::ROLE_OPERATE);
  }
  {
    grpc::ClientContext context;
    v1::AcknowledgeIncidentRequest request;
    request.set_id(ack_target_);
    v1::AcknowledgeIncidentResponse response;
    ASSERT_TRUE(
        ops.incidents->AcknowledgeIncident(&context, request, &response).ok());
  }
  grpc::ClientContext context;
  v1::ListServicesResponse listed;
  ASSERT_TRUE(
      ops.directory->ListServices(&context, v1::ListServicesRequest(), &listed)
          .ok());
  ASSERT_EQ(listed.services_size(), 1);
  EXPECT_EQ(listed.services(0).triggered_count(), 1);  // to-resolve
  EXPECT_EQ(listed.services(0).acknowledged_count(), 1);
}

TEST_F(ApiSecurityTest, TokensShowWhenTheyWereLastUsed) {
  const absl::Time before = absl::Now() - absl::Seconds(1);
  Stubs reader(ApiChannel(address_, tokens_[Role::kRead]));
  {
    grpc::ClientContext context;
    v1::ListServicesResponse services;
    ASSERT_TRUE(
        reader.directory
            ->ListServices(&context, v1::ListServicesRequest(), &services)
            .ok());
  }
  // Written in the background, best effort: wait for it a little.
  Stubs admin(ApiChannel(address_, tokens_[Role::kAdmin]));
  std::map<std::string, v1::ApiToken> by_name;
  for (int i = 0; i < 100; ++i) {
    grpc::ClientContext context;
    v1::ListApiTokensResponse listed;
    ASSERT_TRUE(
        admin.directory
            ->ListApiTokens(&context, v1::ListApiTokensRequest(), &listed)
            .ok());
    for (const v1::ApiToken& token : listed.api_tokens()) {
      by_name[token.name()] = token;
    }
    if (by_name["read"].has_last_used_at()) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(by_name["read"].has_last_used_at()) << "never written";
  const absl::Time used =
      absl::FromUnixSeconds(by_name["read"].last_used_at().seconds());
  EXPECT_GE(used, before - absl::Seconds(1));
  EXPECT_LE(used, absl::Now());
  // A token nobody presented has no time of use.
  EXPECT_FALSE(by_name["doomed"].has_last_used_at());
  EXPECT_FALSE(by_name["ingest"].has_last_used_at());
}

TEST_F(ApiSecurityTest, InProcessAndInsecureListenersCheckTheSame) {
  // The in-process channel: only the process's own ingest token works.
  {
    Stubs anonymous(server_->InProcessChannel());
    grpc::ClientContext context;
    v1::ListServicesResponse response;
    EXPECT_EQ(anonymous.directory
                  ->ListServices(&context, v1::ListServicesRequest(), &response)
                  .error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // A plaintext listener elsewhere than loopback, accepted with --insecure:
  // the handlers check tokens themselves.
  std::unique_ptr<CoreServer> open;
  ASSERT_NO_FATAL_FAILURE(Start(&open, "0.0.0.0:0", /*allow_insecure=*/true));
  const std::string address = absl::StrCat("127.0.0.1:", open->port());
  const std::string reader = NewToken(*open, "reader", Role::kRead);
  const std::string admin = NewToken(*open, "admin", Role::kAdmin);
  for (const auto& [token, code] :
       std::vector<std::pair<std::string, grpc::StatusCode>>{
           {"", grpc::StatusCode::UNAUTHENTICATED},
           {reader, grpc::StatusCode::PERMISSION_DENIED},
           {admin, grpc::StatusCode::OK}}) {
    Stubs stubs(ApiChannel(address, token));
    grpc::ClientContext context;
    v1::CreateServiceRequest request;
    request.set_name("made-" + std::to_string(static_cast<int>(code)));
    v1::Service service;
    EXPECT_EQ(stubs.directory->CreateService(&context, request, &service)
                  .error_code(),
              code);
  }
}

TEST_F(ApiSecurityTest, PlaintextElsewhereThanLoopbackIsRefusedWithTheFlags) {
  CoreServerOptions options;
  options.listen_address = "0.0.0.0:0";
  auto store = SqliteStore::Open(dir_.File("refused.db"));
  ASSERT_TRUE(store.ok());
  auto started = CoreServer::Start(options, *std::move(store));
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kFailedPrecondition);
  for (const char* flag : {"--grpc_tls_cert", "--grpc_tls_key", "--insecure"}) {
    EXPECT_NE(started.status().message().find(flag), absl::string_view::npos)
        << started.status();
  }
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:50051"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:50051"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:50051"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:50051"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.5:50051"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:50051"));
}

}  // namespace
}  // namespace alertgate
