// The console's HTTP surface against a real alertgate: its pages, sign-in
// and the session cookie, CSRF and Origin checks, the JSON endpoints with
// the core's role rules, and the event stream's resume from Last-Event-ID.
// (The pages themselves run in Chromium: tests/browser/console_test.mjs.)
#include <httplib.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "alertgate/v1/service_directory.grpc.pb.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/api_channel.h"
#include "tests/server_process.h"
#include "tests/test_support.h"

namespace alertgate {
namespace {

using Json = nlohmann::json;
using ::alertgate::testing::AdminToken;
using ::alertgate::testing::ApiChannel;
using ::alertgate::testing::ProjectBinary;
using ::alertgate::testing::ReadFileOrEmpty;
using ::alertgate::testing::ServerProcess;
using ::alertgate::testing::TempDir;

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start(
        ProjectBinary("server/alertgate"),
        {"--data_dir=" + dir_.File("data"), "--grpc_listen=127.0.0.1:0",
         "--http_listen=127.0.0.1:0", "--log_deliveries=false"},
        dir_.File("ports"), dir_.File("log")))
        << ReadFileOrEmpty(dir_.File("log"));
    ASSERT_GT(server_.console_port(), 0) << "no console= in the port file";
    admin_token_ = AdminToken(dir_.File("data"));
    directory_ = v1::ServiceDirectory::NewStub(
        ApiChannel(server_.address(), admin_token_));
  }

  std::string NewToken(const std::string& name, v1::Role role) {
    grpc::ClientContext context;
    v1::CreateApiTokenRequest request;
    request.set_name(name);
    request.set_role(role);
    v1::CreateApiTokenResponse created;
    EXPECT_TRUE(directory_->CreateApiToken(&context, request, &created).ok());
    return created.token();
  }

  httplib::Client Client() {
    httplib::Client client("127.0.0.1", server_.console_port());
    client.set_read_timeout(10, 0);
    return client;
  }

  // Signs in; returns the cookie header value and fills the CSRF token.
  std::string SignIn(const std::string& token, std::string* csrf) {
    auto answer = Client().Post(
        "/ui/api/session", Json({{"token", token}}).dump(), "application/json");
    EXPECT_TRUE(answer && answer->status == 200)
        << (answer ? answer->body : "no answer");
    if (!answer || answer->status != 200) return "";
    *csrf = Json::parse(answer->body)["csrf_token"].get<std::string>();
    const std::string cookie = answer->get_header_value("Set-Cookie");
    return cookie.substr(0, cookie.find(';'));
  }

  httplib::Result Rpc(const std::string& method, const std::string& cookie,
                      const std::string& csrf, const std::string& body = "{}") {
    httplib::Headers headers = {{"Cookie", cookie}};
    if (!csrf.empty()) headers.emplace("X-CSRF-Token", csrf);
    return Client().Post(("/ui/api/rpc/" + method).c_str(), headers, body,
                         "application/json");
  }

  TempDir dir_;
  ServerProcess server_;
  std::string admin_token_;
  std::unique_ptr<v1::ServiceDirectory::Stub> directory_;
};

TEST_F(ConsoleTest, PagesComeFromTheBinaryWithAStrictPolicy) {
  auto page = Client().Get("/ui/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_TRUE(
      absl::StartsWith(page->get_header_value("Content-Type"), "text/html"));
  EXPECT_TRUE(absl::StrContains(
      page->get_header_value("Content-Security-Policy"), "script-src 'self'"));
  EXPECT_EQ(page->get_header_value("X-Frame-Options"), "DENY");
  EXPECT_TRUE(absl::StrContains(page->body, "/ui/assets/app.js"));
  auto script = Client().Get("/ui/assets/app.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_TRUE(absl::StartsWith(script->get_header_value("Content-Type"),
                               "text/javascript"));
  auto missing = Client().Get("/ui/assets/secrets.txt");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto root = Client().Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 302);
  EXPECT_EQ(root->get_header_value("Location"), "/ui/");
}

TEST_F(ConsoleTest, SignInGivesAStrictHttpOnlyCookieAndOnlyToRealReaders) {
  auto post = [&](const std::string& body, const std::string& type,
                  httplib::Headers headers = {}) {
    return Client().Post("/ui/api/session", headers, body, type.c_str());
  };
  const std::string admin = Json({{"token", admin_token_}}).dump();
  // Not JSON (a form another site could post), or from another origin.
  EXPECT_EQ(post(admin, "text/plain")->status, 403);
  EXPECT_EQ(
      post(admin, "application/json", {{"Origin", "https://evil.example"}})
          ->status,
      403);
  EXPECT_EQ(post("{}", "application/json")->status, 400);
  EXPECT_EQ(
      post(Json({{"token", "agt_unknown"}}).dump(), "application/json")->status,
      401);
  // An ingest token (a front door's) cannot read: no console for it.
  auto ingest = post(Json({{"token", NewToken("fd", v1::ROLE_INGEST)}}).dump(),
                     "application/json");
  EXPECT_EQ(ingest->status, 403);
  EXPECT_TRUE(absl::StrContains(ingest->body, "PERMISSION_DENIED"));

  auto signed_in = post(admin, "application/json");
  ASSERT_EQ(signed_in->status, 200) << signed_in->body;
  const std::string cookie = signed_in->get_header_value("Set-Cookie");
  EXPECT_TRUE(absl::StartsWith(cookie, "ag_session=")) << cookie;
  EXPECT_TRUE(absl::StrContains(cookie, "HttpOnly")) << cookie;
  EXPECT_TRUE(absl::StrContains(cookie, "SameSite=Strict")) << cookie;
  EXPECT_TRUE(absl::StrContains(cookie, "Path=/ui")) << cookie;
  const Json session = Json::parse(signed_in->body);
  EXPECT_EQ(session["caller"]["name"], "admin");
  EXPECT_EQ(session["caller"]["role"], "ROLE_ADMIN");
  EXPECT_EQ(session["csrf_token"].get<std::string>().size(), 64u);
  // The token itself never comes back.
  EXPECT_FALSE(absl::StrContains(signed_in->body, admin_token_));
}

TEST_F(ConsoleTest, CallsNeedTheSessionAndItsCsrfTokenAndKeepTheRoleRules) {
  std::string csrf;
  const std::string cookie = SignIn(admin_token_, &csrf);
  EXPECT_EQ(Rpc("ListServices", "", csrf)->status, 401);
  EXPECT_EQ(Rpc("ListServices", "ag_session=forged", csrf)->status, 401);
  EXPECT_EQ(Rpc("ListServices", cookie, "")->status, 403);
  // One character changed (to one it certainly is not) is a wrong token.
  std::string wrong_csrf = csrf;
  wrong_csrf[0] = wrong_csrf[0] == '0' ? '1' : '0';
  EXPECT_EQ(Rpc("ListServices", cookie, wrong_csrf)->status, 403);

  auto listed = Rpc("ListServices", cookie, csrf);
  ASSERT_EQ(listed->status, 200) << listed->body;
  const Json services = Json::parse(listed->body)["services"];
  ASSERT_EQ(services.size(), 1u);
  // Proto field names, defaults included.
  EXPECT_EQ(services[0]["name"], "default");
  EXPECT_TRUE(services[0].contains("triggered_count"));
  const std::string service_id = services[0]["id"];

  EXPECT_EQ(Rpc("DropEverything", cookie, csrf)->status, 404);
  EXPECT_EQ(Rpc("ListDeliveries", cookie, csrf, "{not json")->status, 400);
  EXPECT_EQ(
      Rpc("ListDeliveries", cookie, csrf, R"({"no_such_field": 1})")->status,
      400);

  // A reader reads, but the core refuses what needs more.
  std::string reader_csrf;
  const std::string reader =
      SignIn(NewToken("viewer", v1::ROLE_READ), &reader_csrf);
  const std::string test_alert =
      Json({{"service_id", service_id}, {"source", "bitbucket"}}).dump();
  auto refused = Rpc("SendTestAlert", reader, reader_csrf, test_alert);
  EXPECT_EQ(refused->status, 403);
  EXPECT_TRUE(absl::StrContains(refused->body, "needs operate"))
      << refused->body;
  auto sent = Rpc("SendTestAlert", cookie, csrf, test_alert);
  ASSERT_EQ(sent->status, 200) << sent->body;
  EXPECT_FALSE(
      Json::parse(sent->body)["incident_id"].get<std::string>().empty());

  // Signed out: the session is gone.
  httplib::Headers headers = {{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
  EXPECT_EQ(Client().Delete("/ui/api/session", headers)->status, 200);
  EXPECT_EQ(Rpc("ListServices", cookie, csrf)->status, 401);
}

TEST_F(ConsoleTest, TheEventStreamResumesAfterTheLastEventIdItWasGiven) {
  std::string csrf;
  const std::string cookie = SignIn(admin_token_, &csrf);
  auto listed = Rpc("ListServices", cookie, csrf);
  const std::string service_id = Json::parse(listed->body)["services"][0]["id"];
  const std::string test_alert =
      Json({{"service_id", service_id}, {"source", "bitbucket"}}).dump();
  // Two test alerts: four events (opened, resolved, twice).
  ASSERT_EQ(Rpc("SendTestAlert", cookie, csrf, test_alert)->status, 200);
  ASSERT_EQ(Rpc("SendTestAlert", cookie, csrf, test_alert)->status, 200);

  // A browser reconnecting after event 2.
  std::string stream;
  httplib::Headers headers = {{"Cookie", cookie}, {"Last-Event-ID", "2"}};
  auto answer = Client().Get(
      "/ui/api/events", headers, [&](const char* data, size_t length) {
        stream.append(data, length);
        return !absl::StrContains(stream, "event: caught_up");
      });
  EXPECT_TRUE(absl::StrContains(stream, "retry: 1000")) << stream;
  EXPECT_FALSE(absl::StrContains(stream, "id: 1\n")) << stream;
  EXPECT_FALSE(absl::StrContains(stream, "id: 2\n")) << stream;
  const size_t three = stream.find("id: 3\nevent: incident\ndata: {");
  ASSERT_NE(three, std::string::npos) << stream;
  EXPECT_LT(three, stream.find("id: 4\n"));
  EXPECT_TRUE(absl::StrContains(stream, "event: caught_up")) << stream;

  // Without a session there is no stream.
  auto anonymous = Client().Get("/ui/api/events");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(
      Client().Get("/ui/api/events?after=x", {{"Cookie", cookie}})->status,
      400);
}

}  // namespace
}  // namespace alertgate
