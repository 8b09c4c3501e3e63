// CoreOnStore: a test fixture with the real core on a real store — a SQLite
// file in a fresh folder, or a fresh schema of a real PostgreSQL server —
// one service created, and a restart that reopens the same store. The
// conformance tests run once per store (StoreKind as the test parameter).
//
// PostgreSQL comes from the environment libpq reads (PGHOST, PGPORT,
// PGUSER, PGPASSWORD, PGDATABASE), which scripts/with_postgres.sh sets for
// a throwaway server. Without one, PostgreSQL cases are skipped, unless
// ALERTGATE_REQUIRE_POSTGRES=1 (the test command sets it): then they fail.
#ifndef ALERTGATE_TESTS_CORE_ON_STORE_H_
#define ALERTGATE_TESTS_CORE_ON_STORE_H_

#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/core/id_generator.h"
#include "server/core/incident_core.h"
#include "server/core/service_catalog.h"
#include "server/store/postgresql/pg_connection.h"
#include "server/store/postgresql/pg_store.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/test_support.h"

namespace alertgate::testing {

enum class StoreKind { kSqlite, kPostgres };

inline std::string StoreName(const ::testing::TestParamInfo<StoreKind>& info) {
  return info.param == StoreKind::kSqlite ? "Sqlite" : "Postgres";
}

// A schema of its own on the PostgreSQL server of the environment, dropped
// with the object: tests never see each other's tables.
class ScratchPostgresSchema {
 public:
  // Skips (or fails, see above) the test when there is no server.
  ScratchPostgresSchema() {
    if (getenv("PGHOST") == nullptr && getenv("PGPORT") == nullptr) {
      if (getenv("ALERTGATE_REQUIRE_POSTGRES") != nullptr) {
        ADD_FAILURE() << "no PostgreSQL server in the environment (PGHOST)";
      }
      return;
    }
    // Not the process id alone: Bazel runs each test in its own PID
    // namespace, where every test binary is the same small number, and
    // tests share the server. A random part keeps names apart.
    static int count = 0;
    name_ = absl::StrCat("test_", getpid(), "_", absl::Hex(RandomSuffix()), "_",
                         ++count);
    auto admin = PgConnection::Open("");
    if (!admin.ok()) {
      ADD_FAILURE() << admin.status();
      return;
    }
    // CREATE without IF NOT EXISTS: a name already taken fails loudly
    // instead of sharing tables with another test.
    absl::Status made = (*admin)->Exec(absl::StrCat("CREATE SCHEMA ", name_));
    if (!made.ok()) ADD_FAILURE() << made;
    available_ = made.ok();
  }
  ~ScratchPostgresSchema() {
    if (!available_) return;
    auto admin = PgConnection::Open("");
    if (admin.ok()) {
      (*admin)
          ->Exec(absl::StrCat("DROP SCHEMA ", name_, " CASCADE"))
          .IgnoreError();
    }
  }
  bool available() const { return available_; }
  // libpq connection string: the environment's server, this schema.
  std::string conninfo() const {
    return absl::StrCat("options=-csearch_path=", name_);
  }
  // The same as a --store URL (host, port, user, password and database
  // from the environment).
  std::string url() const {
    return absl::StrCat("postgresql://?options=-csearch_path%3D", name_);
  }

 private:
  static uint32_t RandomSuffix() {
    static absl::BitGen bits;
    return absl::Uniform<uint32_t>(bits);
  }
  std::string name_;
  bool available_ = false;
};

// An alert whose summary names its dedup key.
inline Alert TestAlert(const std::string& service_id, const std::string& source,
                       Action action, const std::string& dedup_key,
                       const std::string& idempotency_key) {
  Alert alert;
  alert.service_id = service_id;
  alert.source = source;
  alert.action = action;
  alert.dedup_key = dedup_key;
  alert.summary = "summary of " + dedup_key;
  alert.idempotency_key = idempotency_key;
  return alert;
}

class CoreOnStore : public ::testing::Test {
 protected:
  // REQUIRES: kind_ set (by a parameterized test's SetUp) before this runs.
  void SetUp() override {
    if (kind_ == StoreKind::kPostgres) {
      postgres_ = std::make_unique<ScratchPostgresSchema>();
      if (!postgres_->available()) GTEST_SKIP() << "no PostgreSQL server";
    }
    Open();
  }

  // Opens the store, and the core and catalog on it.
  void Open() {
    if (kind_ == StoreKind::kSqlite) {
      auto store = SqliteStore::Open(dir_.File("alertgate.db"));
      ASSERT_TRUE(store.ok()) << store.status();
      store_ = std::move(*store);
    } else {
      auto store = PostgresStore::Open(postgres_->conninfo());
      ASSERT_TRUE(store.ok()) << store.status();
      store_ = std::move(*store);
    }
    core_ = std::make_unique<IncidentCore>(store_.get(), &clock_, &ids_);
    catalog_ = std::make_unique<ServiceCatalog>(store_.get(), &clock_, &ids_);
    if (create_service_ && service_id_.empty()) {
      auto service = catalog_->CreateService("checkout", "Checkout API");
      ASSERT_TRUE(service.ok()) << service.status();
      service_id_ = service->id;
    }
  }

  // An alert of the bitbucket source for "checkout".
  Alert MakeAlert(Action action, const std::string& dedup_key,
                  const std::string& idempotency_key = "") {
    return TestAlert(service_id_, "bitbucket", action, dedup_key,
                     idempotency_key);
  }

  // Closes and reopens the same store, as a restart does.
  void Restart() {
    core_.reset();
    catalog_.reset();
    store_.reset();
    Open();
  }

  StoreKind kind_ = StoreKind::kSqlite;
  bool create_service_ = true;  // Create "checkout" at the first Open().
  TempDir dir_;
  std::unique_ptr<ScratchPostgresSchema> postgres_;
  FakeClock clock_;
  IdGenerator ids_{&clock_};
  std::unique_ptr<IncidentStore> store_;
  std::unique_ptr<IncidentCore> core_;
  std::unique_ptr<ServiceCatalog> catalog_;
  std::string service_id_;  // Of the service "checkout".
};

// The same fixture, run once per store.
class CoreOnEachStore : public CoreOnStore,
                        public ::testing::WithParamInterface<StoreKind> {
 protected:
  void SetUp() override {
    kind_ = GetParam();
    CoreOnStore::SetUp();
  }
};

// The same, without the service "checkout".
class EmptyCoreOnEachStore : public CoreOnEachStore {
 protected:
  void SetUp() override {
    create_service_ = false;
    CoreOnEachStore::SetUp();
  }
};

}  // namespace alertgate::testing

#endif  // ALERTGATE_TESTS_CORE_ON_STORE_H_
