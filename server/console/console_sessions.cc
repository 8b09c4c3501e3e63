#include "server/console/console_sessions.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/escaping.h"

namespace alertgate::console {

std::string RandomHexToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    // Without randomness there is no safe session id: stop rather than
    // hand out guessable ones.
    abort();
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

ConsoleSessions::ConsoleSessions(const Clock* clock, Options options)
    : clock_(clock), options_(options) {}

std::string ConsoleSessions::Create(ConsoleSession& session) {
  session.csrf_token = RandomHexToken();
  session.last_used = clock_->Now();
  std::string id = RandomHexToken();
  absl::MutexLock lock(&mu_);
  if (sessions_.size() >= options_.max_sessions) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    }
    sessions_.erase(oldest);
  }
  sessions_[id] = session;
  return id;
}

std::optional<ConsoleSession> ConsoleSessions::Find(const std::string& id) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (now - it->second.last_used > options_.idle_timeout) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
  return it->second;
}

void ConsoleSessions::Remove(const std::string& id) {
  absl::MutexLock lock(&mu_);
  sessions_.erase(id);
}

size_t ConsoleSessions::size() const {
  absl::MutexLock lock(&mu_);
  return sessions_.size();
}

}  // namespace alertgate::console
