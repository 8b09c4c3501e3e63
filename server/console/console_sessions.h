// ConsoleSessions: who is signed in to the console. A session is made when
// a person signs in with an API token; the browser holds only its id, in
// an HttpOnly, SameSite=Strict cookie, and each session has its own CSRF
// token that state-changing requests must echo in a header. Sessions live
// in memory: a restart signs everyone out. They end after `idle_timeout`
// without a request, at sign-out, or when more than `max_sessions` exist
// (the least recently used goes).
//
// Thread safety: all methods may be called concurrently.
#ifndef ALERTGATE_SERVER_CONSOLE_CONSOLE_SESSIONS_H_
#define ALERTGATE_SERVER_CONSOLE_CONSOLE_SESSIONS_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "alertgate/alertgate_client.h"
#include "alertgate/v1/service_directory.pb.h"
#include "server/common/clock.h"

namespace alertgate::console {

struct ConsoleSession {
  std::string csrf_token;
  v1::Caller caller;  // The token's name and role.
  // Calls the API with the person's token.
  std::shared_ptr<client::AlertgateClient> api;
  absl::Time last_used;
};

class ConsoleSessions {
 public:
  struct Options {
    absl::Duration idle_timeout = absl::Hours(8);
    size_t max_sessions = 10000;
  };

  // REQUIRES: `clock` outlives the sessions.
  ConsoleSessions(const Clock* clock, Options options);

  // Starts a session; returns its id (64 hex digits from the system's
  // random source) and fills `session.csrf_token` the same way.
  std::string Create(ConsoleSession& session);
  // The session, if it exists and has not been idle too long; marks it
  // used.
  std::optional<ConsoleSession> Find(const std::string& id);
  void Remove(const std::string& id);
  size_t size() const;

 private:
  const Clock* clock_;
  const Options options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, ConsoleSession> sessions_
      ABSL_GUARDED_BY(mu_);
};

// 32 bytes from OpenSSL's random generator, as 64 hex digits.
std::string RandomHexToken();

}  // namespace alertgate::console

#endif  // ALERTGATE_SERVER_CONSOLE_CONSOLE_SESSIONS_H_
