// The data folder is the process's own, and a store that is not what it
// should be is refused, never served or silently re-created: real alertgate
// processes on real files.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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
using ::alertgate::testing::ReadFileOrEmpty;
using ::alertgate::testing::ServerProcess;
using ::alertgate::testing::TempDir;

mode_t ModeOf(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return 0;
  return info.st_mode & 0777;
}

class DataFolderTest : public ::testing::Test {
 protected:
  std::string data() const { return dir_.File("data"); }

  // Starts a core on the data folder; false if it exited instead.
  bool StartCore(ServerProcess& process, const std::string& log) {
    return process.Start(
        ProjectBinary("server/alertgate"),
        {"--role=core", "--data_dir=" + data(), "--grpc_listen=127.0.0.1:0"},
        dir_.File(log + ".port"), dir_.File(log));
  }

  // Starts, expecting a refusal: the process exits non-zero on its own and
  // its log says `why`.
  void ExpectRefusal(const std::string& log, const std::string& why) {
    ServerProcess process;
    ASSERT_FALSE(StartCore(process, log)) << "it started; expected: " << why;
    EXPECT_TRUE(WIFEXITED(process.exit_status()));
    EXPECT_NE(WEXITSTATUS(process.exit_status()), 0);
    const std::string text = ReadFileOrEmpty(dir_.File(log));
    EXPECT_NE(text.find(why), std::string::npos) << text;
  }

  // Fills the store with enough incidents to span many pages, then stops.
  void MakeStoreWithIncidents(int count) {
    ServerProcess core;
    ASSERT_TRUE(StartCore(core, "seed.log"));
    ASSERT_NO_FATAL_FAILURE(Seed(core.address(), count));
    // The client is gone, so the server stops without waiting for it.
    ASSERT_TRUE(WIFEXITED(core.Kill(SIGTERM)));
  }

  void Seed(const std::string& address, int count) {
    auto channel = ApiChannel(address, AdminToken(data()));
    auto directory = v1::ServiceDirectory::NewStub(channel);
    auto incidents = v1::IncidentService::NewStub(channel);
    v1::Service service;
    {
      grpc::ClientContext context;
      v1::GetServiceRequest request;
      request.set_name("default");
      ASSERT_TRUE(directory->GetService(&context, request, &service).ok());
    }
    v1::IngestAlertsRequest batch;
    for (int i = 0; i < count; ++i) {
      v1::Alert* alert = batch.add_alerts();
      alert->set_service_id(service.id());
      alert->set_source("generic");
      alert->set_action(v1::ACTION_TRIGGER);
      alert->set_dedup_key("key-" + std::to_string(i));
      alert->set_summary(std::string(200, 'x'));
      if (batch.alerts_size() == 1000 || i == count - 1) {
        grpc::ClientContext context;
        v1::IngestAlertsResponse response;
        ASSERT_TRUE(incidents->IngestAlerts(&context, batch, &response).ok());
        batch.Clear();
      }
    }
  }

  TempDir dir_;
};

TEST_F(DataFolderTest, FolderAndFilesAreTheProcessOwn) {
  // A folder that exists with loose permissions is tightened.
  std::filesystem::create_directories(data());
  chmod(data().c_str(), 0755);
  ServerProcess core;
  ASSERT_TRUE(StartCore(core, "core.log"));
  EXPECT_EQ(ModeOf(data()), 0700u);
  for (const char* file :
       {"alertgate.db", "alertgate.db-wal", "alertgate.db-shm",
        "webhook-urls.txt", "admin-token", "lock"}) {
    EXPECT_EQ(ModeOf(data() + "/" + file), 0600u) << file;
  }
}

TEST_F(DataFolderTest, ASecretFileThatCannotBeWrittenStopsTheFirstStart) {
  // Something else sits where the admin token must go.
  std::filesystem::create_directories(data() + "/admin-token/taken");
  ExpectRefusal("core.log",
                "cannot rename into place " + data() + "/admin-token");
  // Nothing half-written is left beside it, readable or not.
  EXPECT_FALSE(std::filesystem::exists(data() + "/admin-token.new"));
  const std::string log = ReadFileOrEmpty(dir_.File("core.log"));
  EXPECT_EQ(log.find("agt_"), std::string::npos) << "a token reached the log";

  // Nothing was created either: once the obstacle is gone, the next start
  // is a first start again and writes a working token.
  std::filesystem::remove_all(data() + "/admin-token");
  ServerProcess core;
  ASSERT_TRUE(StartCore(core, "again.log"))
      << ReadFileOrEmpty(dir_.File("again.log"));
  const std::string token = AdminToken(data());
  EXPECT_EQ(token.rfind("agt_", 0), 0u) << token;
  auto directory =
      v1::ServiceDirectory::NewStub(ApiChannel(core.address(), token));
  grpc::ClientContext context;
  v1::ListServicesResponse services;
  EXPECT_TRUE(
      directory->ListServices(&context, v1::ListServicesRequest(), &services)
          .ok());
}

TEST_F(DataFolderTest, ASecondProcessOnTheSameFolderExitsNamingTheFirst) {
  ServerProcess first;
  ASSERT_TRUE(StartCore(first, "first.log"));
  ExpectRefusal("second.log",
                "in use by process " + std::to_string(first.pid()));
  // The first is untouched, and once it is gone the folder is free again.
  ASSERT_TRUE(WIFEXITED(first.Kill(SIGTERM)));
  ServerProcess third;
  EXPECT_TRUE(StartCore(third, "third.log"));
}

TEST_F(DataFolderTest, EmptyOrForeignStoreFilesAreRefusedNotRecreated) {
  std::filesystem::create_directories(data());
  { std::ofstream(data() + "/alertgate.db"); }  // 0 bytes.
  ExpectRefusal("empty.log", "is an empty file (0 bytes)");
  EXPECT_EQ(std::filesystem::file_size(data() + "/alertgate.db"), 0u)
      << "the empty file must be left as it was";
  EXPECT_FALSE(std::filesystem::exists(data() + "/webhook-urls.txt"))
      << "no new keys were issued";

  {
    std::ofstream(data() + "/alertgate.db")
        << "these are my notes, not a database";
  }
  ExpectRefusal("foreign.log", "is not a SQLite database");
}

TEST_F(DataFolderTest, AMissingStoreInAUsedFolderIsNotSilentlyReplaced) {
  ASSERT_NO_FATAL_FAILURE(MakeStoreWithIncidents(10));
  const std::string urls = ReadFileOrEmpty(data() + "/webhook-urls.txt");
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(data() + "/alertgate.db" + suffix);
  }
  ExpectRefusal("missing.log", "refusing to start a new, empty store");
  EXPECT_EQ(ReadFileOrEmpty(data() + "/webhook-urls.txt"), urls)
      << "the webhook URLs file must not be overwritten";
}

TEST_F(DataFolderTest, ADamagedStoreIsRefusedAtStart) {
  ASSERT_NO_FATAL_FAILURE(MakeStoreWithIncidents(3000));
  const std::string db = data() + "/alertgate.db";
  const uintmax_t size = std::filesystem::file_size(db);
  const uintmax_t page = 4096;
  ASSERT_GT(size / page, 40u) << "too small to damage mid-file";
  // 20 pages in the middle overwritten with random bytes.
  std::mt19937 random(20261201);
  std::fstream file(db, std::ios::in | std::ios::out | std::ios::binary);
  for (int i = 0; i < 20; ++i) {
    const uintmax_t target = size / page / 4 + random() % (size / page / 2);
    std::string garbage(page, '\0');
    for (char& c : garbage) c = static_cast<char>(random());
    file.seekp(static_cast<std::streamoff>(target * page));
    file.write(garbage.data(), garbage.size());
  }
  file.close();
  ExpectRefusal("damaged.log", "is damaged");
}

TEST_F(DataFolderTest, TheStoreIsChosenByOneUrl) {
  // An explicit sqlite:// URL puts the store where it says.
  const std::string elsewhere = dir_.File("stores/alertgate.db");
  std::filesystem::create_directories(dir_.File("stores"));
  {
    ServerProcess core;
    ASSERT_TRUE(core.Start(
        ProjectBinary("server/alertgate"),
        {"--role=core", "--data_dir=" + data(), "--grpc_listen=127.0.0.1:0",
         "--store=sqlite://" + elsewhere},
        dir_.File("url.port"), dir_.File("url.log")))
        << ReadFileOrEmpty(dir_.File("url.log"));
    EXPECT_TRUE(std::filesystem::exists(elsewhere));
    EXPECT_FALSE(std::filesystem::exists(data() + "/alertgate.db"));
    EXPECT_NE(ReadFileOrEmpty(dir_.File("url.log"))
                  .find("store sqlite://" + elsewhere),
              std::string::npos);
  }
  // `alertgate migrate` brings a store to this build's schema and exits.
  {
    const std::string command = absl::StrCat(
        ProjectBinary("server/alertgate"), " migrate --store=sqlite://",
        dir_.File("migrated.db"), " > ", dir_.File("migrate.log"), " 2>&1");
    EXPECT_EQ(system(command.c_str()), 0)
        << ReadFileOrEmpty(dir_.File("migrate.log"));
    EXPECT_NE(ReadFileOrEmpty(dir_.File("migrate.log")).find("migrated"),
              std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(dir_.File("migrated.db")));
  }
  // A URL this build does not know is refused, naming the flag.
  ServerProcess unknown;
  ASSERT_FALSE(unknown.Start(ProjectBinary("server/alertgate"),
                             {"--role=core", "--data_dir=" + dir_.File("other"),
                              "--grpc_listen=127.0.0.1:0",
                              "--store=mysql://alertgate@localhost/alertgate"},
                             dir_.File("my.port"), dir_.File("my.log")));
  EXPECT_NE(ReadFileOrEmpty(dir_.File("my.log")).find("--store=mysql://"),
            std::string::npos)
      << ReadFileOrEmpty(dir_.File("my.log"));
  // A PostgreSQL server that does not answer stops the start, and the
  // password of the URL is in no log line.
  ServerProcess unreachable;
  ASSERT_FALSE(unreachable.Start(
      ProjectBinary("server/alertgate"),
      {"--role=core", "--data_dir=" + dir_.File("other2"),
       "--grpc_listen=127.0.0.1:0",
       "--store=postgresql://alertgate:pa55word@127.0.0.1:1/alertgate"},
      dir_.File("pg.port"), dir_.File("pg.log")));
  const std::string log = ReadFileOrEmpty(dir_.File("pg.log"));
  EXPECT_NE(log.find("cannot connect"), std::string::npos) << log;
  EXPECT_EQ(log.find("pa55word"), std::string::npos) << log;
}

}  // namespace
}  // namespace alertgate
