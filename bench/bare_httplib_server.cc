// The ceiling: cpp-httplib with alertgate's front-door tuning that answers
// every POST with 202 and does nothing else. bench/run.sh drives it with the
// same bodies as alertgate to show what HTTP alone costs here.
//
//   bench_bare_httplib --port=0 --port_file=FILE [--threads=64]
#include <httplib.h>
#include <sys/socket.h>

#include <fstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"

ABSL_FLAG(int, port, 0, "Port; 0 picks a free one.");
ABSL_FLAG(std::string, port_file, "", "Where to write \"http=<port>\".");
ABSL_FLAG(int, threads, 64, "Worker threads, as the front door's default.");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  httplib::Server server;
  server.set_tcp_nodelay(true);
  const int threads = absl::GetFlag(FLAGS_threads);
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  server.set_keep_alive_max_count(1000);
  server.set_payload_max_length(1 << 20);
  int listen_socket = -1;
  server.set_socket_options([&listen_socket](socket_t socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_socket = socket;
  });
  server.Post(R"(/.*)", [](const httplib::Request&, httplib::Response& res) {
    res.status = 202;
    res.set_content("{\"accepted\":true}", "application/json");
  });
  const int port =
      absl::GetFlag(FLAGS_port) == 0
          ? server.bind_to_any_port("127.0.0.1")
          : (server.bind_to_port("127.0.0.1", absl::GetFlag(FLAGS_port))
                 ? absl::GetFlag(FLAGS_port)
                 : -1);
  if (port <= 0) return 1;
  ::listen(listen_socket, 1024);
  if (!absl::GetFlag(FLAGS_port_file).empty()) {
    std::ofstream(absl::GetFlag(FLAGS_port_file)) << "http=" << port << "\n";
  }
  server.listen_after_bind();
  return 0;
}
