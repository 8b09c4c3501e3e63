// Outbound webhooks on a real store (SQLite, and PostgreSQL when the
// environment has one), sent by the real dispatcher over HTTP to a real
// receiver the test starts: what is told and to whom, signatures the
// receiver can check, retries with backoff on the injected clock, dead
// letters and redelivery, failures of every kind (an error status, a
// timeout, a refused connection), messages written only with the change
// they tell of, and two dispatchers never sending one message twice.
#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "alertgate/adapter_abi.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/common/webhook_signature.h"
#include "server/core/auto_resolver.h"
#include "server/core/outbox.h"
#include "server/outbound/outbound_dispatcher.h"
#include "tests/core_on_store.h"
#include "tests/test_certificates.h"
#include "tests/webhook_receiver.h"

namespace alertgate {
namespace {

using ::alertgate::testing::WebhookReceiver;
using Json = nlohmann::json;

class OutboundWebhookTest : public ::alertgate::testing::CoreOnEachStore {
 protected:
  void SetUp() override {
    CoreOnEachStore::SetUp();
    if (IsSkipped()) return;
    options_.senders = 0;  // The test drives it: DeliverDue().
    options_.sender.timeout = absl::Milliseconds(500);
    options_.first_retry = absl::Seconds(10);
    options_.max_retry_delay = absl::Minutes(1);
    options_.retry_for = absl::Minutes(5);
    dispatcher_ =
        std::make_unique<OutboundDispatcher>(store_.get(), &clock_, options_);
  }

  // Subscribes `name` to `events`; returns its secret.
  std::string Subscribe(const std::string& name, const std::string& url,
                        std::vector<NotifyEvent> events,
                        WebhookFormat format = WebhookFormat::kJson) {
    WebhookSubscription webhook;
    webhook.name = name;
    webhook.url = url;
    webhook.events = std::move(events);
    webhook.format = format;
    auto saved =
        core_->rules().PutWebhook(service_id_, std::move(webhook), -1, "ops");
    EXPECT_TRUE(saved.ok()) << saved.status();
    if (!saved.ok()) return "";
    for (const WebhookSubscription& w : saved->webhooks) {
      if (w.name == name) return w.secret;
    }
    return "";
  }

  Incident Trigger(const std::string& dedup_key) {
    Alert alert;
    alert.service_id = service_id_;
    alert.source = "bitbucket";
    alert.action = Action::kTrigger;
    alert.dedup_key = dedup_key;
    alert.summary = "Build <broken> & red on " + dedup_key;
    alert.severity = Severity::kError;
    alert.links = {{"https://bitbucket.org/acme/web", "acme/web"}};
    auto result = core_->Ingest(alert);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() && result->incident ? *result->incident : Incident();
  }

  int DeliverDue() {
    absl::StatusOr<int> made = dispatcher_->DeliverDue();
    EXPECT_TRUE(made.ok()) << made.status();
    return made.ok() ? *made : -1;
  }

  std::vector<OutboundMessage> Messages(
      std::optional<OutboundState> state = std::nullopt) {
    auto listed = store_->ListOutboundMessages(service_id_, state, "", 100);
    EXPECT_TRUE(listed.ok()) << listed.status();
    return listed.ok() ? *listed : std::vector<OutboundMessage>();
  }

  // The receiver's check: the signature is of this body with this secret.
  void ExpectSigned(const WebhookReceiver::Received& got,
                    const std::string& secret) {
    EXPECT_TRUE(VerifyDeliverySignature(AG_SIGNATURE_HMAC_SHA256_TIMESTAMPED,
                                        got.signature, secret, got.body,
                                        clock_.Now())
                    .ok())
        << got.signature;
    EXPECT_FALSE(VerifyDeliverySignature(AG_SIGNATURE_HMAC_SHA256_TIMESTAMPED,
                                         got.signature, "not the secret",
                                         got.body, clock_.Now())
                     .ok());
  }

  OutboundOptions options_;
  std::unique_ptr<OutboundDispatcher> dispatcher_;
  WebhookReceiver receiver_;
};

TEST_P(OutboundWebhookTest, ATriggeredIncidentIsPostedSignedAndOnlyOnce) {
  const std::string secret =
      Subscribe("team-hook", receiver_.Url(),
                {NotifyEvent::kTriggered, NotifyEvent::kResolved});
  ASSERT_FALSE(secret.empty());
  const Incident incident = Trigger("push:acme/web:main");

  EXPECT_EQ(DeliverDue(), 1);
  std::vector<WebhookReceiver::Received> got = receiver_.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "/hooks/alertgate");
  EXPECT_EQ(got[0].event, "incident.triggered");
  EXPECT_EQ(got[0].content_type, "application/json");
  ExpectSigned(got[0], secret);
  const Json body = Json::parse(got[0].body);
  EXPECT_EQ(body["event"], "incident.triggered");
  EXPECT_EQ(body["id"], got[0].delivery);
  EXPECT_EQ(body["service"]["name"], "checkout");
  EXPECT_EQ(body["incident"]["id"], incident.id);
  EXPECT_EQ(body["incident"]["state"], "triggered");
  EXPECT_EQ(body["incident"]["severity"], "error");
  EXPECT_EQ(body["incident"]["summary"], incident.summary);
  EXPECT_EQ(body["incident"]["links"][0]["href"],
            "https://bitbucket.org/acme/web");
  EXPECT_EQ(body["actor"], "source:bitbucket");

  // Answered 2xx: never sent again, however often the dispatcher looks.
  EXPECT_EQ(DeliverDue(), 0);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(DeliverDue(), 0);
  EXPECT_EQ(receiver_.received().size(), 1u);
  std::vector<OutboundMessage> messages = Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].state, OutboundState::kDelivered);
  EXPECT_EQ(messages[0].attempts, 1);
  EXPECT_EQ(messages[0].last_http_status, 200);
  EXPECT_EQ(messages[0].id, got[0].delivery);

  // A folded alert and an acknowledgement tell this subscription nothing;
  // the resolution does.
  Trigger("push:acme/web:main");
  ASSERT_TRUE(core_->Acknowledge(incident.id, "ana", "").ok());
  ASSERT_TRUE(core_->Resolve(incident.id, "ana", "fixed").ok());
  EXPECT_EQ(DeliverDue(), 1);
  got = receiver_.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].event, "incident.resolved");
  const Json resolved = Json::parse(got[1].body);
  EXPECT_EQ(resolved["actor"], "ana");
  EXPECT_EQ(resolved["note"], "fixed");
  EXPECT_EQ(resolved["incident"]["resolved_by"], "ana");
  EXPECT_GT(resolved["sequence"].get<int64_t>(),
            body["sequence"].get<int64_t>());
  EXPECT_NE(got[1].delivery, got[0].delivery);
}

TEST_P(OutboundWebhookTest, SlackGetsTextAndSuppressedIncidentsOnlyWhoAsked) {
  Subscribe("slack", receiver_.Url("/services/T000/B000/XXXX"),
            {NotifyEvent::kTriggered}, WebhookFormat::kSlack);
  Subscribe("audit", receiver_.Url("/suppressed"), {NotifyEvent::kSuppressed});
  Rule quiet;
  quiet.name = "quiet renovate";
  quiet.when = {
      {RuleField::kDedupKey, "", MatchOperator::kPrefix, "renovate/"}};
  quiet.then.suppress = true;
  ASSERT_TRUE(core_->rules().Set(service_id_, {quiet}, -1, "ops").ok());

  Trigger("main");
  Trigger("renovate/lodash");
  EXPECT_EQ(DeliverDue(), 2);
  std::vector<WebhookReceiver::Received> got = receiver_.received();
  ASSERT_EQ(got.size(), 2u);
  for (const WebhookReceiver::Received& one : got) {
    if (one.path == "/suppressed") {
      EXPECT_EQ(one.event, "incident.suppressed");
      EXPECT_EQ(Json::parse(one.body)["incident"]["dedup_key"],
                "renovate/lodash");
    } else {
      EXPECT_EQ(one.path, "/services/T000/B000/XXXX");
      const Json slack = Json::parse(one.body);
      ASSERT_TRUE(slack.contains("text"));
      EXPECT_EQ(slack.size(), 1u);
      const std::string text = slack["text"];
      // Slack's markup characters escaped; the link in Slack's form.
      EXPECT_TRUE(absl::StrContains(
          text, "*Triggered* [checkout] Build &lt;broken&gt; &amp; red"))
          << text;
      EXPECT_TRUE(
          absl::StrContains(text, "<https://bitbucket.org/acme/web|acme/web>"))
          << text;
    }
  }
}

TEST_P(OutboundWebhookTest, FailuresAreRetriedWithBackoffThenDeadLettered) {
  receiver_.AnswerWith(500);
  Subscribe("flaky", receiver_.Url(), {NotifyEvent::kTriggered});
  Trigger("db-down");
  EXPECT_EQ(DeliverDue(), 1);
  std::vector<OutboundMessage> messages = Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].state, OutboundState::kPending);
  EXPECT_EQ(messages[0].attempts, 1);
  EXPECT_EQ(messages[0].last_http_status, 500);
  EXPECT_EQ(messages[0].last_error, "answered 500");
  // Jitter: between half and all of the first retry delay.
  EXPECT_GE(messages[0].next_attempt_at, clock_.Now() + absl::Seconds(5));
  EXPECT_LE(messages[0].next_attempt_at, clock_.Now() + absl::Seconds(10));
  // Not due yet: nothing is sent.
  EXPECT_EQ(DeliverDue(), 0);

  // Each retry waits about twice as long, up to a minute; after five
  // minutes from the change the message is given up.
  int rounds = 0;
  while (Messages()[0].state == OutboundState::kPending && rounds < 50) {
    const OutboundMessage pending = Messages()[0];
    const absl::Duration wait = pending.next_attempt_at - clock_.Now();
    // After n attempts: between half and all of 10 s * 2^(n-1), at most
    // a minute.
    const absl::Duration full =
        std::min(absl::Seconds(10) * (1 << std::min(pending.attempts - 1, 10)),
                 absl::Minutes(1));
    EXPECT_GE(wait, full / 2) << pending.attempts;
    EXPECT_LE(wait, full) << pending.attempts;
    clock_.Advance(wait);
    EXPECT_EQ(DeliverDue(), 1);
    ++rounds;
  }
  const OutboundMessage dead = Messages()[0];
  EXPECT_EQ(dead.state, OutboundState::kDeadLettered);
  EXPECT_GE(dead.attempts, 5);
  EXPECT_TRUE(dead.finished_at.has_value());
  EXPECT_LE(clock_.Now() - dead.created_at, absl::Minutes(5));
  EXPECT_TRUE(absl::StrContains(dead.last_error, "answered 500 (gave up after"))
      << dead.last_error;
  EXPECT_EQ(Messages(OutboundState::kDeadLettered).size(), 1u);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(DeliverDue(), 0);

  // The receiver is mended; an operator sends it again: the same id.
  receiver_.AnswerWith(204);
  Outbox outbox(store_.get(), &clock_);
  auto again = outbox.Redeliver(dead.id, "ana");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(outbox.Redeliver(dead.id, "ana").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(DeliverDue(), 1);
  EXPECT_EQ(Messages()[0].state, OutboundState::kDelivered)
      << Messages()[0].last_error;
  const std::vector<WebhookReceiver::Received> got = receiver_.received();
  ASSERT_EQ(static_cast<int>(got.size()), dead.attempts + 1);
  for (const WebhookReceiver::Received& one : got) {
    EXPECT_EQ(one.delivery, dead.id);
  }
  auto audit = store_->ListAuditEntries(0, 1);
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->front().action, "webhook.redeliver");
}

TEST_P(OutboundWebhookTest,
       TimeoutsAndRefusedConnectionsAreRetriedThenGivenUp) {
  receiver_.AnswerWith(200, absl::Seconds(2));
  Subscribe("slow", receiver_.Url(), {NotifyEvent::kTriggered});
  Subscribe(
      "gone",
      absl::StrCat("http://127.0.0.1:", WebhookReceiver::ClosedPort(), "/hook"),
      {NotifyEvent::kTriggered});
  Trigger("disk-full");
  EXPECT_EQ(DeliverDue(), 2);
  std::vector<OutboundMessage> messages = Messages();
  ASSERT_EQ(messages.size(), 2u);
  for (const OutboundMessage& message : messages) {
    EXPECT_EQ(message.state, OutboundState::kPending);
    EXPECT_EQ(message.attempts, 1);
    EXPECT_EQ(message.last_http_status, 0);
    if (message.subscription == "slow") {
      EXPECT_TRUE(absl::StartsWith(message.last_error, "no answer within"))
          << message.last_error;
    } else {
      EXPECT_TRUE(absl::StartsWith(message.last_error, "could not connect"))
          << message.last_error;
    }
  }
  // Retried on their schedules until the retry period is over, then
  // dead-lettered with the same kind of error.
  for (int round = 0; round < 50; ++round) {
    std::optional<absl::Time> next;
    for (const OutboundMessage& m : Messages(OutboundState::kPending)) {
      if (!next || m.next_attempt_at < *next) next = m.next_attempt_at;
    }
    if (!next) break;
    if (*next > clock_.Now()) clock_.Advance(*next - clock_.Now());
    EXPECT_GE(DeliverDue(), 1);
  }
  messages = Messages();
  ASSERT_EQ(messages.size(), 2u);
  for (const OutboundMessage& message : messages) {
    EXPECT_EQ(message.state, OutboundState::kDeadLettered)
        << message.subscription;
    EXPECT_GE(message.attempts, 3) << message.subscription;
    EXPECT_TRUE(absl::StrContains(message.last_error, "(gave up after"))
        << message.last_error;
    EXPECT_TRUE(
        absl::StartsWith(message.last_error, message.subscription == "slow"
                                                 ? "no answer within"
                                                 : "could not connect"))
        << message.last_error;
  }
}

TEST_P(OutboundWebhookTest, MessagesAreWrittenWithTheirChangeAndOnlyWithIt) {
  Subscribe("team-hook", receiver_.Url(), {NotifyEvent::kTriggered});
  // A batch whose second alert fails rolls the first back, its message too.
  Alert good;
  good.service_id = service_id_;
  good.source = "bitbucket";
  good.dedup_key = "good";
  good.summary = "good";
  Alert bad = good;
  bad.service_id = "01JNOSUCHSERVICE0000000000";
  absl::Notification done;
  absl::Status status;
  core_->IngestBatchAsync({good, bad},
                          [&](absl::StatusOr<std::vector<IngestResult>> r) {
                            status = r.status();
                            done.Notify();
                          });
  done.WaitForNotification();
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(Messages().empty());
  // Committed, it survives a restart untouched, and is sent after it.
  Trigger("good");
  Restart();
  dispatcher_ =
      std::make_unique<OutboundDispatcher>(store_.get(), &clock_, options_);
  ASSERT_EQ(Messages().size(), 1u);
  EXPECT_EQ(DeliverDue(), 1);
  EXPECT_EQ(receiver_.received().size(), 1u);
}

TEST_P(OutboundWebhookTest, AutoResolveTellsItsResolution) {
  Subscribe("team-hook", receiver_.Url(), {NotifyEvent::kResolved});
  ASSERT_TRUE(
      core_->rules()
          .SetAutoResolve(service_id_, {{"", absl::Minutes(60)}}, -1, "ops")
          .ok());
  const Incident incident = Trigger("push:acme/web:main");
  clock_.Advance(absl::Minutes(61));
  AutoResolver resolver(core_.get(), store_.get(), &clock_,
                        absl::ZeroDuration());
  ASSERT_EQ(*resolver.RunOnce(), 1);
  EXPECT_EQ(DeliverDue(), 1);
  const std::vector<WebhookReceiver::Received> got = receiver_.received();
  ASSERT_EQ(got.size(), 1u);
  const Json body = Json::parse(got[0].body);
  EXPECT_EQ(body["incident"]["id"], incident.id);
  EXPECT_EQ(body["actor"], "timer:auto-resolve");
}

TEST_P(OutboundWebhookTest, ARemovedSubscriptionsWaitingMessagesAreGivenUp) {
  receiver_.AnswerWith(503);
  Subscribe("old", receiver_.Url(), {NotifyEvent::kTriggered});
  Trigger("a");
  EXPECT_EQ(DeliverDue(), 1);
  ASSERT_TRUE(core_->rules().RemoveWebhook(service_id_, "old", -1, "ops").ok());
  EXPECT_EQ(core_->rules()
                .RemoveWebhook(service_id_, "old", -1, "ops")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(DeliverDue(), 0);  // Nothing sent...
  const OutboundMessage message = Messages()[0];
  EXPECT_EQ(message.state, OutboundState::kDeadLettered);  // ...given up.
  EXPECT_EQ(message.last_error, "the subscription \"old\" was removed");
  EXPECT_EQ(receiver_.received().size(), 1u);
}

TEST_P(OutboundWebhookTest, SubscriptionsAreCheckedWhenSavedAndSecretsKept) {
  auto put = [&](const std::string& name, const std::string& url,
                 std::vector<NotifyEvent> events) {
    WebhookSubscription webhook{name, url, std::move(events)};
    return core_->rules().PutWebhook(service_id_, webhook, -1, "ops");
  };
  EXPECT_TRUE(absl::StrContains(
      put("x", "ftp://example.com/", {NotifyEvent::kTriggered})
          .status()
          .message(),
      "webhooks[0].url"));
  EXPECT_TRUE(absl::StrContains(
      put("x", "https://user:pw@example.com/", {NotifyEvent::kTriggered})
          .status()
          .message(),
      "webhooks[0].url"));
  EXPECT_TRUE(
      absl::StrContains(put("x", "https://example.com/", {}).status().message(),
                        "webhooks[0].events"));
  EXPECT_TRUE(
      absl::StrContains(put("x", "https://example.com/",
                            {NotifyEvent::kResolved, NotifyEvent::kResolved})
                            .status()
                            .message(),
                        "webhooks[0].events[1]"));
  auto rules = core_->rules().Get(service_id_);
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ(rules->revision, 0);  // Nothing was saved.

  auto first = put("x", "https://example.com/a", {NotifyEvent::kTriggered});
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string secret = first->webhooks[0].secret;
  EXPECT_TRUE(absl::StartsWith(secret, "agws_")) << secret;
  // Saved again by name without a secret: the URL changes, the secret stays.
  auto second = put("x", "https://example.com/b", {NotifyEvent::kResolved});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->webhooks.size(), 1u);
  EXPECT_EQ(second->webhooks[0].url, "https://example.com/b");
  EXPECT_EQ(second->webhooks[0].secret, secret);
  EXPECT_EQ(second->revision, 2);
  // Another name: another secret.
  auto third = put("y", "https://example.com/c", {NotifyEvent::kResolved});
  ASSERT_TRUE(third.ok());
  ASSERT_EQ(third->webhooks.size(), 2u);
  EXPECT_NE(third->webhooks[1].secret, secret);
}

TEST_P(OutboundWebhookTest, HttpsReceiversMustShowACertificateThatIsTrusted) {
  // A CA that signs the receiver's certificate, and one that does not.
  const std::string dir = dir_.path();
  ASSERT_TRUE(::alertgate::testing::MakeTestCa(dir, "ca", "hook-ca"));
  ASSERT_TRUE(::alertgate::testing::MakeTestCa(dir, "other", "other-ca"));
  ASSERT_TRUE(
      ::alertgate::testing::IssueTestCertificate(dir, "ca", "receiver"));
  WebhookReceiver https(dir_.File("receiver.pem"), dir_.File("receiver.key"));
  ASSERT_TRUE(absl::StartsWith(https.Url(), "https://"));
  Subscribe("tls", https.Url(), {NotifyEvent::kTriggered});
  Trigger("cert-check");

  // Trusting the wrong CA: refused, nothing was read by the receiver.
  OutboundOptions wrong = options_;
  wrong.sender.ca_file = dir_.File("other.pem");
  OutboundDispatcher untrusting(store_.get(), &clock_, wrong);
  ASSERT_TRUE(untrusting.DeliverDue().ok());
  OutboundMessage message = Messages()[0];
  EXPECT_EQ(message.state, OutboundState::kPending);
  EXPECT_EQ(message.last_error,
            "the receiver's TLS certificate is not trusted");
  EXPECT_TRUE(https.received().empty());

  // Trusting the receiver's CA: delivered over TLS.
  clock_.Advance(absl::Minutes(1));
  OutboundOptions right = options_;
  right.sender.ca_file = dir_.File("ca.pem");
  OutboundDispatcher trusting(store_.get(), &clock_, right);
  ASSERT_TRUE(trusting.DeliverDue().ok());
  message = Messages()[0];
  EXPECT_EQ(message.state, OutboundState::kDelivered) << message.last_error;
  ASSERT_EQ(https.received().size(), 1u);
  EXPECT_EQ(https.received()[0].delivery, message.id);
}

TEST_P(OutboundWebhookTest, TwoDispatchersAtOnceSendEachMessageOnce) {
  Subscribe("team-hook", receiver_.Url(), {NotifyEvent::kTriggered});
  for (int i = 0; i < 20; ++i) Trigger("k" + std::to_string(i));
  // On PostgreSQL the second has its own connection pool, as another
  // core's would.
  std::unique_ptr<IncidentStore> other_store;
  if (kind_ == ::alertgate::testing::StoreKind::kPostgres) {
    auto opened = PostgresStore::Open(postgres_->conninfo());
    ASSERT_TRUE(opened.ok()) << opened.status();
    other_store = std::move(*opened);
  }
  OutboundDispatcher other(other_store ? other_store.get() : store_.get(),
                           &clock_, options_);
  absl::StatusOr<int> second = 0;
  std::thread racing([&] { second = other.DeliverDue(); });
  const int first = DeliverDue();
  racing.join();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first + *second, 20);
  std::vector<WebhookReceiver::Received> got = receiver_.received();
  ASSERT_EQ(got.size(), 20u);
  std::set<std::string> ids;
  for (const auto& one : got) ids.insert(one.delivery);
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_EQ(Messages(OutboundState::kDelivered).size(), 20u);
}

INSTANTIATE_TEST_SUITE_P(
    Stores, OutboundWebhookTest,
    ::testing::Values(::alertgate::testing::StoreKind::kSqlite,
                      ::alertgate::testing::StoreKind::kPostgres),
    ::alertgate::testing::StoreName);

}  // namespace
}  // namespace alertgate
