// ServerProcess: runs a built alertgate binary as a child process for tests
// that need a real process (crash, restart, signals).
#ifndef ALERTGATE_TESTS_SERVER_PROCESS_H_
#define ALERTGATE_TESTS_SERVER_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace alertgate::testing {

// The build folder of a CMake build (compiled in), or empty under Bazel.
inline std::string CMakeBuildDir() {
#ifdef ALERTGATE_TEST_BIN_DIR
  return ALERTGATE_TEST_BIN_DIR;
#else
  return "";
#endif
}

// Where the build put a binary of this project: the CMake build folder or
// Bazel's runfiles.
inline std::string ProjectBinary(const std::string& path_in_project) {
  if (!CMakeBuildDir().empty()) return CMakeBuildDir() + "/" + path_in_project;
  const char* runfiles = getenv("TEST_SRCDIR");
  const char* workspace = getenv("TEST_WORKSPACE");
  if (runfiles && workspace) {
    return std::string(runfiles) + "/" + workspace + "/" + path_in_project;
  }
  return path_in_project;
}

// A source-adapter plugin this project builds, by source name, from the
// build's plugin folder (<build>/plugins with CMake, //:plugins with Bazel).
inline std::string PluginFile(const std::string& name) {
  return ProjectBinary("plugins/lib" + name + ".so");
}

// A file of the source tree (fixtures): from the source folder (CMake) or
// Bazel's runfiles.
inline std::string ProjectFile(const std::string& path_in_project) {
#ifdef ALERTGATE_TEST_SOURCE_DIR
  return std::string(ALERTGATE_TEST_SOURCE_DIR) + "/" + path_in_project;
#else
  return ProjectBinary(path_in_project);
#endif
}

inline std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

// The webhook URLs a first start wrote to <data_dir>/webhook-urls.txt, by
// source ("source URL" lines; comments skipped).
inline std::map<std::string, std::string> ReadWebhookUrlsFile(
    const std::string& file) {
  std::map<std::string, std::string> urls;
  std::ifstream in(file);
  std::string line, source, url;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream(line) >> source >> url;
    urls[source] = url;
  }
  return urls;
}

// The path part of a webhook URL (or the path itself).
inline std::string WebhookPathOf(const std::string& url) {
  const size_t at = url.find("/v1/");
  return at == std::string::npos ? "" : url.substr(at);
}

class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess() { Kill(SIGKILL); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts `binary` with `args` plus --port_file, output appended to `log`,
  // and waits up to 30 s for it to report its port. False if it did not.
  bool Start(const std::string& binary, std::vector<std::string> args,
             const std::string& port_file, const std::string& log) {
    unlink(port_file.c_str());
    port_ = 0;
    http_port_ = 0;
    admin_port_ = 0;
    console_port_ = 0;
    args.insert(args.begin(), binary);
    args.push_back("--port_file=" + port_file);
    // Several front doors run at once in tests: each its own admin port.
    bool admin_given = false;
    bool console_given = false;
    for (const std::string& arg : args) {
      admin_given |= arg.rfind("--admin_listen", 0) == 0;
      console_given |= arg.rfind("--console_listen", 0) == 0;
    }
    if (!admin_given) args.push_back("--admin_listen=127.0.0.1:0");
    // Tests run side by side: never the fixed default port.
    if (!console_given) args.push_back("--console_listen=127.0.0.1:0");
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    for (int i = 0; i < 300; ++i) {
      std::ifstream in(port_file);
      std::string line;
      while (std::getline(in, line)) {
        if (line.rfind("grpc=", 0) == 0) port_ = std::stoi(line.substr(5));
        if (line.rfind("http=", 0) == 0) http_port_ = std::stoi(line.substr(5));
        if (line.rfind("admin=", 0) == 0) {
          admin_port_ = std::stoi(line.substr(6));
        }
        if (line.rfind("console=", 0) == 0) {
          console_port_ = std::stoi(line.substr(8));
        }
      }
      if (port_ > 0 || http_port_ > 0) return true;
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_status_ = status;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // Sends `signal` and waits for the process to end; returns its wait status.
  int Kill(int signal) {
    if (pid_ <= 0) return -1;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  // The gRPC port (0 when the process serves none).
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // The HTTP port (0 when the process serves none).
  int http_port() const { return http_port_; }
  // The operator endpoints' port (0 when they share the HTTP port).
  int admin_port() const { return admin_port_; }
  int console_port() const { return console_port_; }
  // The wait status of a process that exited before reporting its port.
  int exit_status() const { return exit_status_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int exit_status_ = -1;
  int port_ = 0;
  int http_port_ = 0;
  int admin_port_ = 0;
  int console_port_ = 0;
};

}  // namespace alertgate::testing

#endif  // ALERTGATE_TESTS_SERVER_PROCESS_H_
