// SqliteStore: the default IncidentStore, one SQLite file in WAL mode.
//
// Durability: every commit runs with synchronous=FULL, so an OK from Write()
// survives a crash of the process or the machine.
//
// Group commit: one writer thread owns the write connection. Write() queues
// its callback and waits; the writer takes every queued callback (up to
// kMaxBatch), runs each inside its own SAVEPOINT of one transaction, commits
// once, and only then answers them all. Concurrent writers thus share one
// fsync instead of paying one each, and nobody is answered before the commit.
//
// Reads use a small pool of separate connections, which in WAL mode see the
// last committed state and never wait for the writer.
//
// Thread safety: all methods are safe to call concurrently.
#ifndef ALERTGATE_SERVER_STORE_SQLITE_SQLITE_STORE_H_
#define ALERTGATE_SERVER_STORE_SQLITE_SQLITE_STORE_H_

#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/store/connection_pool.h"
#include "server/store/group_commit.h"
#include "server/store/incident_store.h"
#include "server/store/sequence_notifier.h"
#include "server/store/sqlite/sqlite_connection.h"

namespace alertgate {

// How much of the file Open() reads to make sure it is not damaged.
enum class StoreCheck {
  kNone,   // Trust the file.
  kQuick,  // PRAGMA quick_check: every page and row, not index contents.
  kFull,   // PRAGMA integrity_check: also that indexes match their tables.
};

class SqliteStore final : public IncidentStore {
 public:
  // Most callbacks one transaction runs.
  static constexpr int kMaxBatch = 256;

  // Opens or creates the database at `path` and migrates its schema.
  // Refuses, and never re-creates, what is not an alertgate store: an empty
  // (0-byte) file, a file that is not SQLite, a SQLite database of some
  // other program (all FAILED_PRECONDITION), or one that fails `check`
  // (DATA_LOSS). The messages say how to start fresh.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(
      const std::string& path, StoreCheck check = StoreCheck::kQuick);
  // Finishes queued writes, then closes the file.
  ~SqliteStore() override;

  absl::Status Write(WriteWork work) override;
  void WriteAsync(WriteWork work, WriteDone done) override;

  absl::StatusOr<std::optional<Incident>> GetIncident(
      const std::string& id) override;
  absl::StatusOr<std::vector<Incident>> ListIncidents(
      const IncidentFilter& filter, const std::string& before_id,
      int limit) override;
  absl::StatusOr<std::vector<IncidentEvent>> ReadEvents(
      const EventQuery& query) override;
  int64_t LastCommittedSequence() override;
  absl::StatusOr<int64_t> PrunedThroughSequence() override;
  bool WaitForEventsAfter(int64_t sequence, absl::Duration timeout) override;

  absl::StatusOr<std::optional<Service>> GetService(
      const std::string& id) override;
  absl::StatusOr<std::optional<Service>> GetServiceByName(
      const std::string& name) override;
  absl::StatusOr<std::vector<Service>> ListServices(
      const std::string& after_name, int limit) override;

  absl::StatusOr<std::optional<WebhookCredential>>
  FindWebhookCredentialByKeyHash(const std::string& source,
                                 const std::string& key_hash) override;
  absl::StatusOr<std::optional<ApiToken>> FindApiTokenByHash(
      const std::string& token_hash) override;
  absl::StatusOr<std::vector<ApiToken>> ListApiTokens() override;
  absl::StatusOr<std::vector<AuditEntry>> ListAuditEntries(int64_t before_id,
                                                           int limit) override;
  absl::StatusOr<std::vector<Delivery>> ListDeliveries(
      const std::string& service_id, const std::string& source,
      const std::string& before_id, int limit) override;
  absl::StatusOr<std::optional<Delivery>> GetDelivery(
      const std::string& id) override;

  absl::StatusOr<std::optional<ServiceRules>> GetServiceRules(
      const std::string& service_id) override;
  absl::StatusOr<std::vector<ServiceRules>> ListAutoResolveRules() override;
  absl::StatusOr<std::vector<OutboundQueue>> ListDueOutboundQueues(
      absl::Time now, int limit) override;
  absl::StatusOr<std::vector<OutboundMessage>> ListOutboundMessages(
      const std::string& service_id, std::optional<OutboundState> state,
      const std::string& before_id, int limit) override;
  absl::StatusOr<std::vector<Incident>> ListQuietIncidents(
      const std::string& service_id, const std::string& source,
      const std::string& dedup_key_prefix, absl::Time before,
      int limit) override;
  absl::StatusOr<std::vector<WebhookCredential>> ListWebhookCredentials(
      const std::string& service_id) override;
  absl::StatusOr<std::vector<OpenIncidentCount>> CountOpenIncidents() override;
  absl::StatusOr<std::vector<SourceActivity>> ListSourceActivity(
      const std::string& service_id) override;

 private:
  using ReadLease = ConnectionPool<SqliteConnection>::Lease;

  SqliteStore(std::unique_ptr<SqliteConnection> writer,
              std::vector<std::unique_ptr<SqliteConnection>> readers,
              int64_t last_sequence);
  // Runs a batch in one transaction; one status per callback.
  std::vector<absl::Status> CommitBatch(
      const std::vector<const WriteWork*>& batch);
  // Runs a statement of static text on the writer connection.
  absl::Status RunStatic(const char* sql);

  std::unique_ptr<SqliteConnection> writer_;
  SequenceNotifier notifier_;
  // Set by the writer when SQLite reports the file corrupt: from then on no
  // write is attempted (each answers UNAVAILABLE) until an operator acts.
  std::atomic<bool> damaged_{false};

  ConnectionPool<SqliteConnection> readers_;

  // Last: its writer starts after everything above exists.
  std::unique_ptr<GroupCommitQueue> writes_;
};

}  // namespace alertgate

#endif  // ALERTGATE_SERVER_STORE_SQLITE_SQLITE_STORE_H_
