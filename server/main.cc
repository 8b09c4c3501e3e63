// alertgate: the incident service. Today this process is the core: the
// incident state machine, its SQLite store and the gRPC API.
#include <signal.h>
#include <stdio.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "server/grpc/core_server.h"

ABSL_FLAG(std::string, data_dir, "data",
          "Folder for alertgate's data; created if missing.");
ABSL_FLAG(std::string, database, "",
          "SQLite file of the store. Empty: <data_dir>/alertgate.db.");
ABSL_FLAG(std::string, grpc_listen, "127.0.0.1:50051",
          "Address of the gRPC API (host:port; port 0 picks a free one).");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound gRPC port is written here once serving.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM/SIGINT, how long calls in flight may take to finish.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "alertgate: self-hosted alert ingestion and incidents.\n"
      "Usage: alertgate [--data_dir=DIR] [--grpc_listen=HOST:PORT]");
  absl::ParseCommandLine(argc, argv);

  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  std::string database = absl::GetFlag(FLAGS_database);
  if (database.empty()) {
    std::error_code error;
    std::filesystem::create_directories(data_dir, error);
    if (error) {
      fprintf(stderr, "alertgate: cannot create %s: %s\n", data_dir.c_str(),
              error.message().c_str());
      return 1;
    }
    database = data_dir + "/alertgate.db";
  }

  alertgate::CoreServerOptions options;
  options.database_path = database;
  options.listen_address = absl::GetFlag(FLAGS_grpc_listen);
  auto server = alertgate::CoreServer::Start(options);
  if (!server.ok()) {
    fprintf(stderr, "alertgate: %s\n", server.status().ToString().c_str());
    return 1;
  }
  printf("alertgate: gRPC API on port %d, store %s\n", (*server)->port(),
         database.c_str());
  fflush(stdout);
  if (const std::string port_file = absl::GetFlag(FLAGS_port_file);
      !port_file.empty()) {
    // Written then renamed, so a reader never sees a partial file.
    std::ofstream(port_file + ".tmp") << (*server)->port() << "\n";
    std::filesystem::rename(port_file + ".tmp", port_file);
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  printf("alertgate: %s received, shutting down\n", strsignal(signal_number));
  fflush(stdout);
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  printf("alertgate: stopped\n");
  return 0;
}
