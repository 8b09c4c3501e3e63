// alertctl: alertgate from the shell. See docs/api.md ("alertctl") for every
// command, and `alertctl <command> --help`.
//
// Exit codes, for scripts:
//   0 done                       4 server unreachable (UNAVAILABLE, timeout)
//   1 usage error                5 invalid argument
//   2 not found                  6 already exists
//   3 not allowed in this state  7 any other error
#include <stdio.h>
#include <stdlib.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "alertgate/alertgate_client.h"
#include "clients/cli/alertctl_output.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, address, "",
          "host:port of alertgate's gRPC API. Default: $ALERTGATE_ADDRESS, "
          "else 127.0.0.1:50051.");
ABSL_FLAG(std::string, output, "table", "table or json (also -o json).");
ABSL_FLAG(std::string, token, "",
          "API token sent with every call. Default: $ALERTGATE_TOKEN, else "
          "the contents of --token_file.");
ABSL_FLAG(std::string, token_file, "",
          "File holding the API token, e.g. data/admin-token. Default: "
          "$ALERTGATE_TOKEN_FILE.");
ABSL_FLAG(bool, tls, false,
          "Connect with TLS, trusting the system's CAs (or --tls_ca).");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA certificates to verify the server with; implies --tls.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM client certificate, for servers that require one (mTLS).");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, role, "",
          "tokens create: ingest, read, operate or admin.");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "Deadline per call.");
ABSL_FLAG(std::string, description, "", "services create: description.");
ABSL_FLAG(std::string, source, "",
          "Alert source name (bitbucket, generic, ...).");
ABSL_FLAG(std::string, public_url, "",
          "services webhook-url: how senders reach the front door, e.g. "
          "https://alerts.example.com. Empty: the URL the server returns "
          "(its own --public_url, or the all-in-one front door's address).");
ABSL_FLAG(bool, rotate, false,
          "services webhook-url: replace an existing key (the old URL stops "
          "working).");
ABSL_FLAG(std::string, secret, "",
          "services set-secret: the webhook secret; \"-\" reads stdin.");
ABSL_FLAG(std::string, service, "", "Service name or id.");
ABSL_FLAG(std::string, state, "",
          "incidents list: comma-separated states (triggered, acknowledged, "
          "resolved, suppressed; open = every state but resolved).");
ABSL_FLAG(int, limit, 50, "incidents list: page size.");
ABSL_FLAG(std::string, page_token, "", "incidents list: page to start at.");
ABSL_FLAG(bool, all, false, "incidents list: every page.");
ABSL_FLAG(std::string, actor, "", "Who acts (default: $USER).");
ABSL_FLAG(std::string, note, "", "A note for the incident's timeline.");
ABSL_FLAG(int, timeline, 20,
          "incidents get: how many of the latest timeline entries to show "
          "(at most 1000).");
ABSL_FLAG(int64_t, after, 0, "incidents watch: start after this sequence.");
ABSL_FLAG(int, count, 0, "incidents watch: stop after this many events.");
ABSL_FLAG(bool, until_caught_up, false,
          "incidents watch: stop once every event already in the log is "
          "printed.");
ABSL_FLAG(std::string, dedup_key, "", "alert: the dedup key.");
ABSL_FLAG(std::string, summary, "", "alert: one line a person can act on.");
ABSL_FLAG(std::string, details, "", "alert: longer description.");
ABSL_FLAG(std::string, severity, "", "alert: info, warning, error, critical.");
ABSL_FLAG(std::string, idempotency_key, "", "alert: idempotency key.");
ABSL_FLAG(std::string, file, "",
          "rules set: the rules, as JSON ({\"rules\": [...]}, what rules "
          "show -o json prints); \"-\" reads stdin.");
ABSL_FLAG(int64_t, revision, -1,
          "rules set: save only if the stored rules are at this revision.");
ABSL_FLAG(std::string, alert, "",
          "rules test: a JSON file holding the alert (the API's Alert).");
ABSL_FLAG(std::string, name, "", "maintenance add|remove: the window's name.");
ABSL_FLAG(std::string, starts, "",
          "maintenance add: the first start, local time in --time_zone, e.g. "
          "2026-12-08T02:00.");
ABSL_FLAG(absl::Duration, duration, absl::ZeroDuration(),
          "maintenance add: how long the window lasts, e.g. 2h.");
ABSL_FLAG(std::string, repeat, "",
          "maintenance add: daily or weekly; empty: once.");
ABSL_FLAG(std::string, time_zone, "UTC",
          "maintenance add: an IANA time zone, e.g. Europe/Berlin.");
ABSL_FLAG(std::string, repeat_until, "",
          "maintenance add: a repeating window's last start is before this "
          "local time.");
ABSL_FLAG(absl::Duration, quiet, absl::ZeroDuration(),
          "auto-resolve set: resolve open incidents with no alert for this "
          "long, e.g. 60m.");
ABSL_FLAG(std::string, dedup_key_prefix, "",
          "auto-resolve set: only incidents whose dedup key starts with this, "
          "e.g. push:.");
ABSL_FLAG(std::string, url, "",
          "webhooks add: where to send, http:// or https://.");
ABSL_FLAG(std::string, events, "triggered",
          "webhooks add: comma-separated: triggered, acknowledged, resolved, "
          "suppressed.");
ABSL_FLAG(std::string, format, "json",
          "webhooks add: json (alertgate's document) or slack ({\"text\"}).");
ABSL_FLAG(std::string, rules, "",
          "rules test: try these rules (a file as for rules set) instead of "
          "the saved ones.");

namespace alertgate::cli {
namespace {

using client::AlertgateClient;

enum ExitCode {
  kOk = 0,
  kUsage = 1,
  kNotFound = 2,
  kNotAllowed = 3,
  kUnreachable = 4,
  kInvalid = 5,
  kExists = 6,
  kOther = 7,
  kDenied = 8,
};

class Alertctl;

// One command: its words, its arguments and help (for --help), and the
// method that runs it (for dispatch). Commands() is the only list of both.
struct Command {
  std::string name;  // "incidents list"
  std::string args;  // "[--service=S] [--state=open]"
  std::string help;
  int (Alertctl::*run)(const std::vector<std::string>& rest);
};

const std::vector<Command>& Commands();

void PrintUsage(const std::string& prefix) {
  fprintf(stderr,
          "usage: alertctl COMMAND [ARGS] [--address=HOST:PORT] [-o json]\n\n");
  for (const Command& c : Commands()) {
    if (!prefix.empty() && c.name.rfind(prefix, 0) != 0) continue;
    fprintf(stderr, "  alertctl %s %s\n      %s\n", c.name.c_str(),
            c.args.c_str(), c.help.c_str());
  }
  fprintf(stderr,
          "\nExit codes: 0 done, 1 usage, 2 not found, 3 not allowed in this "
          "state, 4 server unreachable, 5 invalid argument, 6 already exists, "
          "7 other, 8 no valid token or the token's role does not allow "
          "it.\n");
}

int Report(const absl::Status& status) {
  fprintf(stderr, "alertctl: %s\n", status.ToString().c_str());
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return kNotFound;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
      return kNotAllowed;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kUnreachable;
    case absl::StatusCode::kInvalidArgument:
      return kInvalid;
    case absl::StatusCode::kAlreadyExists:
      return kExists;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return kDenied;
    default:
      return kOther;
  }
}

bool Json() { return absl::GetFlag(FLAGS_output) == "json"; }

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

// Rules as JSON ({"rules": [...]}, the API's RuleList) from `path`, or from
// stdin for "-". Prints what is wrong and returns its exit code.
int ReadRules(const std::string& path, v1::RuleList* rules) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin),
                std::istreambuf_iterator<char>());
  } else if (path.empty()) {
    fprintf(stderr,
            "alertctl: the rules file is missing (--file=RULES.json)\n");
    return kUsage;
  } else {
    auto read = ReadFile(path);
    if (!read.ok()) {
      fprintf(stderr, "alertctl: %s\n",
              std::string(read.status().message()).c_str());
      return kUsage;
    }
    text = *std::move(read);
  }
  if (auto parsed = google::protobuf::util::JsonStringToMessage(text, rules);
      !parsed.ok()) {
    fprintf(stderr, "alertctl: %s: not rules as JSON: %s\n",
            path == "-" ? "stdin" : path.c_str(),
            std::string(parsed.message()).c_str());
    return kInvalid;
  }
  return kOk;
}

std::string Actor() {
  std::string actor = absl::GetFlag(FLAGS_actor);
  if (actor.empty() && getenv("USER")) actor = getenv("USER");
  return actor.empty() ? "alertctl" : actor;
}

std::string Source(const std::string& fallback) {
  std::string source = absl::GetFlag(FLAGS_source);
  return source.empty() ? fallback : source;
}

// `service_name` is what a person looks for; ids stay in -o json and get.
void PrintIncidentRows(Table& table, const v1::Incident& i,
                       const std::string& service_name) {
  table.Add({i.id(), EnumName(i, "state"), service_name, i.source(),
             std::to_string(i.alert_count()),
             FormatTime(i.last_seen_at(), i.has_last_seen_at()), i.summary()});
}

class Alertctl {
 public:
  Alertctl(AlertgateClient& client, std::vector<std::string> args)
      : client_(client), args_(std::move(args)) {}

  int Run() {
    const std::string command =
        args_.size() >= 2 ? args_[0] + " " + args_[1] : "";
    const std::vector<std::string> rest(
        args_.begin() + std::min<size_t>(2, args_.size()), args_.end());
    for (const Command& c : Commands()) {
      if (c.name == command) return (this->*c.run)(rest);
    }
    fprintf(stderr, "alertctl: unknown command \"%s\"\n\n",
            absl::StrJoin(args_, " ").c_str());
    PrintUsage(args_.empty() ? "" : args_[0]);
    return kUsage;
  }

  int ServicesList(const std::vector<std::string>&) { return ServicesList(); }
  int IncidentsList(const std::vector<std::string>&) { return IncidentsList(); }
  int IncidentsAck(const std::vector<std::string>& rest) {
    return IncidentsAct(rest, /*resolve=*/false);
  }
  int IncidentsResolve(const std::vector<std::string>& rest) {
    return IncidentsAct(rest, /*resolve=*/true);
  }
  int IncidentsWatch(const std::vector<std::string>&) {
    return IncidentsWatch();
  }
  int AlertTrigger(const std::vector<std::string>&) {
    return SendAlert(v1::ACTION_TRIGGER);
  }
  int AlertAck(const std::vector<std::string>&) {
    return SendAlert(v1::ACTION_ACKNOWLEDGE);
  }
  int AlertResolve(const std::vector<std::string>&) {
    return SendAlert(v1::ACTION_RESOLVE);
  }

  int TokensCreate(const std::vector<std::string>& rest) {
    std::string name;
    if (!OneArgument(rest, &name)) return kUsage;
    v1::Role role;
    if (!v1::Role_Parse(
            "ROLE_" + absl::AsciiStrToUpper(absl::GetFlag(FLAGS_role)),
            &role) ||
        role == v1::ROLE_UNSPECIFIED) {
      fprintf(stderr,
              "alertctl: --role must be ingest, read, operate or admin\n");
      return kUsage;
    }
    auto created = client_.CreateApiToken(name, role);
    if (!created.ok()) return Report(created.status());
    if (Json()) {
      printf("%s\n", ToJson(*created).c_str());
    } else {
      fprintf(stderr,
              "alertctl: token \"%s\" (role %s) created; it is shown once, "
              "here:\n",
              created->api_token().name().c_str(),
              absl::AsciiStrToLower(EnumName(created->api_token(), "role"))
                  .c_str());
      printf("%s\n", created->token().c_str());
    }
    return kOk;
  }

  int TokensList(const std::vector<std::string>&) {
    auto tokens = client_.ListApiTokens();
    if (!tokens.ok()) return Report(tokens.status());
    if (Json()) {
      printf("%s\n", ToJson(*tokens).c_str());
      return kOk;
    }
    Table table(
        {"ID", "NAME", "ROLE", "CREATED", "BY", "LAST USED", "REVOKED"});
    for (const v1::ApiToken& t : tokens->api_tokens()) {
      table.Add({t.id(), t.name(), EnumName(t, "role"),
                 FormatTime(t.created_at(), t.has_created_at()), t.created_by(),
                 FormatTime(t.last_used_at(), t.has_last_used_at()),
                 FormatTime(t.revoked_at(), t.has_revoked_at())});
    }
    table.Print();
    return kOk;
  }

  int TokensRevoke(const std::vector<std::string>& rest) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    auto revoked = client_.RevokeApiToken(id);
    if (!revoked.ok()) return Report(revoked.status());
    if (Json()) {
      printf("%s\n", ToJson(*revoked).c_str());
    } else {
      printf(
          "%s: revoked %s\n", revoked->name().c_str(),
          FormatTime(revoked->revoked_at(), revoked->has_revoked_at()).c_str());
    }
    return kOk;
  }

  int AuditList(const std::vector<std::string>&) {
    auto page = client_.ListAuditEntries(absl::GetFlag(FLAGS_limit),
                                         absl::GetFlag(FLAGS_page_token));
    if (!page.ok()) return Report(page.status());
    if (Json()) {
      printf("%s\n", ToJson(*page).c_str());
      return kOk;
    }
    Table table({"ID", "AT", "ACTOR", "ACTION", "TARGET", "DETAIL"});
    for (const v1::AuditEntry& e : page->entries()) {
      table.Add({std::to_string(e.id()), FormatTime(e.at(), e.has_at()),
                 e.actor(), e.action(), e.target(), e.detail()});
    }
    table.Print();
    if (!page->next_page_token().empty()) {
      fprintf(stderr, "more: --page_token=%s\n",
              page->next_page_token().c_str());
    }
    return kOk;
  }
  // The commands (public: the table of Commands() names them).
  // The single positional argument of a command, or a usage error.
  bool OneArgument(const std::vector<std::string>& rest, std::string* value) {
    if (rest.size() != 1) {
      PrintUsage(args_[0] + " " + args_[1]);
      return false;
    }
    *value = rest[0];
    return true;
  }

  int ServicesCreate(const std::vector<std::string>& rest) {
    std::string name;
    if (!OneArgument(rest, &name)) return kUsage;
    auto service =
        client_.CreateService(name, absl::GetFlag(FLAGS_description));
    if (!service.ok()) return Report(service.status());
    return PrintService(*service);
  }

  int PrintService(const v1::Service& s) {
    if (Json()) {
      printf("%s\n", ToJson(s).c_str());
    } else {
      Table table({"ID", "NAME", "CREATED", "DESCRIPTION"});
      table.Add({s.id(), s.name(),
                 FormatTime(s.created_at(), s.has_created_at()),
                 s.description()});
      table.Print();
    }
    return kOk;
  }

  int ServicesList() {
    v1::ListServicesResponse all;
    std::string token;
    do {
      auto page = client_.ListServices(1000, token);
      if (!page.ok()) return Report(page.status());
      for (const auto& s : page->services()) *all.add_services() = s;
      token = page->next_page_token();
    } while (!token.empty());
    if (Json()) {
      printf("%s\n", ToJson(all).c_str());
      return kOk;
    }
    Table table({"ID", "NAME", "DESCRIPTION"});
    for (const auto& s : all.services())
      table.Add({s.id(), s.name(), s.description()});
    table.Print();
    return kOk;
  }

  int ServicesGet(const std::vector<std::string>& rest) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    auto service = client_.FindService(id);
    if (!service.ok()) return Report(service.status());
    return PrintService(*service);
  }

  int WebhookUrl(const std::vector<std::string>& rest) {
    std::string id;
    const std::string source = absl::GetFlag(FLAGS_source);
    if (!OneArgument(rest, &id)) return kUsage;
    if (source.empty()) {
      fprintf(stderr, "alertctl: --source is required\n");
      return kUsage;
    }
    auto service = client_.FindService(id);
    if (!service.ok()) return Report(service.status());
    auto sources = client_.ListAlertSources(service->id());
    if (!sources.ok()) return Report(sources.status());
    for (const auto& s : sources->sources()) {
      if (s.source() == source && s.has_webhook_key() &&
          !absl::GetFlag(FLAGS_rotate)) {
        return Report(absl::FailedPreconditionError(absl::StrCat(
            "service ", service->name(), " already has a webhook URL for ",
            source,
            ", and alertgate keeps only a hash of its key, so it "
            "cannot show it again. The URL made at first start is in "
            "webhook-urls.txt in alertgate's data folder (data/ by default). "
            "To replace it: alertctl services webhook-url ",
            service->name(), " --source=", source,
            " --rotate (the old URL stops working at "
            "once)")));
      }
    }
    auto issued = client_.IssueWebhookKey(service->id(), source);
    if (!issued.ok()) return Report(issued.status());
    std::string url = issued->webhook_url();
    if (const std::string base = absl::GetFlag(FLAGS_public_url);
        !base.empty()) {
      url = std::string(absl::StripSuffix(base, "/")) + issued->webhook_path();
    } else if (url.empty()) {
      url = issued->webhook_path();
      fprintf(stderr,
              "alertctl: the server does not know how senders reach its front "
              "doors (start it with --public_url); prefix this path with your "
              "front door's address, or pass --public_url here\n");
    }
    if (Json()) {
      const nlohmann::json answer = {
          {"service", service->name()}, {"source", source}, {"url", url}};
      printf("%s\n", answer.dump(2).c_str());
    } else {
      printf("%s\n", url.c_str());
    }
    return kOk;
  }

  int SetSecret(const std::vector<std::string>& rest) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    std::string secret = absl::GetFlag(FLAGS_secret);
    if (secret == "-") {
      std::getline(std::cin, secret);
    }
    auto service = client_.FindService(id);
    if (!service.ok()) return Report(service.status());
    auto status = client_.SetWebhookSecret(service->id(), Source(""), secret);
    if (!status.ok()) return Report(status.status());
    if (Json()) {
      printf("%s\n", ToJson(*status).c_str());
    } else {
      printf("%s: deliveries from %s %s\n", service->name().c_str(),
             status->source().c_str(),
             status->has_webhook_secret() ? "must be signed"
                                          : "need no signature");
    }
    return kOk;
  }

  int SourcesList(const std::vector<std::string>& rest) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    auto service = client_.FindService(id);
    if (!service.ok()) return Report(service.status());
    auto sources = client_.ListAlertSources(service->id());
    if (!sources.ok()) return Report(sources.status());
    if (Json()) {
      printf("%s\n", ToJson(*sources).c_str());
      return kOk;
    }
    Table table({"SOURCE", "WEBHOOK", "SIGNED", "RECEIVING", "LAST ALERT",
                 "LAST INCIDENT"});
    for (const auto& s : sources->sources()) {
      table.Add({s.source(), s.has_webhook_key() ? "yes" : "no",
                 s.has_webhook_secret() ? "yes" : "no",
                 s.receiving_alerts() ? "receiving alerts" : "not receiving",
                 FormatTime(s.last_alert_at(), s.has_last_alert_at()),
                 FormatTime(s.last_incident_at(), s.has_last_incident_at())});
    }
    table.Print();
    return kOk;
  }

  int DeliveriesList(const std::vector<std::string>& rest) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    auto service = client_.FindService(id);
    if (!service.ok()) return Report(service.status());
    auto page = client_.ListDeliveries(
        service->id(), absl::GetFlag(FLAGS_source), absl::GetFlag(FLAGS_limit),
        absl::GetFlag(FLAGS_page_token));
    if (!page.ok()) return Report(page.status());
    if (Json()) {
      printf("%s\n", ToJson(*page).c_str());
      return kOk;
    }
    Table table({"ID", "RECEIVED", "SOURCE", "EVENT", "DELIVERY ID", "STATUS",
                 "OUTCOME", "INCIDENTS", "REASON"});
    for (const v1::Delivery& d : page->deliveries()) {
      std::string outcome = OutcomeWord(d);
      if (d.body_kept()) outcome += " (replayable)";
      table.Add({d.id(), FormatTime(d.received_at(), d.has_received_at()),
                 d.source(), d.event(), d.delivery_id(),
                 std::to_string(d.http_status()), outcome,
                 absl::StrJoin(d.incident_ids(), ","), d.reason()});
    }
    table.Print();
    if (!page->next_page_token().empty()) {
      fprintf(stderr, "more: --page_token=%s\n",
              page->next_page_token().c_str());
    }
    return kOk;
  }

  int SourcesPlugins(const std::vector<std::string>& rest) {
    if (!rest.empty()) return kUsage;
    auto plugins = client_.ListSourcePlugins();
    if (!plugins.ok()) return Report(plugins.status());
    if (Json()) {
      printf("%s\n", ToJson(*plugins).c_str());
      return kOk;
    }
    Table table(
        {"SOURCE", "NAME", "VERSION", "SIGNATURE", "DELIVERY ID", "EVENTS"});
    for (const v1::SourcePlugin& p : plugins->plugins()) {
      table.Add({p.name(), p.display_name(), p.version(),
                 p.signature_header().empty() ? "none" : p.signature_header(),
                 absl::StrJoin(p.delivery_id_headers(), ","),
                 absl::StrJoin(p.events(), ",")});
    }
    table.Print();
    return kOk;
  }

  int SourcesSetup(const std::vector<std::string>& rest) {
    std::string source;
    if (!OneArgument(rest, &source)) return kUsage;
    auto plugins = client_.ListSourcePlugins();
    if (!plugins.ok()) return Report(plugins.status());
    for (const v1::SourcePlugin& p : plugins->plugins()) {
      if (p.name() != source) continue;
      if (Json()) {
        printf("%s\n", ToJson(p).c_str());
        return kOk;
      }
      printf("%s (%s %s)\n", p.display_name().c_str(), p.name().c_str(),
             p.version().c_str());
      int step = 0;
      for (const std::string& s : p.setup_steps()) {
        printf("%d. %s\n", ++step, s.c_str());
      }
      if (step == 0) printf("(the plugin gives no setup steps)\n");
      return kOk;
    }
    return Report(absl::NotFoundError(
        absl::StrCat("no source plugin named ", source,
                     " is loaded; alertctl sources plugins lists them")));
  }

  int DeliveriesShow(const std::vector<std::string>& rest) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    auto delivery = client_.GetDelivery(id);
    if (!delivery.ok()) return Report(delivery.status());
    if (Json()) {
      printf("%s\n", ToJson(*delivery).c_str());
      return kOk;
    }
    printf("%s  %s %s  %d %s  %s\n", delivery->id().c_str(),
           delivery->source().c_str(), delivery->event().c_str(),
           delivery->http_status(), OutcomeWord(*delivery).c_str(),
           delivery->reason().c_str());
    if (!delivery->has_kept_request()) {
      printf("(request not kept: only refused deliveries keep theirs)\n");
      return kOk;
    }
    for (const v1::HttpHeader& header : delivery->kept_request().headers()) {
      printf("%s: %s\n", header.name().c_str(), header.value().c_str());
    }
    printf("\n%s\n", delivery->kept_request().body().c_str());
    return kOk;
  }

  int DeliveriesReplay(const std::vector<std::string>& rest) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    auto replayed = client_.ReplayDelivery(id);
    if (!replayed.ok()) return Report(replayed.status());
    const v1::Delivery& d = replayed->delivery();
    if (Json()) {
      printf("%s\n", ToJson(*replayed).c_str());
    } else {
      printf("%s %d %s %s %s\n", d.id().c_str(), d.http_status(),
             OutcomeWord(d).c_str(),
             absl::StrJoin(d.incident_ids(), ",").c_str(), d.reason().c_str());
    }
    return kOk;
  }

  int RulesShow(const std::vector<std::string>& rest) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    auto service = client_.FindService(id);
    if (!service.ok()) return Report(service.status());
    auto rules = client_.GetRules(service->id());
    if (!rules.ok()) return Report(rules.status());
    if (Json()) {
      printf("%s\n", ToJson(*rules).c_str());
      return kOk;
    }
    printf("%s: %d rules, revision %lld\n", service->name().c_str(),
           rules->rules_size(), static_cast<long long>(rules->revision()));
    for (const v1::Rule& rule : rules->rules()) {
      std::vector<std::string> when, then;
      for (const v1::RuleCondition& c : rule.when()) {
        std::string field = absl::AsciiStrToLower(
            absl::StripPrefix(v1::RuleField_Name(c.field()), "RULE_FIELD_"));
        if (c.field() == v1::RULE_FIELD_TAG) field = "tag " + c.tag();
        when.push_back(absl::StrCat(
            field, c.negate() ? " not " : " ",
            absl::AsciiStrToLower(absl::StripPrefix(
                v1::MatchOperator_Name(c.op()), "MATCH_OPERATOR_")),
            " \"", c.value(), "\""));
      }
      const v1::RuleActions& a = rule.then();
      for (const auto& [k, v] : a.set_tags())
        then.push_back("set " + k + "=" + v);
      for (const auto& [k, v] : a.add_tags())
        then.push_back("add " + k + "=" + v);
      if (a.set_severity() != v1::SEVERITY_UNSPECIFIED) {
        then.push_back("severity " +
                       absl::AsciiStrToLower(absl::StripPrefix(
                           v1::Severity_Name(a.set_severity()), "SEVERITY_")));
      }
      if (!a.route_to_service_id().empty()) {
        then.push_back("route to " + ServiceName(a.route_to_service_id()));
      }
      if (a.suppress()) then.push_back("suppress");
      if (a.dedup_window_minutes() > 0) {
        then.push_back(
            absl::StrCat("dedup window ", a.dedup_window_minutes(), " min"));
      }
      if (rule.stop()) then.push_back("stop");
      printf("- %s\n  when: %s\n  then: %s\n", rule.name().c_str(),
             when.empty() ? "every alert" : absl::StrJoin(when, ", ").c_str(),
             then.empty() ? "nothing" : absl::StrJoin(then, ", ").c_str());
    }
    for (const v1::MaintenanceWindow& w : rules->maintenance_windows()) {
      printf("maintenance \"%s\": %s %s for %dm%s%s\n", w.name().c_str(),
             w.starts().c_str(), w.time_zone().c_str(), w.duration_minutes(),
             w.repeat() == v1::REPEAT_DAILY    ? ", daily"
             : w.repeat() == v1::REPEAT_WEEKLY ? ", weekly"
                                               : "",
             w.repeat_until().empty()
                 ? ""
                 : (", until " + w.repeat_until()).c_str());
    }
    for (const v1::AutoResolve& a : rules->auto_resolve()) {
      printf("auto-resolve %s%s after %d minutes without an alert\n",
             a.source().empty() ? "every source" : a.source().c_str(),
             a.dedup_key_prefix().empty()
                 ? ""
                 : (", dedup keys " + a.dedup_key_prefix() + "*").c_str(),
             a.quiet_minutes());
    }
    for (const v1::WebhookSubscription& w : rules->webhooks()) {
      printf("webhook \"%s\": %s to %s%s\n", w.name().c_str(),
             absl::AsciiStrToLower(absl::StrJoin(EnumNames(w, "events"), ", "))
                 .c_str(),
             w.url().c_str(),
             w.format() == v1::WEBHOOK_FORMAT_SLACK ? " (slack)" : "");
    }
    return kOk;
  }

  // Reads the service's rules document, for a change to part of it.
  int ReadDocument(const std::vector<std::string>& rest, v1::Service* service,
                   v1::ServiceRules* document) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    auto found = client_.FindService(id);
    if (!found.ok()) return Report(found.status());
    auto rules = client_.GetRules(found->id());
    if (!rules.ok()) return Report(rules.status());
    *service = *std::move(found);
    *document = *std::move(rules);
    return kOk;
  }

  int PrintSaved(const v1::Service& service,
                 const absl::StatusOr<v1::ServiceRules>& saved,
                 const std::string& what) {
    if (!saved.ok()) return Report(saved.status());
    if (Json()) {
      printf("%s\n", ToJson(*saved).c_str());
    } else {
      printf("%s: %s saved, revision %lld\n", service.name().c_str(),
             what.c_str(), static_cast<long long>(saved->revision()));
    }
    return kOk;
  }

  int MaintenanceAdd(const std::vector<std::string>& rest) {
    v1::Service service;
    v1::ServiceRules document;
    if (int bad = ReadDocument(rest, &service, &document); bad != kOk) {
      return bad;
    }
    v1::SetMaintenanceWindowsRequest request;
    request.set_service_id(service.id());
    request.set_expected_revision(document.revision());
    *request.mutable_windows() = document.maintenance_windows();
    v1::MaintenanceWindow* window = request.add_windows();
    window->set_name(absl::GetFlag(FLAGS_name));
    window->set_starts(absl::GetFlag(FLAGS_starts));
    window->set_time_zone(absl::GetFlag(FLAGS_time_zone));
    window->set_duration_minutes(static_cast<int32_t>(
        absl::ToInt64Minutes(absl::GetFlag(FLAGS_duration))));
    const std::string repeat = absl::GetFlag(FLAGS_repeat);
    if (repeat == "daily") {
      window->set_repeat(v1::REPEAT_DAILY);
    } else if (repeat == "weekly") {
      window->set_repeat(v1::REPEAT_WEEKLY);
    } else if (!repeat.empty()) {
      fprintf(stderr, "alertctl: --repeat is daily, weekly or empty\n");
      return kUsage;
    }
    window->set_repeat_until(absl::GetFlag(FLAGS_repeat_until));
    return PrintSaved(service, client_.SetMaintenanceWindows(request),
                      "maintenance window \"" + window->name() + "\"");
  }

  int MaintenanceRemove(const std::vector<std::string>& rest) {
    v1::Service service;
    v1::ServiceRules document;
    if (int bad = ReadDocument(rest, &service, &document); bad != kOk) {
      return bad;
    }
    const std::string name = absl::GetFlag(FLAGS_name);
    v1::SetMaintenanceWindowsRequest request;
    request.set_service_id(service.id());
    request.set_expected_revision(document.revision());
    bool found = false;
    for (const v1::MaintenanceWindow& w : document.maintenance_windows()) {
      if (w.name() == name) {
        found = true;
      } else {
        *request.add_windows() = w;
      }
    }
    if (!found) {
      fprintf(stderr, "alertctl: %s has no maintenance window \"%s\"\n",
              service.name().c_str(), name.c_str());
      return kNotFound;
    }
    return PrintSaved(service, client_.SetMaintenanceWindows(request),
                      "maintenance windows");
  }

  int AutoResolveSet(const std::vector<std::string>& rest) {
    v1::Service service;
    v1::ServiceRules document;
    if (int bad = ReadDocument(rest, &service, &document); bad != kOk) {
      return bad;
    }
    const std::string source = Source("");
    const std::string prefix = absl::GetFlag(FLAGS_dedup_key_prefix);
    const absl::Duration quiet = absl::GetFlag(FLAGS_quiet);
    v1::SetAutoResolveRequest request;
    request.set_service_id(service.id());
    request.set_expected_revision(document.revision());
    for (const v1::AutoResolve& a : document.auto_resolve()) {
      if (a.source() != source || a.dedup_key_prefix() != prefix) {
        *request.add_settings() = a;
      }
    }
    // --quiet=0 clears the setting of this source and prefix.
    if (quiet > absl::ZeroDuration()) {
      v1::AutoResolve* setting = request.add_settings();
      setting->set_source(source);
      setting->set_dedup_key_prefix(prefix);
      setting->set_quiet_minutes(
          static_cast<int32_t>(absl::ToInt64Minutes(quiet)));
    }
    return PrintSaved(service, client_.SetAutoResolve(request), "auto-resolve");
  }

  int WebhooksAdd(const std::vector<std::string>& rest) {
    v1::Service service;
    v1::ServiceRules document;
    if (int bad = ReadDocument(rest, &service, &document); bad != kOk) {
      return bad;
    }
    v1::PutWebhookRequest request;
    request.set_service_id(service.id());
    request.set_expected_revision(document.revision());
    v1::WebhookSubscription* webhook = request.mutable_webhook();
    webhook->set_name(absl::GetFlag(FLAGS_name));
    webhook->set_url(absl::GetFlag(FLAGS_url));
    for (absl::string_view word :
         absl::StrSplit(absl::GetFlag(FLAGS_events), ',', absl::SkipEmpty())) {
      v1::WebhookEvent event;
      if (!v1::WebhookEvent_Parse(
              absl::StrCat(
                  "WEBHOOK_EVENT_",
                  absl::AsciiStrToUpper(absl::StripAsciiWhitespace(word))),
              &event) ||
          event == v1::WEBHOOK_EVENT_UNSPECIFIED) {
        fprintf(stderr,
                "alertctl: --events: \"%s\" is not triggered, acknowledged, "
                "resolved or suppressed\n",
                std::string(word).c_str());
        return kUsage;
      }
      webhook->add_events(event);
    }
    const std::string format = absl::GetFlag(FLAGS_format);
    if (format == "slack") {
      webhook->set_format(v1::WEBHOOK_FORMAT_SLACK);
    } else if (format != "json") {
      fprintf(stderr, "alertctl: --format is json or slack\n");
      return kUsage;
    }
    webhook->set_secret(absl::GetFlag(FLAGS_secret));
    auto saved = client_.PutWebhook(request);
    if (!saved.ok()) return Report(saved.status());
    if (Json()) {
      printf("%s\n", ToJson(*saved).c_str());
      return kOk;
    }
    for (const v1::WebhookSubscription& w : saved->webhooks()) {
      if (w.name() != webhook->name()) continue;
      printf("%s: webhook \"%s\" saved, revision %lld\n",
             service.name().c_str(), w.name().c_str(),
             static_cast<long long>(saved->revision()));
      // Admins see it here; GetRules never shows it.
      printf("signing secret: %s\n", w.secret().c_str());
    }
    return kOk;
  }

  int WebhooksRemove(const std::vector<std::string>& rest) {
    v1::Service service;
    v1::ServiceRules document;
    if (int bad = ReadDocument(rest, &service, &document); bad != kOk) {
      return bad;
    }
    v1::RemoveWebhookRequest request;
    request.set_service_id(service.id());
    request.set_name(absl::GetFlag(FLAGS_name));
    request.set_expected_revision(document.revision());
    return PrintSaved(service, client_.RemoveWebhook(request), "webhooks");
  }

  int WebhooksList(const std::vector<std::string>& rest) {
    v1::Service service;
    v1::ServiceRules document;
    if (int bad = ReadDocument(rest, &service, &document); bad != kOk) {
      return bad;
    }
    if (Json()) {
      printf("%s\n", ToJson(document).c_str());
      return kOk;
    }
    Table table({"NAME", "URL", "EVENTS", "FORMAT", "SIGNED"});
    for (const v1::WebhookSubscription& w : document.webhooks()) {
      table.Add(
          {w.name(), w.url(),
           absl::AsciiStrToLower(absl::StrJoin(EnumNames(w, "events"), ",")),
           absl::AsciiStrToLower(EnumName(w, "format")),
           w.has_secret() ? "yes" : "no"});
    }
    table.Print();
    return kOk;
  }

  int WebhooksMessages(const std::vector<std::string>& rest) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    auto service = client_.FindService(id);
    if (!service.ok()) return Report(service.status());
    v1::ListWebhookMessagesRequest request;
    request.set_service_id(service->id());
    request.set_page_size(absl::GetFlag(FLAGS_limit));
    request.set_page_token(absl::GetFlag(FLAGS_page_token));
    const std::string state = absl::GetFlag(FLAGS_state);
    if (!state.empty()) {
      v1::WebhookMessageState parsed;
      if (!v1::WebhookMessageState_Parse(
              "WEBHOOK_MESSAGE_STATE_" + absl::AsciiStrToUpper(state),
              &parsed)) {
        fprintf(stderr,
                "alertctl: --state is pending, delivered or dead_lettered\n");
        return kUsage;
      }
      request.set_state(parsed);
    }
    auto page = client_.ListWebhookMessages(request);
    if (!page.ok()) return Report(page.status());
    if (Json()) {
      printf("%s\n", ToJson(*page).c_str());
      return kOk;
    }
    Table table({"ID", "CREATED", "WEBHOOK", "EVENT", "INCIDENT", "STATE",
                 "ATTEMPTS", "LAST ERROR"});
    for (const v1::WebhookMessage& m : page->messages()) {
      table.Add({m.id(), FormatTime(m.created_at(), m.has_created_at()),
                 m.webhook(), absl::AsciiStrToLower(EnumName(m, "event")),
                 m.incident_id(), absl::AsciiStrToLower(EnumName(m, "state")),
                 std::to_string(m.attempts()), m.last_error()});
    }
    table.Print();
    if (!page->next_page_token().empty()) {
      fprintf(stderr, "more: --page_token=%s\n",
              page->next_page_token().c_str());
    }
    return kOk;
  }

  int WebhooksRedeliver(const std::vector<std::string>& rest) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    auto message = client_.RedeliverWebhookMessage(id);
    if (!message.ok()) return Report(message.status());
    if (Json()) {
      printf("%s\n", ToJson(*message).c_str());
    } else {
      printf("message %s is due again now\n", message->id().c_str());
    }
    return kOk;
  }

  int RulesSet(const std::vector<std::string>& rest) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    v1::RuleList rules;
    if (int bad = ReadRules(absl::GetFlag(FLAGS_file), &rules); bad != kOk) {
      return bad;
    }
    auto service = client_.FindService(id);
    if (!service.ok()) return Report(service.status());
    auto saved = client_.SetRules(service->id(), rules.rules(),
                                  absl::GetFlag(FLAGS_revision));
    if (!saved.ok()) return Report(saved.status());
    if (Json()) {
      printf("%s\n", ToJson(*saved).c_str());
    } else {
      printf("%s: %d rules saved, revision %lld\n", service->name().c_str(),
             saved->rules_size(), static_cast<long long>(saved->revision()));
    }
    return kOk;
  }

  int RulesTest(const std::vector<std::string>& rest) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    v1::TestRulesRequest request;
    auto text = ReadFile(absl::GetFlag(FLAGS_alert));
    if (!text.ok()) {
      fprintf(stderr, "alertctl: rules test needs --alert=FILE: %s\n",
              std::string(text.status().message()).c_str());
      return kUsage;
    }
    if (auto parsed = google::protobuf::util::JsonStringToMessage(
            *text, request.mutable_alert());
        !parsed.ok()) {
      fprintf(stderr, "alertctl: --alert: %s\n",
              std::string(parsed.message()).c_str());
      return kInvalid;
    }
    if (!absl::GetFlag(FLAGS_rules).empty()) {
      if (int bad =
              ReadRules(absl::GetFlag(FLAGS_rules), request.mutable_rules());
          bad != kOk) {
        return bad;
      }
    }
    auto service = client_.FindService(id);
    if (!service.ok()) return Report(service.status());
    request.set_service_id(service->id());
    auto tried = client_.TestRules(request);
    if (!tried.ok()) return Report(tried.status());
    if (Json()) {
      printf("%s\n", ToJson(*tried).c_str());
      return kOk;
    }
    printf("matched: %s\n",
           tried->matched().empty()
               ? "no rule"
               : absl::StrJoin(tried->matched(), ", ").c_str());
    if (!tried->suppressed_by().empty()) {
      printf("suppressed by: %s\n", tried->suppressed_by().c_str());
    }
    if (!tried->routed_by().empty()) {
      printf("routed to %s by: %s\n",
             ServiceName(tried->alert().service_id()).c_str(),
             tried->routed_by().c_str());
    }
    if (tried->dedup_window_minutes() > 0) {
      printf("dedup window: %d min (%s)\n", tried->dedup_window_minutes(),
             tried->window_rule().c_str());
    }
    printf("alert after the rules:\n%s\n", ToJson(tried->alert()).c_str());
    return kOk;
  }

  int SourcesTest(const std::vector<std::string>& rest) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    auto service = client_.FindService(id);
    if (!service.ok()) return Report(service.status());
    const std::string source = Source("");
    if (source.empty()) {
      fprintf(stderr, "alertctl: sources test needs --source=SOURCE\n");
      return kUsage;
    }
    auto sent = client_.SendTestAlert(service->id(), source);
    if (!sent.ok()) return Report(sent.status());
    if (Json()) {
      printf("%s\n", ToJson(*sent).c_str());
    } else {
      printf("%s: test incident %s for %s opened and resolved\n",
             service->name().c_str(), sent->incident_id().c_str(),
             source.c_str());
    }
    return kOk;
  }

  int IncidentsList() {
    v1::ListIncidentsRequest request;
    if (const std::string service = absl::GetFlag(FLAGS_service);
        !service.empty()) {
      auto found = client_.FindService(service);
      if (!found.ok()) return Report(found.status());
      request.set_service_id(found->id());
    }
    request.set_source(absl::GetFlag(FLAGS_source));
    for (absl::string_view state :
         absl::StrSplit(absl::GetFlag(FLAGS_state), ',', absl::SkipEmpty())) {
      const std::string s = absl::AsciiStrToLower(state);
      if (s == "open") {
        // The API's meaning (incident.proto): every state but RESOLVED.
        const auto* states = v1::IncidentState_descriptor();
        for (int i = 0; i < states->value_count(); ++i) {
          const int number = states->value(i)->number();
          if (number != v1::INCIDENT_STATE_UNSPECIFIED &&
              number != v1::INCIDENT_STATE_RESOLVED) {
            request.add_states(static_cast<v1::IncidentState>(number));
          }
        }
        continue;
      }
      v1::IncidentState value;
      if (!v1::IncidentState_Parse("INCIDENT_STATE_" + absl::AsciiStrToUpper(s),
                                   &value)) {
        return Report(
            absl::InvalidArgumentError("--state: unknown state " + s));
      }
      request.add_states(value);
    }
    request.set_page_size(absl::GetFlag(FLAGS_limit));
    request.set_page_token(absl::GetFlag(FLAGS_page_token));
    v1::ListIncidentsResponse all;
    while (true) {
      auto page = client_.ListIncidents(request);
      if (!page.ok()) return Report(page.status());
      for (const auto& i : page->incidents()) *all.add_incidents() = i;
      all.set_next_page_token(page->next_page_token());
      if (!absl::GetFlag(FLAGS_all) || page->next_page_token().empty()) break;
      request.set_page_token(page->next_page_token());
    }
    if (Json()) {
      printf("%s\n", ToJson(all).c_str());
      return kOk;
    }
    Table table(
        {"ID", "STATE", "SERVICE", "SOURCE", "ALERTS", "LAST SEEN", "SUMMARY"});
    for (const auto& i : all.incidents()) {
      PrintIncidentRows(table, i, ServiceName(i.service_id()));
    }
    table.Print();
    if (!all.next_page_token().empty()) {
      fprintf(stderr, "more: --page_token=%s\n", all.next_page_token().c_str());
    }
    return kOk;
  }

  int IncidentsGet(const std::vector<std::string>& rest) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    auto got = client_.GetIncident(id, absl::GetFlag(FLAGS_timeline));
    if (!got.ok()) return Report(got.status());
    if (Json()) {
      printf("%s\n", ToJson(*got).c_str());
      return kOk;
    }
    const v1::Incident& i = got->incident();
    Table fields({"FIELD", "VALUE"});
    fields.Add({"id", i.id()});
    fields.Add({"state", EnumName(i, "state")});
    fields.Add(
        {"service", ServiceName(i.service_id()) + " (" + i.service_id() + ")"});
    fields.Add({"source", i.source()});
    fields.Add({"dedup key", i.dedup_key()});
    fields.Add({"summary", i.summary()});
    fields.Add({"severity", EnumName(i, "severity")});
    fields.Add({"alerts", std::to_string(i.alert_count())});
    fields.Add({"opened", FormatTime(i.opened_at(), i.has_opened_at())});
    fields.Add(
        {"last seen", FormatTime(i.last_seen_at(), i.has_last_seen_at())});
    if (i.has_acknowledged_at()) {
      fields.Add({"acknowledged", FormatTime(i.acknowledged_at(), true) +
                                      " by " + i.acknowledged_by()});
    }
    if (i.has_resolved_at()) {
      fields.Add({"resolved", FormatTime(i.resolved_at(), true) + " by " +
                                  i.resolved_by()});
    }
    for (const auto& link : i.links()) fields.Add({"link", link.href()});
    fields.Print();
    printf("\n");
    // AT is when alertgate recorded the change; OCCURRED when the alert
    // behind it happened, by the sender's clock.
    Table timeline(
        {"SEQ", "AT", "OCCURRED", "CHANGE", "STATE", "ACTOR", "NOTE"});
    // The page is newest first; a person reads it oldest first.
    std::vector<v1::IncidentEvent> entries(got->timeline().rbegin(),
                                           got->timeline().rend());
    for (const auto& e : entries) {
      timeline.Add(
          {std::to_string(e.sequence()), FormatTime(e.at(), e.has_at()),
           FormatTime(e.occurred_at(), e.has_occurred_at()),
           EnumName(e, "kind"), EnumName(e, "state"), e.actor(), e.note()});
    }
    timeline.Print();
    if (!got->next_timeline_page_token().empty()) {
      printf(
          "(the latest %d of %lld timeline entries; --timeline=N shows more)\n",
          got->timeline_size(), static_cast<long long>(i.timeline_size()));
    }
    return kOk;
  }

  int IncidentsAct(const std::vector<std::string>& rest, bool resolve) {
    std::string id;
    if (!OneArgument(rest, &id)) return kUsage;
    v1::Incident incident;
    bool changed = false;
    if (resolve) {
      auto r = client_.ResolveIncident(id, Actor(), absl::GetFlag(FLAGS_note));
      if (!r.ok()) return Report(r.status());
      incident = r->incident();
      changed = r->changed();
    } else {
      auto r =
          client_.AcknowledgeIncident(id, Actor(), absl::GetFlag(FLAGS_note));
      if (!r.ok()) return Report(r.status());
      incident = r->incident();
      changed = r->changed();
    }
    if (Json()) {
      printf("%s\n", ToJson(incident).c_str());
    } else {
      printf("%s %s%s\n", incident.id().c_str(),
             EnumName(incident, "state").c_str(),
             changed ? "" : " (unchanged)");
    }
    return kOk;
  }

  int IncidentsWatch() {
    v1::WatchIncidentsRequest request;
    request.set_after_sequence(absl::GetFlag(FLAGS_after));
    if (const std::string service = absl::GetFlag(FLAGS_service);
        !service.empty()) {
      auto found = client_.FindService(service);
      if (!found.ok()) return Report(found.status());
      request.set_service_id(found->id());
    }
    const int limit = absl::GetFlag(FLAGS_count);
    const bool until_caught_up = absl::GetFlag(FLAGS_until_caught_up);
    int seen = 0;
    absl::Status status = client_.WatchIncidents(
        request, [&](const v1::WatchIncidentsResponse& m) {
          if (m.has_caught_up()) {
            // On stderr, so that stdout carries events only.
            fprintf(stderr,
                    "alertctl: caught up at sequence %lld; live from here\n",
                    static_cast<long long>(m.caught_up().sequence()));
            return !until_caught_up;
          }
          const v1::IncidentEvent& e = m.event();
          if (Json()) {
            printf("%s\n", ToJson(e, /*pretty=*/false).c_str());
          } else {
            printf("%lld %s %s %s %s %s %s\n",
                   static_cast<long long>(e.sequence()),
                   FormatTime(e.at(), e.has_at()).c_str(),
                   EnumName(e, "kind").c_str(), e.incident_id().c_str(),
                   EnumName(e, "state").c_str(), e.actor().c_str(),
                   e.note().c_str());
          }
          fflush(stdout);
          return limit == 0 || ++seen < limit;
        });
    return status.ok() ? kOk : Report(status);
  }

  int SendAlert(v1::Action action) {
    const std::string service = absl::GetFlag(FLAGS_service);
    if (service.empty() || absl::GetFlag(FLAGS_dedup_key).empty()) {
      fprintf(stderr, "alertctl: --service and --dedup_key are required\n");
      return kUsage;
    }
    auto found = client_.FindService(service);
    if (!found.ok()) return Report(found.status());
    v1::Alert alert;
    alert.set_service_id(found->id());
    alert.set_source(Source("manual"));
    alert.set_action(action);
    alert.set_dedup_key(absl::GetFlag(FLAGS_dedup_key));
    alert.set_summary(absl::GetFlag(FLAGS_summary));
    alert.set_description(absl::GetFlag(FLAGS_details));
    alert.set_idempotency_key(absl::GetFlag(FLAGS_idempotency_key));
    if (const std::string severity = absl::GetFlag(FLAGS_severity);
        !severity.empty()) {
      v1::Severity value;
      if (!v1::Severity_Parse("SEVERITY_" + absl::AsciiStrToUpper(severity),
                              &value)) {
        return Report(
            absl::InvalidArgumentError("--severity: unknown " + severity));
      }
      alert.set_severity(value);
    }
    auto response = client_.IngestAlert(alert);
    if (!response.ok()) return Report(response.status());
    if (Json()) {
      printf("%s\n", ToJson(*response).c_str());
    } else {
      printf("%s %s\n", EnumName(*response, "outcome").c_str(),
             response->incident().id().c_str());
    }
    return kOk;
  }

  // "accepted", "bad_signature", ... from DELIVERY_OUTCOME_*.
  static std::string OutcomeWord(const v1::Delivery& d) {
    const std::string name = EnumName(d, "outcome");
    absl::string_view outcome = name;
    absl::ConsumePrefix(&outcome, "DELIVERY_OUTCOME_");
    return absl::AsciiStrToLower(outcome);
  }

  // The service's name, looked up once per id; the id itself if the lookup
  // fails (the listing should not fail for a name).
  std::string ServiceName(const std::string& id) {
    auto it = service_names_.find(id);
    if (it != service_names_.end()) return it->second;
    auto service = client_.FindService(id);
    const std::string name = service.ok() ? service->name() : id;
    service_names_[id] = name;
    return name;
  }

  AlertgateClient& client_;
  std::vector<std::string> args_;
  std::map<std::string, std::string> service_names_;
};

const std::vector<Command>& Commands() {
  static const auto* commands = new std::vector<Command>{
      {"services create", "NAME [--description=TEXT]", "Create a service.",
       &Alertctl::ServicesCreate},
      {"services list", "", "List services.", &Alertctl::ServicesList},
      {"services get", "NAME|ID", "Show a service.", &Alertctl::ServicesGet},
      {"services webhook-url",
       "NAME|ID --source=SOURCE [--public_url=URL] [--rotate]",
       "Issue the webhook URL of a source (shown once: only a hash is kept). "
       "With a key already issued, --rotate replaces it.",
       &Alertctl::WebhookUrl},
      {"services set-secret", "NAME|ID --source=SOURCE --secret=SECRET|-",
       "Require deliveries signed with SECRET; an empty secret clears it.",
       &Alertctl::SetSecret},
      {"sources list", "NAME|ID",
       "A service's alert sources and whether each is receiving alerts.",
       &Alertctl::SourcesList},
      {"sources plugins", "",
       "The source plugins loaded: name, version, signature header, "
       "delivery id headers, events.",
       &Alertctl::SourcesPlugins},
      {"sources setup", "SOURCE",
       "How to connect a source's sender to alertgate: the plugin's own "
       "steps ({webhook_url} is the service's webhook URL).",
       &Alertctl::SourcesSetup},
      {"rules show", "NAME|ID",
       "A service's rules, in the order they run on each alert.",
       &Alertctl::RulesShow},
      {"rules set", "NAME|ID --file=RULES.json|- [--revision=N]",
       "Replace a service's rules (admin); refused with the reason when one "
       "does not compile. docs/rules.md has examples.",
       &Alertctl::RulesSet},
      {"rules test", "NAME|ID --alert=ALERT.json [--rules=RULES.json]",
       "What the saved rules (or --rules) would do to an alert; changes "
       "nothing.",
       &Alertctl::RulesTest},
      {"maintenance add",
       "NAME|ID --name=N --starts=2026-12-08T02:00 --duration=2h "
       "[--time_zone=Z] [--repeat=daily|weekly] [--repeat_until=T]",
       "Add a maintenance window: new incidents open SUPPRESSED while it is "
       "open (admin). rules show lists the windows.",
       &Alertctl::MaintenanceAdd},
      {"maintenance remove", "NAME|ID --name=N",
       "Remove a maintenance window (admin).", &Alertctl::MaintenanceRemove},
      {"auto-resolve set",
       "NAME|ID --quiet=60m [--source=SOURCE] [--dedup_key_prefix=P]",
       "Resolve the service's open incidents (of one source) after this long "
       "without an alert; --quiet=0 clears it (admin).",
       &Alertctl::AutoResolveSet},
      {"webhooks add",
       "NAME|ID --name=N --url=URL [--events=triggered,resolved,...] "
       "[--format=json|slack] [--secret=S]",
       "Send the service's incident events to a URL, signed; a name already "
       "used is replaced (admin). Prints the signing secret.",
       &Alertctl::WebhooksAdd},
      {"webhooks remove", "NAME|ID --name=N",
       "Stop sending to a webhook (admin); its waiting messages are given "
       "up.",
       &Alertctl::WebhooksRemove},
      {"webhooks list", "NAME|ID", "A service's outbound webhooks.",
       &Alertctl::WebhooksList},
      {"webhooks messages",
       "NAME|ID [--state=pending|delivered|dead_lettered] [--limit=N]",
       "What was sent, what waits for a retry, what was given up and why.",
       &Alertctl::WebhooksMessages},
      {"webhooks redeliver", "MESSAGE_ID",
       "Send a delivered or dead-lettered message again now (operate).",
       &Alertctl::WebhooksRedeliver},
      {"sources test", "NAME|ID --source=SOURCE",
       "Send a test alert: a test incident opened and resolved at once, so "
       "the source shows as receiving alerts (operate).",
       &Alertctl::SourcesTest},
      {"deliveries list", "NAME|ID [--source=SRC] [--limit=N] [--page_token=T]",
       "What the front doors answered for a service's webhook deliveries, "
       "newest first: outcome, reason, incidents.",
       &Alertctl::DeliveriesList},
      {"deliveries show", "ID",
       "One delivery, with the headers and body kept of a refused one "
       "(admin).",
       &Alertctl::DeliveriesShow},
      {"deliveries replay", "ID",
       "Run a refused delivery again, after fixing its secret or plugin "
       "(admin); prints the new entry.",
       &Alertctl::DeliveriesReplay},
      {"incidents list",
       "[--service=S] [--state=open] [--source=SRC] [--limit=N] "
       "[--page_token=T] [--all]",
       "List incidents, newest first.", &Alertctl::IncidentsList},
      {"incidents get", "ID", "Show an incident and its timeline.",
       &Alertctl::IncidentsGet},
      {"incidents ack", "ID [--actor=NAME] [--note=TEXT]",
       "Acknowledge an incident.", &Alertctl::IncidentsAck},
      {"incidents resolve", "ID [--actor=NAME] [--note=TEXT]",
       "Resolve an incident.", &Alertctl::IncidentsResolve},
      {"incidents watch", "[--after=SEQ] [--service=S] [--count=N]",
       "Print incident events as they happen, from a sequence number on.",
       &Alertctl::IncidentsWatch},
      {"alert trigger",
       "--service=S --dedup_key=K --summary=TEXT [--source=manual] "
       "[--severity=S] [--details=TEXT] [--idempotency_key=K]",
       "Send an alert by hand: open or fold an incident.",
       &Alertctl::AlertTrigger},
      {"alert ack", "--service=S --dedup_key=K [--source=manual]",
       "Acknowledge by dedup key.", &Alertctl::AlertAck},
      {"alert resolve", "--service=S --dedup_key=K [--source=manual]",
       "Resolve by dedup key.", &Alertctl::AlertResolve},
      {"tokens create", "NAME --role=ingest|read|operate|admin",
       "Create an API token (shown once; only a hash is kept).",
       &Alertctl::TokensCreate},
      {"tokens list", "", "List API tokens: role, last use, revocation.",
       &Alertctl::TokensList},
      {"tokens revoke", "ID|NAME", "Revoke a token; it stops working at once.",
       &Alertctl::TokensRevoke},
      {"audit list", "[--limit=N] [--page_token=T]",
       "Changes to services, keys, secrets and tokens, newest first.",
       &Alertctl::AuditList},
  };
  return *commands;
}

}  // namespace
}  // namespace alertgate::cli

int main(int argc, char** argv) {
  // "-o json" is the habit of other CLIs; absl wants --output=json.
  std::vector<std::string> rewritten;
  std::string help_for;
  bool help = false;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-o" && i + 1 < argc) {
      rewritten.push_back(std::string("--output=") + argv[++i]);
    } else if (arg == "--help" || arg == "-h" || arg == "help") {
      help = true;
    } else {
      rewritten.push_back(arg);
      if (i > 0 && arg[0] != '-' && help_for.size() < 2 * 32) {
        help_for += (help_for.empty() ? "" : " ") + arg;
      }
    }
  }
  if (help) {
    alertgate::cli::PrintUsage(help_for);
    return 0;
  }
  std::vector<char*> args;
  for (std::string& a : rewritten) args.push_back(a.data());
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  std::vector<std::string> commands(positional.begin() + 1, positional.end());
  if (commands.empty()) {
    alertgate::cli::PrintUsage("");
    return alertgate::cli::kUsage;
  }
  const std::string output = absl::GetFlag(FLAGS_output);
  if (output != "table" && output != "json") {
    fprintf(stderr, "alertctl: --output must be table or json\n");
    return alertgate::cli::kUsage;
  }
  alertgate::client::ConnectOptions options;
  options.address = absl::GetFlag(FLAGS_address);
  if (options.address.empty() && getenv("ALERTGATE_ADDRESS")) {
    options.address = getenv("ALERTGATE_ADDRESS");
  }
  if (options.address.empty()) options.address = "127.0.0.1:50051";
  options.token = absl::GetFlag(FLAGS_token);
  if (options.token.empty() && getenv("ALERTGATE_TOKEN")) {
    options.token = getenv("ALERTGATE_TOKEN");
  }
  std::string token_file = absl::GetFlag(FLAGS_token_file);
  if (token_file.empty() && getenv("ALERTGATE_TOKEN_FILE")) {
    token_file = getenv("ALERTGATE_TOKEN_FILE");
  }
  if (options.token.empty() && !token_file.empty()) {
    auto token = alertgate::cli::ReadFile(token_file);
    if (!token.ok()) return alertgate::cli::Report(token.status());
    options.token = std::string(absl::StripAsciiWhitespace(*token));
  }
  for (auto [flag, path, pem] :
       {std::make_tuple("tls_ca", absl::GetFlag(FLAGS_tls_ca),
                        &options.tls_root_certificates),
        std::make_tuple("tls_cert", absl::GetFlag(FLAGS_tls_cert),
                        &options.tls_client_certificate),
        std::make_tuple("tls_key", absl::GetFlag(FLAGS_tls_key),
                        &options.tls_client_key)}) {
    if (path.empty()) continue;
    auto text = alertgate::cli::ReadFile(path);
    if (!text.ok()) {
      fprintf(stderr, "alertctl: --%s: ", flag);
      return alertgate::cli::Report(text.status());
    }
    *pem = *std::move(text);
  }
  options.use_tls =
      absl::GetFlag(FLAGS_tls) || !options.tls_root_certificates.empty();
  options.timeout = absl::GetFlag(FLAGS_timeout);
  auto client = alertgate::client::AlertgateClient::Connect(options);
  if (!client.ok()) return alertgate::cli::Report(client.status());
  return alertgate::cli::Alertctl(**client, commands).Run();
}
