// alertgate: self-hosted alert ingestion and incidents.
//
// One binary, three roles:
//   all        (default) the core and the HTTP front door in one process;
//              the front door still calls the core over gRPC.
//   core       the incident state machine, its store and the gRPC API.
//   frontdoor  the HTTP front door with the source plugins, calling a core
//              at --core_address. Any number can run side by side.
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "adapters/loader/adapter_registry.h"
#include "alertgate/alertgate_client.h"
#include "server/console/console_server.h"
#include "server/data_folder.h"
#include "server/first_start.h"
#include "server/frontdoor/client_core_api.h"
#include "server/frontdoor/frontdoor_server.h"
#include "server/grpc/core_server.h"
#include "server/store_url.h"
#include "server/token_command.h"
#include "server/webhook_replayer.h"

ABSL_FLAG(std::string, role, "all", "all, core or frontdoor.");
ABSL_FLAG(std::string, data_dir, "data",
          "Folder for alertgate's data; created if missing (core, all).");
ABSL_FLAG(
    std::string, store, "",
    "The store, as a URL: sqlite:///absolute/path.db or "
    "sqlite://relative/path.db. Empty: sqlite://<data_dir>/alertgate.db.");
ABSL_FLAG(std::string, grpc_listen, "127.0.0.1:50051",
          "Address of the gRPC API (core, all); port 0 picks a free one.");
ABSL_FLAG(std::string, http_listen, "127.0.0.1:8080",
          "Address of the HTTP front door (frontdoor, all); port 0 picks one.");
ABSL_FLAG(std::string, console_listen, "127.0.0.1:8082",
          "Address of the web console (/ui/; frontdoor, all), apart from the "
          "webhook port; loopback by default. Empty: no console.");
ABSL_FLAG(bool, console_secure_cookies, false,
          "Mark the console's session cookie Secure: set it when people "
          "reach the console over HTTPS (a TLS proxy in front).");
ABSL_FLAG(std::string, admin_listen, "127.0.0.1:8081",
          "Address of the front door's operator endpoints (/metrics, /readyz, "
          "/v1/sources; /healthz too), apart from the webhook port so that "
          "senders reach nothing but webhooks (frontdoor, all). Empty: they "
          "share --http_listen.");
ABSL_FLAG(std::string, core_address, "127.0.0.1:50051",
          "The core's gRPC address (frontdoor): host:port, several cores as "
          "ip:port,ip:port, or a DNS name with an address per core; calls "
          "are spread over the cores that answer.");
ABSL_FLAG(std::string, plugin_dir, "",
          "Folder of source-adapter plugins (*.so). Empty: the build's "
          "plugin folder, ../plugins beside this binary.");
ABSL_FLAG(
    std::string, public_url, "",
    "How senders reach the front doors (e.g. https://alerts.example.com), "
    "for the webhook URLs the core prints and returns. Empty: the "
    "address the all-in-one front door bound; a core alone returns "
    "paths only.");
ABSL_FLAG(int64_t, max_body_bytes, 1 << 20,
          "Largest webhook body accepted, chunked or not; larger gets 413 and "
          "is never held in memory.");
ABSL_FLAG(double, rate_limit, 0,
          "Deliveries per second per service; more get 429. 0: no limit.");
ABSL_FLAG(double, rate_burst, 20, "Burst allowed above --rate_limit.");
ABSL_FLAG(absl::Duration, core_timeout, absl::Seconds(5),
          "Deadline of each call from the front door to the core.");
ABSL_FLAG(absl::Duration, key_cache_ttl, absl::Seconds(5),
          "Longest the front door caches a resolved webhook key; a credential "
          "change on the core empties the cache at once.");
ABSL_FLAG(int, http_threads, 64,
          "Front door threads. Each serves many connections and is busy only "
          "while a complete request is handled, never while a client is slow.");
ABSL_FLAG(absl::Duration, http_request_deadline, absl::Seconds(10),
          "Time a connection has to deliver a whole request (headers and body) "
          "after it opens or after its previous answer; then it is closed.");
ABSL_FLAG(int64_t, http_max_header_bytes, 32 * 1024,
          "Largest request line and headers together; more gets 431.");
ABSL_FLAG(int, http_max_headers, 100,
          "Most headers in a request; more gets 431.");
ABSL_FLAG(int, http_max_connections, 1024,
          "Most open HTTP connections; beyond, new ones are closed at once.");
ABSL_FLAG(int, http_max_connections_per_address, 64,
          "Most open HTTP connections from one client address; beyond, new "
          "ones from it are closed at once. 0: no cap (behind a proxy, whose "
          "connections all come from one address).");
ABSL_FLAG(bool, log_deliveries, true, "One JSON log line per delivery.");
ABSL_FLAG(std::string, port_file, "",
          "If set, \"grpc=<port>\", \"http=<port>\" and \"admin=<port>\" "
          "lines are written here once serving.");
ABSL_FLAG(int, max_watchers, 1000,
          "Most WatchIncidents streams a core serves at once; more get "
          "RESOURCE_EXHAUSTED. Streams hold no thread each.");
ABSL_FLAG(absl::Duration, retain_idempotency_keys, absl::Hours(24 * 7),
          "How long a delivery id (idempotency key) is remembered; a retry "
          "after that has a second effect. Keep it longer than any sender "
          "retries. 0: forever.");
ABSL_FLAG(absl::Duration, retain_resolved_incidents, absl::Hours(24 * 90),
          "How long a resolved incident and its timeline are kept. 0: "
          "forever.");
ABSL_FLAG(absl::Duration, retain_folded_alerts, absl::Hours(24 * 30),
          "How long the timeline entry of each folded alert is kept, open "
          "incidents included (their alert count stays exact). 0: forever.");
ABSL_FLAG(absl::Duration, retain_deliveries, absl::Hours(24 * 7),
          "How long the delivery log keeps each delivery (0: forever).");
ABSL_FLAG(int64_t, max_kept_delivery_bytes, int64_t{64} << 20,
          "Bodies of refused deliveries (bad signature or payload) kept per "
          "service for ReplayDelivery; past it the oldest bodies go first "
          "(their log entries stay). Each is kept at most as long as "
          "--retain_deliveries.");
ABSL_FLAG(absl::Duration, retention_interval, absl::Minutes(1),
          "How often the pruner looks for what retention lets go.");
ABSL_FLAG(absl::Duration, auto_resolve_every, absl::Seconds(30),
          "How often open incidents that went quiet are looked for, for the "
          "services with auto-resolve settings (docs/rules.md); 0s: never.");
ABSL_FLAG(int, webhook_senders, 4,
          "Outbound webhook subscriptions this core sends to at once "
          "(docs/rules.md); 0: none (another core sharing the store sends).");
ABSL_FLAG(absl::Duration, webhook_timeout, absl::Seconds(10),
          "Outbound webhooks: connecting, and each read or write, may take "
          "this long before the attempt counts as failed.");
ABSL_FLAG(absl::Duration, webhook_first_retry, absl::Seconds(10),
          "Outbound webhooks: the wait before the first retry; each later "
          "one doubles, with jitter, up to --webhook_max_retry_delay.");
ABSL_FLAG(absl::Duration, webhook_max_retry_delay, absl::Hours(1),
          "Outbound webhooks: the longest wait between two attempts.");
ABSL_FLAG(absl::Duration, webhook_retry_for, absl::Hours(24),
          "Outbound webhooks: a message not delivered this long after its "
          "incident change is dead-lettered (listed, and redeliverable).");
ABSL_FLAG(std::string, webhook_ca_file, "",
          "Outbound webhooks: CA certificates (PEM) for https:// receivers; "
          "empty: the system's.");
ABSL_FLAG(absl::Duration, retain_webhook_messages, absl::Hours(24 * 7),
          "How long delivered and dead-lettered outbound webhook messages "
          "are kept (0: forever).");
ABSL_FLAG(std::string, store_check, "quick",
          "How the store file is checked at start before it is served: quick "
          "(every page and row: about 4.5 s for 1,000,000 incidents, 530 MB), "
          "full (also every index: about 5.5 s for the same), or none. See "
          "docs/operations.md.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM/SIGINT, how long calls in flight may take to finish.");
ABSL_FLAG(std::string, grpc_tls_cert, "",
          "PEM certificate (chain) of the gRPC listener; with "
          "--grpc_tls_key, the API is served over TLS (core, all).");
ABSL_FLAG(std::string, grpc_tls_key, "", "PEM private key of --grpc_tls_cert.");
ABSL_FLAG(std::string, grpc_tls_client_ca, "",
          "PEM CA certificates: gRPC clients must present a certificate one "
          "of them signed (mutual TLS), e.g. so that a core accepts only its "
          "own front doors.");
ABSL_FLAG(bool, insecure, false,
          "Accept serving the gRPC API in plaintext on an address other than "
          "loopback (tokens and data cross the network unencrypted).");
ABSL_FLAG(std::string, core_token_file, "",
          "File holding the API token (role ingest) the front door presents "
          "to its core (frontdoor). The all-in-one front door needs none.");
ABSL_FLAG(std::string, core_tls_ca, "",
          "PEM CA certificates to verify the core's certificate; set, the "
          "front door reaches its core over TLS (frontdoor).");
ABSL_FLAG(std::string, core_tls_cert, "",
          "PEM client certificate the front door presents to its core "
          "(mutual TLS; frontdoor).");
ABSL_FLAG(std::string, core_tls_key, "", "PEM private key of --core_tls_cert.");
ABSL_FLAG(std::string, name, "",
          "tokens create: the new token's name (default: ROLE-DATE-TIME).");

namespace {

bool SplitHostPort(const std::string& address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  *host = address.substr(0, colon);
  return absl::SimpleAtoi(address.substr(colon + 1), port) && *port >= 0 &&
         *port < 65536;
}

std::string DefaultPluginDir() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return "plugins";
  path[n] = '\0';
  return (std::filesystem::path(path).parent_path().parent_path() / "plugins")
      .lexically_normal()
      .string();
}

// Abseil asks with the file name as normalize_filename left it.
bool IsAlertgateFlagFile(absl::string_view file) {
  return file == "alertgate" || absl::EndsWith(file, "server/main.cc");
}

int Fail(const std::string& message) {
  fprintf(stderr, "alertgate: %s\n", message.c_str());
  return 1;
}

// The contents of the file a flag names; empty when the flag is empty.
absl::StatusOr<std::string> ReadFlagFile(const char* flag,
                                         const std::string& path) {
  if (path.empty()) return std::string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": cannot read ", path));
  }
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

// The store --store names, or the default one under --data_dir.
std::string StoreUrl(const std::string& data_dir) {
  const std::string store = absl::GetFlag(FLAGS_store);
  return store.empty() ? "sqlite://" + data_dir + "/alertgate.db" : store;
}

}  // namespace

namespace {

// How the loaded plugins describe themselves, for ListSourcePlugins.
alertgate::v1::ListSourcePluginsResponse SourcePluginsOf(
    const alertgate::AdapterRegistry& registry) {
  alertgate::v1::ListSourcePluginsResponse plugins;
  for (const alertgate::SourceAdapter* adapter : registry.All()) {
    alertgate::v1::SourcePlugin* plugin = plugins.add_plugins();
    plugin->set_name(adapter->name());
    plugin->set_display_name(adapter->display_name());
    plugin->set_version(adapter->version());
    for (const std::string& e : adapter->events()) plugin->add_events(e);
    for (const std::string& s : adapter->setup_steps()) {
      plugin->add_setup_steps(s);
    }
    plugin->set_signature_header(adapter->signature_header());
    for (const std::string& h : adapter->delivery_id_headers()) {
      plugin->add_delivery_id_headers(h);
    }
  }
  return plugins;
}

}  // namespace

int main(int argc, char** argv) {
  // Abseil's --help lists only flags defined in a file named like the
  // program; alertgate's live in server/main.cc.
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = IsAlertgateFlagFile;
  usage.contains_helpshort_flags = IsAlertgateFlagFile;
  usage.normalize_filename = [](absl::string_view file) {
    return std::string(IsAlertgateFlagFile(file) ? "alertgate" : file);
  };
  absl::SetFlagsUsageConfig(usage);
  // Abseil prints the program name before this text.
  absl::SetProgramUsageMessage(
      "self-hosted alert ingestion and incidents.\n\n"
      "Usage: alertgate [--role=all|core|frontdoor] [--data_dir=DIR] "
      "[--http_listen=HOST:PORT] [--grpc_listen=HOST:PORT] [FLAGS...]\n"
      "       alertgate tokens create --role=ingest|read|operate|admin "
      "[--name=NAME] [--data_dir=DIR]\n"
      "       alertgate migrate [--store=URL | --data_dir=DIR]\n\n"
      "Every flag, with its default, is listed below. Documentation: "
      "README.md and docs/ in the source tree.");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  // Everything alertgate creates (the store, its WAL, the webhook URLs, the
  // lock) is its own: no group or other access.
  umask(077);
  // Debian builds Abseil with lock-order (deadlock) detection on, which
  // tracks every mutex in a global graph: measurable per request. The tests
  // keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (positional.size() > 1) {
    std::vector<std::string> words(positional.begin() + 1, positional.end());
    if (words[0] == "tokens") {
      // Here --role names the token's role.
      return alertgate::RunTokensCommand(
          words, StoreUrl(absl::GetFlag(FLAGS_data_dir)),
          absl::GetFlag(FLAGS_role), absl::GetFlag(FLAGS_name));
    }
    if (words.size() == 1 && words[0] == "migrate") {
      // Brings the store's schema up to this build's, and nothing else:
      // for upgrades run before the cores start (they also migrate at
      // start, once, under a lock).
      const std::string url = StoreUrl(absl::GetFlag(FLAGS_data_dir));
      auto store = alertgate::OpenStore(url, alertgate::StoreCheck::kNone);
      if (!store.ok()) return Fail(std::string(store.status().message()));
      printf("alertgate: store %s is migrated to this build's schema\n",
             alertgate::RedactedStoreUrl(url).c_str());
      return 0;
    }
    return Fail("unknown command \"" + absl::StrJoin(words, " ") +
                "\"; the commands are \"tokens create\" and \"migrate\" "
                "(--help lists the flags)");
  }
  const std::string role = absl::GetFlag(FLAGS_role);
  const bool runs_core = role == "all" || role == "core";
  const bool runs_frontdoor = role == "all" || role == "frontdoor";
  if (!runs_core && !runs_frontdoor) {
    return Fail("--role must be all, core or frontdoor, not " + role);
  }

  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::string http_host;
  int http_port = 0;
  if (runs_frontdoor && !SplitHostPort(absl::GetFlag(FLAGS_http_listen),
                                       &http_host, &http_port)) {
    return Fail("--http_listen must be HOST:PORT");
  }

  // The front door converts deliveries with the plugins; the core loads
  // them too, to replay refused deliveries (ReplayDelivery).
  std::string plugin_dir = absl::GetFlag(FLAGS_plugin_dir);
  if (plugin_dir.empty()) plugin_dir = DefaultPluginDir();
  std::vector<std::string> plugin_errors;
  std::unique_ptr<alertgate::AdapterRegistry> registry =
      alertgate::AdapterRegistry::LoadFolder(plugin_dir, &plugin_errors);
  for (const std::string& error : plugin_errors) {
    fprintf(stderr, "alertgate: refused %s\n", error.c_str());
  }
  // The sources a first start gives the default service a URL for.
  std::vector<std::string> sources;
  for (const alertgate::SourceAdapter* adapter : registry->All()) {
    printf("alertgate: loaded source %s %s from %s\n", adapter->name().c_str(),
           adapter->version().c_str(), adapter->file().c_str());
    sources.push_back(adapter->name());
  }
  if (sources.empty()) {
    fprintf(stderr, "alertgate: no source plugins loaded from %s%s\n",
            plugin_dir.c_str(),
            runs_frontdoor ? "" : " (deliveries cannot be replayed here)");
    if (!runs_frontdoor) sources = {"bitbucket", "generic"};
  }

  alertgate::SystemClock clock;
  std::unique_ptr<alertgate::CoreApi> replay_api;
  std::unique_ptr<alertgate::WebhookReplayer> replayer;
  std::unique_ptr<alertgate::CoreServer> core;
  std::string core_address = absl::GetFlag(FLAGS_core_address);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  std::unique_ptr<alertgate::DataFolder> data_folder;
  if (runs_core) {
    auto claimed = alertgate::DataFolder::Claim(data_dir);
    if (!claimed.ok()) return Fail(std::string(claimed.status().message()));
    data_folder = std::move(*claimed);
    const std::string store_url = StoreUrl(data_dir);
    if (absl::GetFlag(FLAGS_store).empty()) {
      const std::string database = data_dir + "/alertgate.db";
      if (data_folder->UsedBefore() && access(database.c_str(), F_OK) != 0) {
        return Fail("store " + database + " is missing, but " + data_dir +
                    " was used before (it has webhook-urls.txt): refusing "
                    "to start a new, empty store in its place. Restore the "
                    "store from a backup, or move " +
                    data_dir + " away to start fresh");
      }
    }
    alertgate::CoreServerOptions options;
    options.max_watchers = absl::GetFlag(FLAGS_max_watchers);
    options.retention.idempotency_keys =
        absl::GetFlag(FLAGS_retain_idempotency_keys);
    options.retention.resolved_incidents =
        absl::GetFlag(FLAGS_retain_resolved_incidents);
    options.retention.interval = absl::GetFlag(FLAGS_retention_interval);
    options.auto_resolve_every = absl::GetFlag(FLAGS_auto_resolve_every);
    options.retention.folded_alerts = absl::GetFlag(FLAGS_retain_folded_alerts);
    options.retention.deliveries = absl::GetFlag(FLAGS_retain_deliveries);
    options.retention.outbound_messages =
        absl::GetFlag(FLAGS_retain_webhook_messages);
    options.outbound.senders = absl::GetFlag(FLAGS_webhook_senders);
    options.outbound.sender.timeout = absl::GetFlag(FLAGS_webhook_timeout);
    options.outbound.sender.ca_file = absl::GetFlag(FLAGS_webhook_ca_file);
    options.outbound.first_retry = absl::GetFlag(FLAGS_webhook_first_retry);
    options.outbound.max_retry_delay =
        absl::GetFlag(FLAGS_webhook_max_retry_delay);
    options.outbound.retry_for = absl::GetFlag(FLAGS_webhook_retry_for);
    options.deliveries.max_kept_bytes_per_service =
        absl::GetFlag(FLAGS_max_kept_delivery_bytes);
    const std::string check = absl::GetFlag(FLAGS_store_check);
    alertgate::StoreCheck store_check = alertgate::StoreCheck::kQuick;
    if (check == "full") {
      store_check = alertgate::StoreCheck::kFull;
    } else if (check == "none") {
      store_check = alertgate::StoreCheck::kNone;
    } else if (check != "quick") {
      return Fail("--store_check must be quick, full or none, not " + check);
    }
    auto store = alertgate::OpenStore(store_url, store_check);
    if (!store.ok()) return Fail(std::string(store.status().message()));
    options.listen_address = absl::GetFlag(FLAGS_grpc_listen);
    options.allow_insecure = absl::GetFlag(FLAGS_insecure);
    for (auto [flag, path, pem] :
         {std::make_tuple("grpc_tls_cert", absl::GetFlag(FLAGS_grpc_tls_cert),
                          &options.tls_certificate),
          std::make_tuple("grpc_tls_key", absl::GetFlag(FLAGS_grpc_tls_key),
                          &options.tls_private_key),
          std::make_tuple("grpc_tls_client_ca",
                          absl::GetFlag(FLAGS_grpc_tls_client_ca),
                          &options.tls_client_ca)}) {
      absl::StatusOr<std::string> text = ReadFlagFile(flag, path);
      if (!text.ok()) return Fail(std::string(text.status().message()));
      *pem = *std::move(text);
    }
    auto started = alertgate::CoreServer::Start(options, *std::move(store));
    if (!started.ok()) return Fail(started.status().ToString());
    core = std::move(*started);
    printf("alertgate: core serving gRPC on port %d, store %s\n", core->port(),
           alertgate::RedactedStoreUrl(store_url).c_str());
    core_address = absl::StrCat("in-process (gRPC port ", core->port(), ")");
    core->SetSourcePlugins(SourcePluginsOf(*registry));
    if (registry && !registry->All().empty()) {
      // Replays go through the same API as the front door, in process.
      alertgate::client::ConnectOptions connect;
      connect.address = core_address;
      connect.timeout = absl::GetFlag(FLAGS_core_timeout);
      connect.token = core->InProcessIngestToken();
      replay_api = std::make_unique<alertgate::ClientCoreApi>(
          alertgate::client::AlertgateClient::OverChannel(
              core->InProcessChannel(), connect));
      replayer = std::make_unique<alertgate::WebhookReplayer>(
          registry.get(), replay_api.get(), &clock);
      core->SetDeliveryReplayer(replayer.get());
    }
  }

  std::unique_ptr<alertgate::CoreApi> core_api;
  std::unique_ptr<alertgate::FrontDoorServer> frontdoor;
  // The console's connections to the core: it sends each person's token.
  std::unique_ptr<alertgate::client::AlertgateClient> console_core;
  std::unique_ptr<alertgate::console::ConsoleServer> console;
  if (runs_frontdoor) {
    // The front door reaches the core through the public API's C++ client,
    // as any other tool would. In one process it goes over gRPC's in-process
    // channel: the same API and handlers, without sockets.
    alertgate::client::ConnectOptions connect;
    connect.address = core_address;
    connect.timeout = absl::GetFlag(FLAGS_core_timeout);
    connect.channels = 4;  // Separate connections, for throughput.
    std::unique_ptr<alertgate::client::AlertgateClient> client;
    if (core) {
      connect.token = core->InProcessIngestToken();
      client = alertgate::client::AlertgateClient::OverChannel(
          core->InProcessChannel(), connect);
      console_core = client->WithToken("");
    } else {
      absl::StatusOr<std::string> token =
          ReadFlagFile("core_token_file", absl::GetFlag(FLAGS_core_token_file));
      if (!token.ok()) return Fail(std::string(token.status().message()));
      connect.token = std::string(absl::StripAsciiWhitespace(*token));
      if (connect.token.empty()) {
        return Fail(
            "--core_token_file: the front door needs an API token with role "
            "ingest to call its core (alertctl tokens create NAME "
            "--role=ingest)");
      }
      for (auto [flag, path, pem] :
           {std::make_tuple("core_tls_ca", absl::GetFlag(FLAGS_core_tls_ca),
                            &connect.tls_root_certificates),
            std::make_tuple("core_tls_cert", absl::GetFlag(FLAGS_core_tls_cert),
                            &connect.tls_client_certificate),
            std::make_tuple("core_tls_key", absl::GetFlag(FLAGS_core_tls_key),
                            &connect.tls_client_key)}) {
        absl::StatusOr<std::string> text = ReadFlagFile(flag, path);
        if (!text.ok()) return Fail(std::string(text.status().message()));
        *pem = *std::move(text);
      }
      connect.use_tls = !connect.tls_root_certificates.empty();
      auto connected = alertgate::client::AlertgateClient::Connect(connect);
      if (!connected.ok()) return Fail(connected.status().ToString());
      client = *std::move(connected);
      console_core = client->WithToken("");
    }
    alertgate::client::WebhookKeyCache::Options key_cache;
    key_cache.ttl = absl::GetFlag(FLAGS_key_cache_ttl);
    key_cache.now = [&clock] { return clock.Now(); };
    core_api = std::make_unique<alertgate::ClientCoreApi>(std::move(client),
                                                          std::move(key_cache));
    alertgate::FrontDoorOptions options;
    options.http.host = http_host;
    options.http.port = http_port;
    options.http.max_body_bytes =
        static_cast<size_t>(absl::GetFlag(FLAGS_max_body_bytes));
    options.http.threads = absl::GetFlag(FLAGS_http_threads);
    options.http.request_deadline = absl::GetFlag(FLAGS_http_request_deadline);
    options.http.max_header_bytes =
        static_cast<size_t>(absl::GetFlag(FLAGS_http_max_header_bytes));
    options.http.max_headers = absl::GetFlag(FLAGS_http_max_headers);
    options.http.max_connections = absl::GetFlag(FLAGS_http_max_connections);
    options.http.max_connections_per_address =
        absl::GetFlag(FLAGS_http_max_connections_per_address);
    if (const std::string admin = absl::GetFlag(FLAGS_admin_listen);
        !admin.empty()) {
      alertgate::HttpListenerOptions admin_options;
      if (!SplitHostPort(admin, &admin_options.host, &admin_options.port)) {
        return Fail("--admin_listen must be HOST:PORT, or empty");
      }
      admin_options.threads = 2;
      options.admin = admin_options;
    }
    options.log_deliveries = absl::GetFlag(FLAGS_log_deliveries);
    options.handler.rate_per_second = absl::GetFlag(FLAGS_rate_limit);
    options.handler.rate_burst = absl::GetFlag(FLAGS_rate_burst);
    auto started = alertgate::FrontDoorServer::Start(options, registry.get(),
                                                     core_api.get(), &clock);
    if (!started.ok()) return Fail(started.status().ToString());
    frontdoor = std::move(*started);
    printf("alertgate: front door serving HTTP on %s:%d, core at %s\n",
           http_host.c_str(), frontdoor->port(), core_address.c_str());
    if (const std::string listen = absl::GetFlag(FLAGS_console_listen);
        !listen.empty()) {
      alertgate::console::ConsoleOptions console_options;
      if (!SplitHostPort(listen, &console_options.host,
                         &console_options.port)) {
        return Fail("--console_listen must be HOST:PORT, or empty");
      }
      console_options.secure_cookies =
          absl::GetFlag(FLAGS_console_secure_cookies);
      auto console_started = alertgate::console::ConsoleServer::Start(
          console_options, console_core.get(), &clock);
      if (!console_started.ok()) {
        return Fail(console_started.status().ToString());
      }
      console = std::move(*console_started);
      printf(
          "alertgate: console at http://%s:%d/ui/ (sign in with an API "
          "token; a first start writes the admin token to %s/admin-token)\n",
          console_options.host.c_str(), console->port(), data_dir.c_str());
    }
    if (frontdoor->admin_port() != 0) {
      printf(
          "alertgate: operator endpoints (/metrics, /readyz, /v1/sources) "
          "on %s:%d\n",
          options.admin->host.c_str(), frontdoor->admin_port());
    }
  }
  if (core) {
    // Issued webhook keys come back as full URLs: from --public_url, or, in
    // one process, from the address the front door actually bound. A core
    // alone does not know where its front doors are.
    std::string public_url = absl::GetFlag(FLAGS_public_url);
    if (public_url.empty() && frontdoor) {
      public_url = absl::StrCat("http://", http_host, ":", frontdoor->port());
      if (http_host == "0.0.0.0" || http_host == "[::]" || http_host.empty()) {
        printf(
            "alertgate: webhook URLs name %s, which senders elsewhere "
            "cannot use: pass --public_url=https://<how they reach this "
            "host>\n",
            public_url.c_str());
      }
    }
    core->catalog().SetPublicBaseUrl(public_url);
    if (public_url.empty()) {
      printf(
          "alertgate: no --public_url: issued webhook keys come with their "
          "path only; join it with your front door's address\n");
    }
    if (absl::Status s = alertgate::CreateDefaultServiceIfEmpty(
            core->catalog(), sources, data_dir);
        !s.ok()) {
      return Fail("first start: " + s.ToString());
    }
    if (absl::Status s =
            alertgate::CreateFirstAdminTokenIfNone(core->access(), data_dir);
        !s.ok()) {
      return Fail("first start: " + s.ToString());
    }
  }
  fflush(stdout);

  if (const std::string port_file = absl::GetFlag(FLAGS_port_file);
      !port_file.empty()) {
    // Written then renamed, so a reader never sees a partial file.
    {
      std::ofstream out(port_file + ".tmp");
      if (core) out << "grpc=" << core->port() << "\n";
      if (frontdoor) out << "http=" << frontdoor->port() << "\n";
      if (frontdoor && frontdoor->admin_port() != 0) {
        out << "admin=" << frontdoor->admin_port() << "\n";
      }
      if (console) out << "console=" << console->port() << "\n";
    }
    std::filesystem::rename(port_file + ".tmp", port_file);
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  printf("alertgate: %s received, shutting down\n", strsignal(signal_number));
  fflush(stdout);
  // Webhooks first: nothing new reaches the core while it drains. Then the
  // front door's calls into the core (its webhook-key watch among them)
  // end before the core's server goes: a watch that ended would otherwise
  // reconnect to a server that is being torn down.
  if (console) console->Stop();
  console.reset();
  console_core.reset();
  if (frontdoor) frontdoor->Stop();
  frontdoor.reset();
  core_api.reset();
  if (core) core->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  replayer.reset();  // After the calls that could use it ended.
  replay_api.reset();
  printf("alertgate: stopped\n");
  return 0;
}
