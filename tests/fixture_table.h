// The Bitbucket fixtures with their event keys, read from the rows of
// tests/fixtures/bitbucket/PROVENANCE.md.
#ifndef ALERTGATE_TESTS_FIXTURE_TABLE_H_
#define ALERTGATE_TESTS_FIXTURE_TABLE_H_

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/server_process.h"

namespace alertgate::testing {

struct BitbucketFixture {
  std::string name;   // "cloud/repo_push.branch.json"
  std::string event;  // The X-Event-Key it was delivered with.
  std::string body;
};

inline std::vector<BitbucketFixture> AllBitbucketFixtures() {
  const std::string dir = ProjectFile("tests/fixtures/bitbucket");
  std::istringstream provenance(ReadFileOrEmpty(dir + "/PROVENANCE.md"));
  const std::regex row(R"(^\| `([^`]+)` \| `([^`]+)` \|)");
  std::vector<BitbucketFixture> fixtures;
  std::string section, line;
  while (std::getline(provenance, line)) {
    if (line.rfind("## cloud", 0) == 0) section = "cloud";
    if (line.rfind("## server", 0) == 0) section = "server";
    std::smatch m;
    if (!std::regex_search(line, m, row) || section.empty()) continue;
    const std::string name = section + "/" + m[1].str();
    fixtures.push_back({name, m[2].str(), ReadFileOrEmpty(dir + "/" + name)});
  }
  return fixtures;
}

}  // namespace alertgate::testing

#endif  // ALERTGATE_TESTS_FIXTURE_TABLE_H_
