// The API contract is read by other teams: these tests hold it to the rules
// that keep it evolvable (documented zero values, prefixed enum values) and
// check that an alert survives the wire unchanged.
#include <string>
#include <vector>

#include "alertgate/v1/incident.pb.h"
#include "alertgate/v1/incident_service.grpc.pb.h"
#include "alertgate/v1/service_directory.grpc.pb.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"

namespace alertgate {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FileDescriptor;

std::vector<const FileDescriptor*> ContractFiles() {
  return {alertgate::v1::Alert::descriptor()->file(),
          alertgate::v1::IngestAlertRequest::descriptor()->file(),
          alertgate::v1::Service::descriptor()->file()};
}

// Converts "IncidentState" to "INCIDENT_STATE_".
std::string EnumValuePrefix(const std::string& enum_name) {
  std::string prefix;
  for (size_t i = 0; i < enum_name.size(); ++i) {
    char c = enum_name[i];
    if (i > 0 && std::isupper(static_cast<unsigned char>(c))) prefix += '_';
    prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return prefix + "_";
}

TEST(ProtoContractTest, EveryEnumHasUnspecifiedZeroAndPrefixedValues) {
  int enums_checked = 0;
  for (const FileDescriptor* file : ContractFiles()) {
    for (int i = 0; i < file->enum_type_count(); ++i) {
      const EnumDescriptor* e = file->enum_type(i);
      const std::string prefix = EnumValuePrefix(e->name());
      ASSERT_GT(e->value_count(), 0) << e->full_name();
      EXPECT_EQ(e->value(0)->number(), 0) << e->full_name();
      EXPECT_EQ(e->value(0)->name(), prefix + "UNSPECIFIED") << e->full_name();
      for (int v = 0; v < e->value_count(); ++v) {
        EXPECT_EQ(e->value(v)->name().rfind(prefix, 0), 0u)
            << e->value(v)->full_name() << " lacks prefix " << prefix;
      }
      ++enums_checked;
    }
  }
  // Action, IncidentState, Severity, ChangeKind, IngestOutcome.
  EXPECT_GE(enums_checked, 5);
}

TEST(ProtoContractTest, IncidentStatesMatchTheDesign) {
  const EnumDescriptor* states = alertgate::v1::IncidentState_descriptor();
  for (const char* name :
       {"INCIDENT_STATE_TRIGGERED", "INCIDENT_STATE_ACKNOWLEDGED",
        "INCIDENT_STATE_RESOLVED", "INCIDENT_STATE_SUPPRESSED"}) {
    EXPECT_NE(states->FindValueByName(name), nullptr) << name;
  }
}

TEST(ProtoContractTest, ServicesExposeTheDocumentedMethods) {
  const auto* incidents = alertgate::v1::IncidentService::service_full_name();
  EXPECT_STREQ(incidents, "alertgate.v1.IncidentService");
  const auto* file = alertgate::v1::IngestAlertRequest::descriptor()->file();
  const auto* service = file->FindServiceByName("IncidentService");
  ASSERT_NE(service, nullptr);
  for (const char* method :
       {"IngestAlert", "IngestAlerts", "GetIncident", "ListIncidents",
        "AcknowledgeIncident", "ResolveIncident", "WatchIncidents"}) {
    EXPECT_NE(service->FindMethodByName(method), nullptr) << method;
  }
  EXPECT_TRUE(service->FindMethodByName("WatchIncidents")->server_streaming());
  const auto* directory =
      alertgate::v1::Service::descriptor()->file()->FindServiceByName(
          "ServiceDirectory");
  ASSERT_NE(directory, nullptr);
  for (const char* method :
       {"CreateService", "GetService", "ListServices", "IssueWebhookKey",
        "SetWebhookSecret", "ResolveWebhookKey", "ListAlertSources"}) {
    EXPECT_NE(directory->FindMethodByName(method), nullptr) << method;
  }
}

TEST(ProtoContractTest, AlertRoundTripsThroughTheWireFormat) {
  alertgate::v1::Alert alert;
  alert.set_service_id("svc-1");
  alert.set_source("bitbucket");
  alert.set_action(alertgate::v1::ACTION_RESOLVE);
  alert.set_dedup_key("pr:team/repo:12");
  alert.set_summary("Pull request #12 merged");
  alert.set_severity(alertgate::v1::SEVERITY_WARNING);
  (*alert.mutable_tags())["repository"] = "team/repo";
  auto* link = alert.add_links();
  link->set_href("https://bitbucket.org/team/repo/pull-requests/12");
  link->set_text("Pull request #12");
  alert.mutable_occurred_at()->set_seconds(1700000000);
  alert.set_idempotency_key("a3f1c2d4-delivery");

  std::string wire;
  ASSERT_TRUE(alert.SerializeToString(&wire));
  alertgate::v1::Alert parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  EXPECT_EQ(parsed.DebugString(), alert.DebugString());
  EXPECT_EQ(parsed.tags().at("repository"), "team/repo");
  EXPECT_EQ(parsed.action(), alertgate::v1::ACTION_RESOLVE);
}

}  // namespace
}  // namespace alertgate
