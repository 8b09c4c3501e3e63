// Certificates for the TLS tests, made with the openssl tool in a folder:
// self-signed CAs, and certificates they sign for 127.0.0.1 and localhost.
// Each call's output goes to <dir>/openssl.log; a failure shows the command
// and that log.
#ifndef ALERTGATE_TESTS_TEST_CERTIFICATES_H_
#define ALERTGATE_TESTS_TEST_CERTIFICATES_H_

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/server_process.h"

namespace alertgate::testing {

// Runs `openssl ARGS` in `dir`.
inline ::testing::AssertionResult Openssl(const std::string& dir,
                                          const std::string& args) {
  const std::string command =
      absl::StrCat("cd '", dir, "' && openssl ", args, " >> openssl.log 2>&1");
  if (system(command.c_str()) == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << command << "\n"
                                       << ReadFileOrEmpty(dir + "/openssl.log");
}

// <name>.key and <name>.pem: a CA named `common_name`, valid two days.
inline ::testing::AssertionResult MakeTestCa(const std::string& dir,
                                             const std::string& name,
                                             const std::string& common_name) {
  return Openssl(dir, absl::StrCat("req -x509 -newkey rsa:2048 -nodes -days 2 "
                                   "-subj /CN=",
                                   common_name, " -keyout ", name, ".key -out ",
                                   name, ".pem"));
}

// <name>.key and <name>.pem: a certificate for 127.0.0.1 and localhost that
// the CA <ca>.pem signed, valid two days.
inline ::testing::AssertionResult IssueTestCertificate(
    const std::string& dir, const std::string& ca, const std::string& name) {
  if (auto made = Openssl(dir, absl::StrCat("req -newkey rsa:2048 -nodes "
                                            "-subj /CN=",
                                            name, " -keyout ", name,
                                            ".key -out ", name, ".csr"));
      !made) {
    return made;
  }
  std::ofstream(dir + "/" + name + ".ext")
      << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  return Openssl(
      dir, absl::StrCat("x509 -req -in ", name, ".csr -CA ", ca, ".pem -CAkey ",
                        ca, ".key -CAcreateserial -days 2 -extfile ", name,
                        ".ext -out ", name, ".pem"));
}

}  // namespace alertgate::testing

#endif  // ALERTGATE_TESTS_TEST_CERTIFICATES_H_
