// CoreOnSqlite: a test fixture with the real core on a real SQLite file in a
// fresh folder, one service created, and a restart that reopens the file.
#ifndef ALERTGATE_TESTS_CORE_ON_SQLITE_H_
#define ALERTGATE_TESTS_CORE_ON_SQLITE_H_

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/core/id_generator.h"
#include "server/core/incident_core.h"
#include "server/core/service_catalog.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/test_support.h"

namespace alertgate::testing {

class CoreOnSqlite : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  // Opens the store on the folder's file, and the core and catalog on it.
  void Open() {
    auto store = SqliteStore::Open(dir_.File("alertgate.db"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    core_ = std::make_unique<IncidentCore>(store_.get(), &clock_, &ids_);
    catalog_ = std::make_unique<ServiceCatalog>(store_.get(), &clock_, &ids_);
    if (service_id_.empty()) {
      auto service = catalog_->CreateService("checkout", "Checkout API");
      ASSERT_TRUE(service.ok()) << service.status();
      service_id_ = service->id;
    }
  }

  // Closes and reopens the store on the same file, as a restart does.
  void Restart() {
    core_.reset();
    catalog_.reset();
    store_.reset();
    Open();
  }

  TempDir dir_;
  FakeClock clock_;
  IdGenerator ids_{&clock_};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<IncidentCore> core_;
  std::unique_ptr<ServiceCatalog> catalog_;
  std::string service_id_;  // Of the service "checkout".
};

}  // namespace alertgate::testing

#endif  // ALERTGATE_TESTS_CORE_ON_SQLITE_H_
