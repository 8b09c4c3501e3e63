// Services, webhook keys (issue, resolve, rotate, revoke), secrets, and the
// "receiving alerts" status of alert sources.
#include "server/core/service_catalog.h"

#include <memory>

#include "gtest/gtest.h"
#include "server/core/incident_core.h"
#include "server/model/webhook_key.h"
#include "tests/core_on_store.h"

namespace alertgate {
namespace {

class ServiceCatalogTest : public ::alertgate::testing::EmptyCoreOnEachStore {};

TEST_P(ServiceCatalogTest, CreatesFindsAndListsServices) {
  auto checkout = catalog_->CreateService("checkout", "Checkout API");
  ASSERT_TRUE(checkout.ok()) << checkout.status();
  EXPECT_TRUE(IsWellFormedId(checkout->id));
  EXPECT_EQ(catalog_->CreateService("checkout", "").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(catalog_->CreateService("Check Out", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(catalog_->CreateService("billing", "").ok());
  ASSERT_TRUE(catalog_->CreateService("auth", "").ok());

  auto by_name = catalog_->GetServiceByName("checkout");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->id, checkout->id);
  EXPECT_EQ(by_name->description, "Checkout API");
  EXPECT_EQ(catalog_->GetService("nope").status().code(),
            absl::StatusCode::kNotFound);

  auto page = catalog_->ListServices(2, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->services.size(), 2u);
  EXPECT_EQ(page->services[0].name, "auth");
  EXPECT_EQ(page->services[1].name, "billing");
  auto rest = catalog_->ListServices(2, page->next_page_token);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->services.size(), 1u);
  EXPECT_EQ(rest->services[0].name, "checkout");
  EXPECT_TRUE(rest->next_page_token.empty());
}

TEST_P(ServiceCatalogTest, WebhookKeysResolveRotateAndAreStoredOnlyAsHashes) {
  auto service = catalog_->CreateService("checkout", "");
  ASSERT_TRUE(service.ok());
  auto issued = catalog_->IssueWebhookKey(service->id, "bitbucket");
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(IsWellFormedWebhookKey(issued->webhook_key));
  EXPECT_TRUE(issued->status.has_webhook_key);
  EXPECT_FALSE(issued->status.has_webhook_secret);

  auto resolved = catalog_->ResolveWebhookKey("bitbucket", issued->webhook_key);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->service.id, service->id);
  EXPECT_EQ(resolved->webhook_secret, "");
  // The key is for one source only.
  EXPECT_EQ(catalog_->ResolveWebhookKey("generic", issued->webhook_key)
                .status()
                .code(),
            absl::StatusCode::kNotFound);

  ASSERT_TRUE(
      catalog_->SetWebhookSecret(service->id, "bitbucket", "s3cret").ok());
  auto rotated = catalog_->IssueWebhookKey(service->id, "bitbucket");
  ASSERT_TRUE(rotated.ok());
  EXPECT_NE(rotated->webhook_key, issued->webhook_key);
  EXPECT_EQ(catalog_->ResolveWebhookKey("bitbucket", issued->webhook_key)
                .status()
                .code(),
            absl::StatusCode::kNotFound)
      << "the old key must be revoked";
  auto after = catalog_->ResolveWebhookKey("bitbucket", rotated->webhook_key);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->webhook_secret, "s3cret") << "rotation keeps the secret";

  EXPECT_EQ(catalog_->ResolveWebhookKey("bitbucket", "short").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->IssueWebhookKey("nope", "bitbucket").status().code(),
            absl::StatusCode::kNotFound);

  // A leaked database holds no usable key: the plain key is nowhere in it.
  if (kind_ != ::alertgate::testing::StoreKind::kSqlite) return;
  catalog_.reset();
  core_.reset();
  store_.reset();
  FILE* f = fopen(dir_.File("alertgate.db").c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::string bytes;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), f)) > 0) bytes.append(buffer, n);
  fclose(f);
  EXPECT_EQ(bytes.find(rotated->webhook_key), std::string::npos);
  EXPECT_NE(bytes.find(HashWebhookKey(rotated->webhook_key)),
            std::string::npos);
}

TEST_P(ServiceCatalogTest,
       SourceReceivesAlertsWhileItOpenedAnIncidentIn30Days) {
  auto service = catalog_->CreateService("checkout", "");
  ASSERT_TRUE(service.ok());
  ASSERT_TRUE(catalog_->IssueWebhookKey(service->id, "bitbucket").ok());
  auto before = catalog_->GetAlertSource(service->id, "bitbucket");
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->receiving_alerts);
  EXPECT_FALSE(before->last_alert_at.has_value());

  Alert alert;
  alert.service_id = service->id;
  alert.source = "bitbucket";
  alert.action = Action::kTrigger;
  alert.dedup_key = "push";
  alert.summary = "pushed";
  ASSERT_TRUE(core_->Ingest(alert).ok());
  const absl::Time opened = clock_.Now();

  // A resolve is an alert but opens no incident.
  clock_.Advance(absl::Hours(24 * 10));
  alert.action = Action::kResolve;
  ASSERT_TRUE(core_->Ingest(alert).ok());

  auto status = catalog_->GetAlertSource(service->id, "bitbucket");
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->receiving_alerts);
  EXPECT_EQ(status->last_incident_at, opened);
  EXPECT_EQ(status->last_alert_at, clock_.Now());

  clock_.Advance(absl::Hours(24 * 20) - absl::Seconds(1));
  EXPECT_TRUE(
      catalog_->GetAlertSource(service->id, "bitbucket")->receiving_alerts);
  clock_.Advance(absl::Seconds(2));
  EXPECT_FALSE(
      catalog_->GetAlertSource(service->id, "bitbucket")->receiving_alerts)
      << "30 days after the last incident the source is no longer receiving";

  auto sources = catalog_->ListAlertSources(service->id);
  ASSERT_TRUE(sources.ok());
  ASSERT_EQ(sources->size(), 1u);
  EXPECT_EQ((*sources)[0].source, "bitbucket");
}

INSTANTIATE_TEST_SUITE_P(
    Stores, ServiceCatalogTest,
    ::testing::Values(::alertgate::testing::StoreKind::kSqlite,
                      ::alertgate::testing::StoreKind::kPostgres),
    ::alertgate::testing::StoreName);

}  // namespace
}  // namespace alertgate
