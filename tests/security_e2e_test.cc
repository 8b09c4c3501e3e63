// The gRPC listener over real TLS, with certificates this test makes with
// the openssl tool: plaintext and wrongly trusting clients fail, client
// certificates are required when asked for, and a front door of its own
// (token and certificate) delivers a webhook end to end. Also: a plaintext
// listener off loopback stops start-up with the flags to use, and no token,
// webhook key or secret appears in any log line these processes wrote.
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "alertgate/v1/incident_service.grpc.pb.h"
#include "alertgate/v1/service_directory.grpc.pb.h"
#include "gtest/gtest.h"
#include "server/common/webhook_signature.h"
#include "tests/api_channel.h"
#include "tests/server_process.h"
#include "tests/test_certificates.h"
#include "tests/test_support.h"

namespace alertgate {
namespace {

using ::alertgate::testing::AdminToken;
using ::alertgate::testing::ApiChannel;
using ::alertgate::testing::IssueTestCertificate;
using ::alertgate::testing::MakeTestCa;
using ::alertgate::testing::ProjectBinary;
using ::alertgate::testing::ReadFileOrEmpty;
using ::alertgate::testing::ReadWebhookUrlsFile;
using ::alertgate::testing::ServerProcess;
using ::alertgate::testing::TempDir;
using ::alertgate::testing::WebhookPathOf;

class SecurityEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two CAs: one signs the server's and the front door's certificates,
    // the other is what a misconfigured client trusts.
    ASSERT_TRUE(MakeTestCa(dir_.path(), "ca", "test-ca"));
    ASSERT_TRUE(MakeTestCa(dir_.path(), "other", "other-ca"));
    for (const std::string name : {"server", "frontdoor"}) {
      ASSERT_TRUE(IssueTestCertificate(dir_.path(), "ca", name));
    }
  }

  std::string Pem(const std::string& name) {
    return ReadFileOrEmpty(dir_.File(name));
  }

  // A core on TLS; with `client_ca`, clients need a certificate it signed.
  void StartTlsCore(ServerProcess& core, bool client_ca) {
    std::vector<std::string> args = {
        "--role=core", "--data_dir=" + dir_.File("data"),
        "--grpc_listen=127.0.0.1:0",
        "--grpc_tls_cert=" + dir_.File("server.pem"),
        "--grpc_tls_key=" + dir_.File("server.key")};
    if (client_ca)
      args.push_back("--grpc_tls_client_ca=" + dir_.File("ca.pem"));
    ASSERT_TRUE(core.Start(ProjectBinary("server/alertgate"), args,
                           dir_.File("core.ports"), dir_.File("core.log")))
        << ReadFileOrEmpty(dir_.File("core.log"));
  }

  std::shared_ptr<grpc::Channel> TlsChannel(const ServerProcess& core,
                                            const std::string& ca,
                                            bool with_certificate) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = Pem(ca);
    if (with_certificate) {
      ssl.pem_cert_chain = Pem("frontdoor.pem");
      ssl.pem_private_key = Pem("frontdoor.key");
    }
    return ApiChannel(core.address(), AdminToken(dir_.File("data")),
                      grpc::SslCredentials(ssl));
  }

  static grpc::StatusCode ListServices(std::shared_ptr<grpc::Channel> channel,
                                       v1::ListServicesResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    return v1::ServiceDirectory::NewStub(channel)
        ->ListServices(&context, v1::ListServicesRequest(), response)
        .error_code();
  }

  TempDir dir_;
};

TEST_F(SecurityEndToEndTest, TlsRefusesPlaintextAndTheWrongCa) {
  ServerProcess core;
  ASSERT_NO_FATAL_FAILURE(StartTlsCore(core, /*client_ca=*/false));
  v1::ListServicesResponse services;
  EXPECT_EQ(
      ListServices(ApiChannel(core.address(), AdminToken(dir_.File("data"))),
                   &services),
      grpc::StatusCode::UNAVAILABLE)
      << "a plaintext client reached a TLS listener";
  EXPECT_EQ(ListServices(TlsChannel(core, "other.pem", false), &services),
            grpc::StatusCode::UNAVAILABLE)
      << "a client trusting another CA reached the server";
  ASSERT_EQ(ListServices(TlsChannel(core, "ca.pem", false), &services),
            grpc::StatusCode::OK);
  EXPECT_EQ(services.services(0).name(), "default");
}

TEST_F(SecurityEndToEndTest, MutualTlsRequiresAClientCertificate) {
  ServerProcess core;
  ASSERT_NO_FATAL_FAILURE(StartTlsCore(core, /*client_ca=*/true));
  v1::ListServicesResponse services;
  EXPECT_EQ(ListServices(TlsChannel(core, "ca.pem", false), &services),
            grpc::StatusCode::UNAVAILABLE)
      << "a client without a certificate reached an mTLS listener";
  EXPECT_EQ(ListServices(TlsChannel(core, "ca.pem", true), &services),
            grpc::StatusCode::OK);
}

TEST_F(SecurityEndToEndTest,
       AFrontDoorWithTokenAndCertificateDeliversEndToEnd) {
  ServerProcess core;
  ASSERT_NO_FATAL_FAILURE(StartTlsCore(core, /*client_ca=*/true));
  auto channel = TlsChannel(core, "ca.pem", true);
  auto directory = v1::ServiceDirectory::NewStub(channel);
  v1::CreateApiTokenResponse ingest;
  {
    grpc::ClientContext context;
    v1::CreateApiTokenRequest request;
    request.set_name("frontdoor-1");
    request.set_role(v1::ROLE_INGEST);
    ASSERT_TRUE(directory->CreateApiToken(&context, request, &ingest).ok());
  }
  std::ofstream(dir_.File("ingest.token")) << ingest.token() << "\n";
  const std::string secret = "hmac-s3cret-for-generic";
  {
    grpc::ClientContext context;
    v1::ListServicesResponse services;
    ASSERT_EQ(ListServices(channel, &services), grpc::StatusCode::OK);
    v1::SetWebhookSecretRequest request;
    request.set_service_id(services.services(0).id());
    request.set_source("generic");
    request.set_secret(secret);
    v1::AlertSourceStatus status;
    ASSERT_TRUE(directory->SetWebhookSecret(&context, request, &status).ok());
  }

  ServerProcess frontdoor;
  ASSERT_TRUE(frontdoor.Start(ProjectBinary("server/alertgate"),
                              {"--role=frontdoor", "--http_listen=127.0.0.1:0",
                               "--core_address=" + core.address(),
                               "--core_token_file=" + dir_.File("ingest.token"),
                               "--core_tls_ca=" + dir_.File("ca.pem"),
                               "--core_tls_cert=" + dir_.File("frontdoor.pem"),
                               "--core_tls_key=" + dir_.File("frontdoor.key")},
                              dir_.File("fd.ports"), dir_.File("fd.log")))
      << ReadFileOrEmpty(dir_.File("fd.log"));
  const auto urls = ReadWebhookUrlsFile(dir_.File("data/webhook-urls.txt"));
  ASSERT_TRUE(urls.count("generic"));
  httplib::Client http("127.0.0.1", frontdoor.http_port());
  const std::string body =
      R"({"status": "trigger", "event_id": "tls-e2e", "message": "over mTLS"})";
  auto answer =
      http.Post(WebhookPathOf(urls.at("generic")),
                {{"Idempotency-Key", "tls-1"},
                 {"X-Alertgate-Signature", SignWebhookBody(secret, body)}},
                body, "application/json");
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 200) << answer->body;

  auto incidents = v1::IncidentService::NewStub(channel);
  grpc::ClientContext context;
  v1::ListIncidentsResponse listed;
  ASSERT_TRUE(
      incidents->ListIncidents(&context, v1::ListIncidentsRequest(), &listed)
          .ok());
  ASSERT_EQ(listed.incidents_size(), 1);
  EXPECT_EQ(listed.incidents(0).dedup_key(), "tls-e2e");
  frontdoor.Kill(SIGTERM);
  core.Kill(SIGTERM);

  // Nothing secret in any log line: the admin and ingest tokens, every
  // webhook key, the webhook secret.
  std::vector<std::string> secrets = {AdminToken(dir_.File("data")),
                                      ingest.token(), secret};
  for (const auto& [source, url] : urls) {
    secrets.push_back(url.substr(url.rfind('/') + 1));
  }
  for (const std::string log : {"core.log", "fd.log"}) {
    const std::string text = ReadFileOrEmpty(dir_.File(log));
    ASSERT_FALSE(text.empty()) << log;
    for (const std::string& value : secrets) {
      ASSERT_GE(value.size(), 16u);
      EXPECT_EQ(text.find(value), std::string::npos)
          << log << " holds a secret: " << value.substr(0, 6) << "...";
    }
  }
}

TEST_F(SecurityEndToEndTest, PlaintextOffLoopbackStopsStartUpNamingTheFlags) {
  ServerProcess core;
  EXPECT_FALSE(core.Start(ProjectBinary("server/alertgate"),
                          {"--role=core", "--data_dir=" + dir_.File("data"),
                           "--grpc_listen=0.0.0.0:0"},
                          dir_.File("core.ports"), dir_.File("core.log")));
  ASSERT_TRUE(WIFEXITED(core.exit_status()));
  EXPECT_EQ(WEXITSTATUS(core.exit_status()), 1);
  const std::string log = ReadFileOrEmpty(dir_.File("core.log"));
  for (const char* flag : {"--grpc_tls_cert", "--grpc_tls_key", "--insecure"}) {
    EXPECT_NE(log.find(flag), std::string::npos) << log;
  }
  // With --insecure the operator accepts it.
  ServerProcess accepted;
  EXPECT_TRUE(accepted.Start(ProjectBinary("server/alertgate"),
                             {"--role=core", "--data_dir=" + dir_.File("data2"),
                              "--grpc_listen=0.0.0.0:0", "--insecure"},
                             dir_.File("core2.ports"), dir_.File("core2.log")))
      << ReadFileOrEmpty(dir_.File("core2.log"));
}

}  // namespace
}  // namespace alertgate
